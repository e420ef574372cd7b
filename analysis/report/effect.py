"""Figures and words of the chapter "Effekt sammenlignet med en kontrolgruppe"
(chapters/effekt.md), from the bundle (analysis.compute.effect publishes them)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.report import book

DESIGNS = {"not_yet_treated": "senere startende hold som kontrolgruppe",
           "matched_full": "matchet kontrolgruppe, hele historikken",
           "matched_old": "matchet kontrolgruppe, kun ældre historik"}


def event_study_figure(series: dict[str, pd.DataFrame], course_weeks: int, anticipation: int):
    """The weekly effects of one or more designs (`series`: label -> the bundle's figure
    `effect.event_study.<design>`, series estimate, ci_low, ci_high by event week x), each
    with its 95 % band; the course weeks shaded, the anticipation window hatched, zero
    marked. Returns the figure with its data and alt text attached."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.axvspan(0.5, course_weeks + 0.5, color=book.COLORS["lightblue"], zorder=0)
    ax.axvspan(-anticipation + 0.5, 0.5, facecolor="none", edgecolor=book.COLORS["grey"], hatch="//",
               linewidth=0, zorder=0)
    frames, alt_rows = [], []
    for (label, profile), colour in zip(series.items(), book.SERIES):
        wide = profile.pivot(index="x", columns="series", values="y").reset_index()
        ax.fill_between(wide["x"], wide["ci_low"], wide["ci_high"], color=colour, alpha=0.18, linewidth=0)
        ax.plot(wide["x"], wide["estimate"], color=colour, linewidth=1.6, label=label[0].upper() + label[1:])
        frames.append(wide.assign(design=label))
        alt_rows.append(profile[profile["series"] == "estimate"].assign(series=label))
    ax.axhline(0, color=book.COLORS["grey"], linewidth=0.8)
    ax.set_xlabel("Antal uger ift. kursusstart")
    ax.set_ylabel("Effekt på scoren (point)")
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8, loc="upper left")
    book.decimal_comma_axis(ax)
    fig.tight_layout()
    plt.close(fig)
    data = pd.concat(frames, ignore_index=True)[["design", "x", "estimate", "ci_low", "ci_high"]].rename(
        columns={"design": "Kontrolgruppe", "x": "Uge ift. kursusstart", "estimate": "Effekt (point)",
                 "ci_low": "95 %-interval, nedre", "ci_high": "95 %-interval, øvre"})
    return book.attach(fig, data, book.alt_series("forskellen i beskæftigelsesscore mellem kursister og "
                                                  "kontrolgruppe uge for uge", pd.concat(alt_rows)))


def survival_figure(curves: pd.DataFrame, title: str):
    """Kaplan-Meier curves (the bundle's figure `effect.km.<outcome>.<history>`: series
    participants and controls, x the week since start, y the per cent with the event) as
    step lines. Returns the figure with its data and alt text attached."""
    names = {"participants": "Kursister", "controls": "Matchet kontrolgruppe"}
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for (series, label), colour in zip(names.items(), (book.COLORS["black"], book.COLORS["blue"])):
        part = curves[curves["series"] == series]
        ax.step(part["x"], part["y"], where="post", color=colour, linewidth=1.6, label=label)
    ax.set_xlabel("Antal uger efter kursusstart")
    ax.set_ylabel("Andel (%)")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    book.decimal_comma_axis(ax, 0)
    fig.tight_layout()
    plt.close(fig)
    data = curves.pivot(index="x", columns="series", values="y")[list(names)].reset_index().rename(
        columns={"x": "Uger efter kursusstart", **{k: f"{v}, procent" for k, v in names.items()}})
    alt = curves.assign(series=curves["series"].map(names))
    return book.attach(fig, data, book.alt_series(title, alt, decimals=1))


def balance_table(balance: pd.DataFrame) -> pd.DataFrame:
    """The bundle's table `effect.balance.<history>` as the page shows it."""
    out = pd.DataFrame({
        "Uger": [i.replace("mean score, weeks ", "").replace(" to ", " til ") for i in balance.index],
        "Kursister": [book.number(v) for v in balance["treated_mean"]],
        "Puljen": [book.number(v) for v in balance["pool_mean"]],
        "Kontrol": [book.number(v) for v in balance["matched_mean"]],
        "Forskel før": [book.number(v) for v in balance["smd_before"]],
        "Forskel efter": [book.number(v) for v in balance["smd_after"]]})
    return out


# words that follow the tests (analysis.report.book: "Words follow tests"), for the findings
# 'rise', 'fall', 'none' and 'untested' the compute stage decided on the exact p
PRETREND = {"rise": "er forskellen før kurset signifikant forskellig fra nul",
            "fall": "er forskellen før kurset signifikant forskellig fra nul",
            "none": "er forskellen før kurset ikke signifikant forskellig fra nul",
            "untested": "kan forskellen før kurset ikke testes"}
HAZARD = {"rise": "kursisterne får signifikant hurtigere {what} end kontrolgruppen",
          "fall": "kursisterne får signifikant langsommere {what} end kontrolgruppen",
          "none": "forskellen i tiden til {what} er ikke signifikant",
          "untested": "forskellen i tiden til {what} kan ikke testes"}


def pretrend_text(finding: str) -> str:
    """The pre-trend test's finding as an inverted main clause (after an adverbial):
    'er forskellen før kurset ikke signifikant forskellig fra nul'."""
    return PRETREND[finding or "untested"]


def hazard_text(finding: str, what: str) -> str:
    """The Cox model's finding (on the log hazard ratio) as a clause about `what`."""
    return HAZARD[finding or "untested"].format(what=what)


def bracket_text(findings: list[str]) -> str:
    """One sentence on whether the designs agree, from the findings of their pooled effects."""
    if len(findings) == 1:
        return "Skønnet bygger kun på én kontrolgruppe"
    if len(set(findings)) == 1:
        return {"rise": "Det gælder med alle kontrolgrupperne",
                "fall": "Det gælder med alle kontrolgrupperne",
                "none": "Ingen af kontrolgrupperne giver en signifikant forskel"}.get(
                    findings[0], "Forskellen kan ikke testes")
    return "Resultatet afhænger af, hvilken kontrolgruppe der bruges"


def sentence(text: str) -> str:
    """`text` with its first letter in upper case (a glued clause that opens a sentence)."""
    return text[:1].upper() + text[1:]


# designs matched on the weeks of the pre-trend test and the anticipation window (matching
# history -52..-1, analysis.effect.matching.HISTORIES): their pre-trend test and anticipation
# term are near zero by construction and are no evidence (issue 13 review, item 5a)
MATCHED_ON_PRE_PERIOD = ("matched_full",)


def pretrend_is_evidence(design: str) -> bool:
    """Whether the design's pre-trend test can fail: not for a design matched on the
    pre-period and the anticipation weeks (MATCHED_ON_PRE_PERIOD)."""
    return design not in MATCHED_ON_PRE_PERIOD


def lead_caveat(finding: str) -> str:
    """A caveat for the lead's effect, from the pre-trend test of the lead's design: empty
    when the test does not reject; otherwise a sentence (without final stop) saying the
    comparison already differed before the course."""
    if finding in ("rise", "fall"):
        return (" Testen før kurset viser dog en signifikant forskel mellem kursister og kontrolgruppe allerede "
                "før kurset, så skønnet skal læses med forbehold.")
    return ""
