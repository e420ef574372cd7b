"""Figures that are more than a weekly line chart."""
from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter

from analysis.report import book
from analysis.disclosure.rules import SUPPRESSED
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
    return fig


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
    return fig


# ---------------------------------------------------------------- survey charts

HIDDEN_LABEL = "Skjult (færre end 3 personer, eller kunne udledes)"


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)) or text


def _option_colours(question) -> dict[int, tuple]:
    """Colours of a question's options. A scale (the codebook lists the best option first)
    runs from dark blue to dark red, a count of times ('1 gang', ...) from light to dark
    blue, unordered options (and multiple choice) take the series colours; 'Ved ikke' and
    the like are grey."""
    substantive = [o.code for o in question.options if o.substantive]
    greys = iter(["#b3b3b3", "#d9d9d9", "#8c8c8c"])
    colours = {o.code: next(greys) for o in question.options if not o.substantive}
    if question.type == "multi" or question.unordered:
        palette = iter(book.SERIES + [book.COLORS["grey"]] * len(substantive))
        return {**{code: next(palette) for code in substantive}, **colours}
    if any("gang" in o.label for o in question.options):
        shades = plt.get_cmap("Blues")(np.linspace(0.2, 0.95, len(substantive)))
    else:
        shades = plt.get_cmap("RdYlBu")(np.linspace(0.92, 0.08, len(substantive)))
    return {**{code: tuple(shade) for code, shade in zip(substantive, shades)}, **colours}


def stacked_bars(rows: list[tuple[str, "DisclosedDistribution", int]], question, title: str | None = None):
    """Horizontal 100 % bars, one per (label, disclosed distribution, wave), segments the
    options of `question` in codebook order; hidden cells drawn as one hatched segment."""
    colours = _option_colours(question)
    lines = [_wrap(label, 38).count("\n") + 1 for label, _, _ in rows]
    height = 0.9 + sum(0.3 + 0.14 * n for n in lines)
    legend_rows = int(np.ceil(len(question.options) / (1 if max(len(o.label) for o in question.options) > 45 else 2)))
    fig, ax = plt.subplots(figsize=(7.0, height + 0.28 * legend_rows + (0.3 if title else 0)))
    used_hidden = False
    for y, (label, dist, wave) in enumerate(rows):
        left = 0.0
        n = dist.n[wave]
        hidden_share = 0.0
        for o in question.options:
            share = 100 * dist.counts.loc[o.code, wave] / n if n else 0
            if dist.hidden.loc[o.code, wave]:
                hidden_share += share
                continue
            if share <= 0:
                continue
            ax.barh(y, share, left=left, color=colours[o.code], edgecolor="white", linewidth=0.6, height=0.62)
            if share >= 5:
                from matplotlib.colors import to_rgb
                dark = sum(to_rgb(colours[o.code])) < 1.5
                ax.text(left + share / 2, y, f"{share:.0f} %", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
            left += share
        if hidden_share > 0:
            used_hidden = True
            ax.barh(y, hidden_share, left=left, color="white", edgecolor="#8c8c8c", hatch="////",
                    linewidth=0.6, height=0.62)
    ax.set_yticks(range(len(rows)), [_wrap(label, 38) for label, _, _ in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %"))
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(_wrap(title, 90), loc="left", fontsize=10, fontweight="bold")
    handles = [Patch(facecolor=colours[o.code], label=_wrap(o.label, 60)) for o in question.options]
    if used_hidden:
        handles.append(Patch(facecolor="white", edgecolor="#8c8c8c", hatch="////", label=HIDDEN_LABEL))
    long = max(len(o.label) for o in question.options) > 45
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12 if len(rows) > 2 else -0.3),
              ncol=1 if long else 2, fontsize=8, handlelength=1.2, alignment="left")
    fig.tight_layout()
    return fig


def choice_bars(dist: "DisclosedDistribution", wave: int, title: str | None = None):
    """Multiple choice: the share of those asked who chose each option (options overlap)."""
    q = dist.question
    shares = [(o.label, (SUPPRESSED if dist.hidden.loc[o.code, wave]
                         else 100 * dist.counts.loc[o.code, wave] / dist.n[wave])) for o in q.options]
    fig, ax = plt.subplots(figsize=(7.0, 0.8 + 0.34 * len(shares) + (0.3 if title else 0)))
    for y, (label, share) in enumerate(shares):
        if isinstance(share, str):
            ax.text(0.5, y, "skjult", va="center", fontsize=8, color="#8c8c8c")
            continue
        ax.barh(y, share, color=book.COLORS["blue"], height=0.6)
        ax.text(share + 0.8, y, f"{share:.0f} %", va="center", fontsize=8)
    ax.set_yticks(range(len(shares)), [_wrap(label, 45) for label, _ in shares])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %"))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    if title:
        ax.set_title(_wrap(title, 90), loc="left", fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def who5_figure(summary: pd.DataFrame, population_mean: float, bands, wave_labels: dict[int, str]):
    """Mean trivselsscore per wave against the risk bands and the population mean."""
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    band_colours = ["#f4c7c3", "#fbe3c2"]
    for (low, high, text), colour in zip(bands[:2], band_colours):
        ax.axhspan(low, high + 0.99 if high < 100 else high, color=colour, alpha=0.7, lw=0)
        ax.text(len(summary.columns) + 0.35, (low + high) / 2, _wrap(text[0].upper() + text[1:], 24),
                va="center", ha="right", fontsize=7.5, color="#555555")
    ax.axhline(population_mean, color=book.COLORS["grey"], linestyle="--", linewidth=1)
    ax.text(-0.45, population_mean + 1.5, "Befolkningen", fontsize=8, color="#555555")
    waves = list(summary.columns)
    means = summary.loc["mean"].to_numpy(dtype=float)
    ax.set_xlim(-0.5, len(waves) + 0.4)
    ax.plot(range(len(waves)), means, color=book.COLORS["blue"], marker="o", linewidth=2)
    for x, m in enumerate(means):
        ax.text(x, m + 2.5, book.number(m, 1), ha="center", fontsize=9, color=book.COLORS["blue"])
    ax.set_xticks(range(len(waves)), [f"{wave_labels[w]}\n(N = {int(summary.loc['n', w])})" for w in waves])
    ax.set_ylim(0, 100)
    ax.set_ylabel("Trivselsscore (0-100)")
    fig.tight_layout()
    return fig
