"""The pilot evaluation's own pages (edition pilot-2023, seed 001): its tables of persons
and the mean answers of the progression questions per wave, as printed, from the bundle
(analysis.compute.pilot2023.publish)."""
from __future__ import annotations

import pandas as pd

from analysis.disclosure.rules import SUPPRESSED, ZERO
from analysis.reference.codebook import WAVES
from analysis.report import book
from analysis.rounding import half_up

HIDDEN = "x"


def _cell(value, format_) -> str:
    if value == SUPPRESSED:
        return HIDDEN
    if value is None or value == ZERO or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return format_(value)


def count_table(ctx, name: str, first: str) -> pd.DataFrame:
    """The bundle table `name` (rows x 'Antal', 'Procent') as printed: counts, whole per
    cent, 'x' where hidden; the row labels in a first column headed `first`."""
    table = ctx.table(name)
    out = pd.DataFrame({first: list(table.index)})
    out["Antal"] = [_cell(v, book.count) for v in table["Antal"]]
    out["Procent"] = [_cell(v, lambda x: book.pct(x, 0)) for v in table["Procent"]]
    return out


def hidden_note(ctx, name: str) -> list[str]:
    """A note for a table with hidden cells (what 'x' means), else none."""
    table = ctx.table(name)
    if (table == SUPPRESSED).any().any():
        return [f"x: skjult, fordi tallet bygger på færre end {book.count(ctx.value('min_cell'))} personer "
                "eller kunne afsløre et sådant tal."]
    return []


def means_frame(ctx) -> pd.DataFrame:
    """The mean answer (1-5, 5 best) of each progression question per wave as printed (one
    decimal, 'x' where the wave's answers are too few)."""
    table = ctx.table("pilot.progression_means")
    out = pd.DataFrame({"Spørgsmål": list(table.index)})
    for column in table.columns:
        out[WAVES[int(column[1:])]] = [_cell(v, lambda x: book.number(x, 1)) for v in table[column]]
    return out


def means_notes(ctx) -> list[str]:
    """The notes under `means_frame`: the source and, when a mean is hidden, why (a mean is
    hidden with its wave's answer table when that has a hidden cell: with few answers the
    mean would give the hidden counts away, analysis.compute.pilot2023.answers_hidden)."""
    notes = ["Kilde: Kursistspørgeskema."]
    if (ctx.table("pilot.progression_means") == SUPPRESSED).any().any():
        few = book.count(ctx.min_cell - 1)
        notes.append(f"{HIDDEN}: skjult, fordi svarfordelingen i runden har et felt med 1"
                     f"{'–' + few if ctx.min_cell > 2 else ''} personer, som et gennemsnit af så få svar "
                     "kan afsløre; reglen skjuler gennemsnittet i alle sådanne runder.")
    return notes


def means_figure(ctx, questions: list[str]):
    """Lines of the mean answer per wave for the question texts `questions` (rows of
    `pilot.progression_means`); a hidden wave is left out of its line."""
    import matplotlib.pyplot as plt
    table = ctx.table("pilot.progression_means")
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    data = []
    for colour, text in zip(book.SERIES, questions):
        points = [(WAVES[int(c[1:])], float(v)) for c, v in table.loc[text].items() if v != SUPPRESSED]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colour, label=text)
        data += [{"spørgsmål": text, "runde": w, "gennemsnit": half_up(v, 1)} for w, v in points]
    ax.set_ylim(1, 5)
    ax.set_ylabel("Gennemsnit (1–5)")
    book.decimal_comma_axis(ax, 0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False, fontsize=8)
    frame = pd.DataFrame(data)
    alt = "Gennemsnitligt svar (1–5) før, lige efter og tre måneder efter kurset: " + "; ".join(
        f"{r['spørgsmål']}, {r['runde']}: {book.number(r['gennemsnit'], 1)}" for r in data)
    return book.attach(fig, frame, alt)


# the progression questions the pilot edition's result page charts by wave (seed 001's
# 'Gennemsnitlig udvikling' charts; 'muligheder' is asked but not charted)
PROGRESSION_CHARTS = ("kompetencer", "job_klare", "retning", "ved_hvad")


def withheld(ctx, questions: list[str], wave: int) -> int:
    """How many answer shares of `questions` in `wave` the bundle hides (the disclosure
    rule's decision: a share resting on fewer than the minimum of persons, or that would
    reveal one, is 'x')."""
    from analysis.report.surveys import answers
    total = 0
    for qid in questions:
        a = answers(ctx, qid)
        if a is not None and wave in a.waves:
            total += int((a.shares[wave] == SUPPRESSED).sum())
    return total


def withheld_means(ctx, wave: int) -> int:
    """How many of the progression questions' mean answers in `wave` the bundle hides (a
    mean is hidden with its wave's hidden answer cells, analysis.compute.pilot2023)."""
    table = ctx.table("pilot.progression_means")
    column = f"w{wave}"
    return int((table[column] == SUPPRESSED).sum()) if column in table.columns else 0


def mentions_text(ctx, key: str, shown: str, hidden: str) -> str:
    """`shown` with '{n}' replaced by the total of mentions `key` (a count), or `hidden` with
    '{min_cell}' replaced when the bundle hides that total (it would give a hidden answer
    option away, analysis.compute.pilot2023.answers_hidden)."""
    value = ctx.value(key)
    if value == SUPPRESSED:
        return hidden.format(min_cell=book.count(ctx.value("min_cell")))
    return shown.format(n=book.count(value))
