"""Figures that are more than a weekly line chart."""
from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter

from analysis.report import book
from analysis.editions import Edition


def monday(index: int) -> float:
    """Matplotlib date number of the Monday of a week index."""
    return mdates.date2num(date.fromordinal(int(index) * 7 + 1))


def event_time_figure(teams: pd.DataFrame, ed: Edition, data_last_week: int):
    """A few teams on calendar time (top) and re-centred on their own course start
    (bottom). `teams` is the bundle's figure 'design.event_time' (one series per team, in
    order of course start: x the week index of its first course week, y the last week
    relative to course start with register data); `data_last_week` is the week index of
    the register data's last week. Returns the figure."""
    picked = pd.DataFrame({"hold": teams["series"].to_numpy(), "start_week": teams["x"].astype(int).to_numpy(),
                           "last_week": teams["y"].astype(int).to_numpy()})
    rel = {"before": (-ed.weeks_before, 0), "course": (1, ed.course_weeks),
           "after": (ed.course_weeks + 1, ed.weeks_after)}
    colours = {"before": book.COLORS["grey"], "course": book.COLORS["blue"], "after": book.COLORS["lightblue"]}
    labels = {"before": "Før kurset", "course": "Kursusuger", "after": "Efter kurset"}

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 5.2))
    for y, team in enumerate(picked.itertuples()):
        y = len(picked) - 1 - y
        data_end = int(team.last_week)              # last relative week with data
        for part, (lo, hi) in rel.items():
            shown_hi = min(hi, data_end)
            for ax, to_x, unit in ((top, lambda w: monday(team.start_week - 1 + w), 7), (bottom, float, 1)):
                if shown_hi >= lo:
                    ax.barh(y, (shown_hi - lo + 1) * unit, left=to_x(lo) - (0 if unit == 7 else 0.5),
                            height=0.6, color=colours[part], edgecolor="white", linewidth=0.3)
                if hi > data_end:
                    start = max(lo, data_end + 1)
                    ax.barh(y, (hi - start + 1) * unit, left=to_x(start) - (0 if unit == 7 else 0.5),
                            height=0.6, facecolor="white", edgecolor=book.COLORS["grey"], linestyle="--",
                            linewidth=0.6)
    names = list(picked["hold"])[::-1]
    for ax in (top, bottom):
        ax.set_yticks(range(len(picked)), names)
        ax.grid(axis="y", visible=False)
    end_x = monday(data_last_week + 1)
    top.axvline(end_x, color=book.COLORS["red"], linestyle="--", linewidth=1.3)
    top.xaxis.set_major_locator(mdates.YearLocator())
    top.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    top.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=[4, 7, 10]))
    top.set_xlabel("Kalendertid")
    bottom.axvline(0.5, color=book.COLORS["black"], linewidth=1)
    tp = ed.time_points
    bottom.xaxis.set_major_locator(FixedLocator(sorted({-ed.weeks_before // 2, *tp.values(), ed.weeks_after})))
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda v, _: book.number(v, 0)))
    bottom.set_xlim(-ed.weeks_before - 1, ed.weeks_after + 1)
    bottom.set_xlabel("Uger i forhold til kursusstart (uge 1 er første kursusuge)")
    handles = [Patch(color=colours[p], label=labels[p]) for p in rel]
    handles += [Patch(facecolor="white", edgecolor=book.COLORS["grey"], linestyle="--", label="Efter dataenes sidste uge"),
                Line2D([], [], color=book.COLORS["red"], linestyle="--", linewidth=1.3, label="Registerdata slutter")]
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    plt.close(fig)
    data = pd.DataFrame({"Hold": picked["hold"], "Første kursusuge (ISO-uge)": [
        book.week_text(int(w)) for w in picked["start_week"]],
        "Sidste uge med registerdata (uger efter kursusstart)": picked["last_week"]})
    alt = (f"Diagram over {len(picked)} hold i kalendertid og i tid i forhold til kursusstart. Registerdata "
           f"slutter {book.week_text(data_last_week)}; " + "; ".join(
               f"{t.hold} starter {book.week_text(int(t.start_week))} og har data til uge {book.number(t.last_week, 0)}"
               for t in picked.itertuples()) + ".")
    return book.attach(fig, data, alt)


def score_scale_figure(labels: dict[int, str]):
    """The beskæftigelsesscore as a ladder: 0 at the bottom, 10 (employment) at the top."""
    from matplotlib.colors import LinearSegmentedColormap
    scores = sorted(labels)
    cmap = LinearSegmentedColormap.from_list("tpj", [book.COLORS["grey"], book.COLORS["lightblue"],
                                                      book.COLORS["blue"]])
    fig, ax = plt.subplots(figsize=(7.0, 3.9))
    for score in scores:
        share = (score - scores[0]) / (scores[-1] - scores[0])
        ax.barh(score, 0.6 + 0.4 * share, color=cmap(share), height=0.8)
        ax.text(0.02, score, book.count(score), va="center", ha="left", fontsize=9,
                color="white" if share > 0.6 else "black", fontweight="bold")
        ax.text(1.05, score, labels[score], va="center", ha="left", fontsize=9)
    ax.set_xlim(0, 3.2)
    ax.set_ylim(scores[0] - 0.6, scores[-1] + 0.6)
    ax.axis("off")
    ax.annotate("", xy=(1.0, scores[-1] + 0.4), xytext=(1.0, scores[0] - 0.4),
                arrowprops={"arrowstyle": "->", "color": book.COLORS["black"], "linewidth": 1})
    fig.tight_layout()
    plt.close(fig)
    data = pd.DataFrame({"Score": scores, "Ydelse eller status": [labels[s] for s in scores]})
    alt = ("Skala for beskæftigelsesscoren fra 0 nederst til 10 øverst: "
           + "; ".join(f"{s}: {labels[s]}" for s in scores) + ".")
    return book.attach(fig, data, alt)


def event_profile_figure(profile: pd.DataFrame, course_weeks: int):
    """The event-time profile with person fixed effects (the bundle's figure
    `score.event_time`: series estimate, ci_low, ci_high; x the week relative to course
    start; y the difference to the week before the course, on the score's 0-10 scale): the
    line, its 95 % band and the course weeks shaded. Returns the figure with its data and
    alt text attached."""
    wide = profile.pivot(index="x", columns="series", values="y").reset_index().rename(columns={"x": "week"})
    fig, ax = plt.subplots()
    ax.axvspan(0.5, course_weeks + 0.5, color=book.COLORS["lightblue"], zorder=0)
    ax.fill_between(wide["week"], wide["ci_low"], wide["ci_high"], color=book.COLORS["grey"], alpha=0.3, linewidth=0)
    ax.plot(wide["week"], wide["estimate"], color=book.COLORS["black"], linewidth=1.6)
    ax.axhline(0, color=book.COLORS["grey"], linewidth=0.8)
    ax.set_xlabel("Antal uger ift. kursusstart")
    ax.set_ylabel("Forskel til ugen før kurset")
    book.decimal_comma_axis(ax)
    fig.tight_layout()
    plt.close(fig)
    data = wide.rename(columns={"week": "Uge ift. kursusstart", "estimate": "Forskel til ugen før kurset",
                                "ci_low": "95 %-interval, nedre", "ci_high": "95 %-interval, øvre"})
    estimate = profile[profile["series"] == "estimate"].assign(series="Forskel til ugen før kurset")
    return book.attach(fig, data, book.alt_series("beskæftigelsesscoren i uger før og efter kursusstart, "
                                                  "med personfaste effekter", estimate))
