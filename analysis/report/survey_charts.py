"""The survey charts (Bilag 2-11 and the result pages): 100 % bars per wave, the options of a
multiple-choice question, and the trivselsscore against the WHO-5 risk bands. They draw
published shares only (analysis.report.surveys reads them from the bundle)."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.disclosure.rules import SUPPRESSED
from analysis.reference.codebook import Question
from analysis.report import book

HIDDEN_LABEL = "Skjult (færre end 3 personer, eller kunne udledes)"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _option_colours(question: Question) -> dict[int, tuple]:
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
    else:   # best option blue, worst orange (colour-blind safe; book.COLORS)
        scale = LinearSegmentedColormap.from_list("tpj_scale", [book.COLORS["blue"], "#f2f2f2", book.COLORS["red"]])
        shades = scale(np.linspace(0.0, 1.0, len(substantive)))
    return {**{code: tuple(shade) for code, shade in zip(substantive, shades)}, **colours}


def _percent_axis(ax) -> None:
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: book.pct(v, 0)))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)


def stacked_bars(rows: list[tuple[str, pd.Series]], question: Question, title: str | None = None):
    """Horizontal 100 % bars of a single-choice question, one per (label, shares): `shares`
    holds the percentage of those who answered per option code, 'x' where hidden. The
    segments follow the options of `question` in codebook order; the hidden options of a
    bar are drawn together as one hatched segment (what the shown ones leave of 100 %)."""
    colours = _option_colours(question)
    lines = [_wrap(label, 38).count("\n") + 1 for label, _ in rows]
    height = 0.9 + sum(0.3 + 0.14 * n for n in lines)
    long = max(len(o.label) for o in question.options) > 45
    legend_rows = int(np.ceil(len(question.options) / (1 if long else 2)))
    fig, ax = plt.subplots(figsize=(7.0, height + 0.28 * legend_rows + (0.3 if title else 0)))
    used_hidden = False
    for y, (label, shares) in enumerate(rows):
        left = 0.0
        for o in question.options:
            share = shares[o.code]
            if share == SUPPRESSED or share <= 0:
                continue
            ax.barh(y, share, left=left, color=colours[o.code], edgecolor="white", linewidth=0.6, height=0.62)
            if share >= 5:
                dark = sum(to_rgb(colours[o.code])) < 1.5
                ax.text(left + share / 2, y, book.pct(share, 0), ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
            left += share
        if (shares == SUPPRESSED).any() and left < 100:
            used_hidden = True
            ax.barh(y, 100 - left, left=left, color="white", edgecolor="#8c8c8c", hatch="////",
                    linewidth=0.6, height=0.62)
    ax.set_yticks(range(len(rows)), [_wrap(label, 38) for label, _ in rows])
    ax.invert_yaxis()
    _percent_axis(ax)
    ax.spines["left"].set_visible(False)
    if title:
        ax.set_title(_wrap(title, 90), loc="left", fontsize=10, fontweight="bold")
    handles = [Patch(facecolor=colours[o.code], label=_wrap(o.label, 60)) for o in question.options]
    if used_hidden:
        handles.append(Patch(facecolor="white", edgecolor="#8c8c8c", hatch="////", label=HIDDEN_LABEL))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12 if len(rows) > 2 else -0.3),
              ncol=1 if long else 2, fontsize=8, handlelength=1.2, alignment="left")
    fig.tight_layout()
    labels = {o.code: o.label for o in question.options}
    data = pd.DataFrame([{"Gruppe": label, **{labels[o.code]: shares[o.code] for o in question.options}}
                         for label, shares in rows])
    alt = book.alt_bars(title or question.full_text,
                        [(label, {labels[o.code]: shares[o.code] for o in question.options})
                         for label, shares in rows])
    return book.attach(fig, data, alt)


def choice_bars(shares: pd.Series, question: Question, title: str | None = None):
    """Multiple choice: the percentage of those asked who chose each option (`shares` by
    option code, 'x' where hidden); the options overlap, so the bars do not add up."""
    rows = [(o.label, shares[o.code]) for o in question.options]
    fig, ax = plt.subplots(figsize=(7.0, 0.8 + 0.34 * len(rows) + (0.3 if title else 0)))
    for y, (label, share) in enumerate(rows):
        if share == SUPPRESSED:
            ax.text(0.5, y, "skjult", va="center", fontsize=8, color="#8c8c8c")
            continue
        ax.barh(y, share, color=book.COLORS["blue"], height=0.6)
        ax.text(share + 0.8, y, book.pct(share, 0), va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [_wrap(label, 45) for label, _ in rows])
    ax.invert_yaxis()
    _percent_axis(ax)
    if title:
        ax.set_title(_wrap(title, 90), loc="left", fontsize=10, fontweight="bold")
    fig.tight_layout()
    data = pd.DataFrame({"Svarmulighed": [label for label, _ in rows],
                         "Andel, der valgte svaret (%)": [share for _, share in rows]})
    return book.attach(fig, data, book.alt_bars(title or question.full_text, [("Andel", dict(rows))]))


def who5_figure(summary: pd.DataFrame, population_mean: float, bands, wave_labels: dict[int, str]):
    """Mean trivselsscore per wave (`summary`: rows mean and n, a column per wave) against
    the risk bands (low, high, text) and the population mean."""
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
    ax.set_ylabel("Trivselsscore (0–100)")
    fig.tight_layout()
    data = pd.DataFrame({"Runde": [wave_labels[w] for w in waves], "Gennemsnitlig trivselsscore": means,
                         "N": [summary.loc["n", w] for w in waves],
                         "Befolkningens gennemsnit": population_mean})
    alt = ("Punktdiagram: gennemsnitlig trivselsscore (WHO-5, 0–100) pr. runde mod risikogrænserne. "
           + "; ".join(f"{wave_labels[w]}: {book.number(m, 1)}" for w, m in zip(waves, means))
           + f". Befolkningens gennemsnit: {book.number(population_mean, 1)}.")
    return book.attach(fig, data, alt)


def empty_figure(text: str = "Ingen data"):
    """A placeholder for a figure whose data is missing (keeps the page's references valid)."""
    fig, ax = plt.subplots(figsize=(7.0, 0.8))
    ax.axis("off")
    ax.text(0, 0.5, text, fontsize=10, color="#555555")
    return book.attach(fig, pd.DataFrame({"Besked": [text]}), text)
