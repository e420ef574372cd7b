"""The Repræsentativitet page: its words and tables, from what the compute stage published
(analysis.compute.representativity): Tabel 3 (`representativity.tabel3`: counts and
shares of the register sample and of all registered citizens, hidden cells 'x') and the
tests (`representativity.tests`: statistic, df, p-value at three decimals, method and the
categories merged before the test, one row per block).

* `BLOCKS`: the blocks of Tabel 3: title, name in running text, row labels.
* `verdict`, `headline`, `consequence`: the Danish sentences that follow from the
  published p-values (compared with the significance level as printed).
* `largest_differences`: the categories whose shares differ most, from the published counts.
* `table3_frame`, `results_table`: the two tables as the page shows them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.disclosure.rules import SUPPRESSED, ZERO
from analysis.report.book import join, pct
from analysis.report.content import NBSP, TABEL5_BLOCKS

# Blocks of Tabel 3: key -> (Danish title, name in running text, {row: label}); the rows
# are those of analysis.compute.representativity.BLOCK_ROWS, in the same order.
BLOCKS: dict[str, tuple[str, str, dict[str, str]]] = {
    "status": ("Gennemførelse", "gennemførelse", {"completed": "Gennemført kursus", "afmeldt": "Afmeldt"}),
    "koen": ("Køn", "køn", TABEL5_BLOCKS["Køn"]),
    "alder": ("Aldersgrupper", "aldersgruppe", TABEL5_BLOCKS["Aldersgruppe"]),
    "visitation": ("Visitationskategorier", "visitationskategori",
                   {"visitation_kontant": "Akt. kontanthjælp", "visitation_udd": "Akt. udd.hjælp",
                    "visitation_ressource": "Ressourceforløb", "visitation_andet": "Andet"}),
}
LABELS = {row: label for _, _, labels in BLOCKS.values() for row, label in labels.items()}
# how the categories are named in running text
IN_TEXT = {
    "completed": "kursister, der gennemførte", "afmeldt": "afmeldte", "mand": "mænd", "kvinde": "kvinder",
    "alder_under25": "kursister under 25 år", "alder_25_35": "de 25-35-årige", "alder_36_45": "de 36-45-årige",
    "alder_46_55": "de 46-55-årige", "alder_over55": "kursister over 55 år",
    "visitation_kontant": "aktivitetsparate kontanthjælpsmodtagere",
    "visitation_udd": "aktivitetsparate uddannelseshjælpsmodtagere",
    "visitation_ressource": "borgere i ressourceforløb", "visitation_andet": "kursister i kategorien Andet",
}
METHODS = {"chi2": "Chi i anden", "fisher": "Fishers eksakte", "monte_carlo": "Monte Carlo", "none": "Ingen test"}
MERGE_JOINER = " + "   # how the tests' `merged` joins the rows of a merged category (as compute names them)


def _tested(tests: pd.DataFrame) -> pd.DataFrame:
    return tests[tests["method"] != "none"]


def _significant(tests: pd.DataFrame) -> pd.Series:
    """The published decision of each test (column `significant`, made at compute time on
    the exact p-value: 'ja' or 'nej')."""
    return tests["significant"].eq("ja")


# ---------------------------------------------------------------- words

def verdict(tests: pd.DataFrame, alpha: float, fmt: Callable[[float], str] | None = None) -> str:
    """The Danish conclusion that follows from the published tests (index: block;
    columns method, significant). `alpha`, the significance level the decisions were made
    at (a proportion), is only named; `fmt` formats it as a percentage (default '5 %')."""
    fmt = fmt or (lambda v: pct(v, 1 if v != int(v) else 0))
    level = fmt(100 * alpha)
    tested = _tested(tests)
    if tested.empty:
        return "Ingen af blokkene kan testes, fordi gruppen uden for stikprøven er for lille."
    significant = _significant(tested)
    differ = [BLOCKS[b][1] for b in tested.index[significant]]
    alike = [BLOCKS[b][1] for b in tested.index[~significant]]
    if not differ:
        return (f"Ingen af blokkene afviger statistisk signifikant på {level}-niveau: stikprøven ligner "
                f"de registrerede kursister uden for stikprøven med hensyn til {join(alike)}.")
    if not alike:
        return (f"Alle blokkene afviger statistisk signifikant på {level}-niveau: stikprøven adskiller "
                f"sig fra de registrerede kursister uden for stikprøven med hensyn til {join(differ)}.")
    return (f"Stikprøven afviger statistisk signifikant på {level}-niveau fra de registrerede kursister "
            f"uden for stikprøven med hensyn til {join(differ)}, men ikke med hensyn til {join(alike)}.")


def headline(tests: pd.DataFrame) -> str:
    """A short lead for the chapter that follows from the published tests' decisions."""
    tested = _tested(tests)
    if tested.empty:
        return "Stikprøven kan ikke testes mod de registrerede kursister uden for stikprøven."
    significant = list(_significant(tested))
    if not any(significant):
        return "Registerstikprøven ligner de registrerede kursister, som den er udtrukket af."
    if all(significant):
        return "Registerstikprøven adskiller sig fra de registrerede kursister, som den er udtrukket af."
    return "Registerstikprøven ligner på nogle punkter, men ikke på alle, de registrerede kursister, som den er udtrukket af."


def consequence(tests: pd.DataFrame) -> str:
    """What the verdict means for reading the register results (Danish)."""
    tested = _tested(tests)
    if tested.empty or not _significant(tested).any():
        return ("Det taler for, at registerresultaterne også gælder for de registrerede kursister, der "
                "ikke indgår i stikprøven, så langt som disse kendetegn rækker.")
    return ("Registerresultaterne beskriver derfor først og fremmest stikprøven, og de bør kun med "
            "forsigtighed overføres til alle registrerede kursister.")


def largest_differences(tabel3: pd.DataFrame, min_cell: int, n: int = 2) -> pd.DataFrame:
    """The categories whose share differs most (in percentage points) between the sample
    and all registered citizens, at most one per block, from the published Tabel 3 (index:
    'n' and the rows of BLOCKS; columns sample and registered as published: counts, 'x'
    when hidden, '–' for none). The shares are worked out from the counts. A category
    with a hidden count or a count under `min_cell` in either column is left out; on a
    tie the smaller category wins. Columns block, row, sample_pct, registered_pct,
    difference (sample minus registered), largest first."""
    n_sample, n_registered = (int(tabel3.loc["n", c]) for c in ("sample", "registered"))
    rows = []
    for block, (_, _, labels) in BLOCKS.items():
        best = None
        for row in labels:
            sample, registered = tabel3.loc[row, "sample"], tabel3.loc[row, "registered"]
            if any(v in (SUPPRESSED, ZERO) or int(v) < min_cell for v in (sample, registered)):
                continue   # a cell the table hides must not reappear as a share in the text
            s_pct, r_pct = 100.0 * int(sample) / n_sample, 100.0 * int(registered) / n_registered
            gap = abs(s_pct - r_pct)
            # on a tie (a block of two) the smaller category is the more telling one
            if best is None or gap > abs(best["difference"]) + 1e-9 or (
                    abs(gap - abs(best["difference"])) <= 1e-9 and r_pct < best["registered_pct"]):
                best = {"block": block, "row": row, "sample_pct": s_pct, "registered_pct": r_pct,
                        "difference": s_pct - r_pct}
        if best is not None:
            rows.append(best)
    out = pd.DataFrame(rows, columns=["block", "row", "sample_pct", "registered_pct", "difference"])
    order = out["difference"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].head(n).reset_index(drop=True)


# ---------------------------------------------------------------- tables

def table3_frame(tabel3: pd.DataFrame, fmt_count: Callable, fmt_pct: Callable) -> pd.DataFrame:
    """Tabel 3 as the page shows it: the N row, then each block under its title, counts
    and shares of the sample and of all registered ('x' hidden, '–' none)."""
    columns = {"sample": "Stikprøve", "registered": "Registrerede"}
    header = ["", *(f"{title}, {what}" for title in columns.values() for what in ("antal", "pct."))]

    def cells(row):
        out = []
        for column in columns:
            count, share = tabel3.loc[row, column], tabel3.loc[row, f"{column}_pct"]
            out += [count if count in (SUPPRESSED, ZERO) else fmt_count(count),
                    share if share == SUPPRESSED else ZERO if count == ZERO else fmt_pct(share)]
        return out

    rows = [["N (personer)", *cells("n")]]
    for title, _, labels in BLOCKS.values():
        rows.append([f"**{title}**", *([NBSP] * 4)])
        rows += [[label, *cells(row)] for row, label in labels.items()]
    return pd.DataFrame(rows, columns=header)


def merged_labels(merged: str) -> str:
    """'alder_46_55 + alder_over55' -> '46-55 år + Over 55 år' (several merges comma-separated);
    '' -> '–'."""
    if not merged:
        return "–"
    return ", ".join(MERGE_JOINER.join(LABELS[row] for row in part.split(MERGE_JOINER))
                     for part in merged.split(", "))


def results_table(tests: pd.DataFrame, fmt_number: Callable) -> pd.DataFrame:
    """The published tests as the page shows them (Danish labels and number formats): a
    p-value that is 0 at three decimals is shown '< 0,001'; 'Signifikant' is the
    published decision."""
    def missing(v):
        return v is None or (isinstance(v, float) and np.isnan(v))

    def p_text(p):
        if missing(p):
            return "–"
        return f"<\u00a0{fmt_number(0.001, 3)}" if p < 0.001 else fmt_number(p, 3)

    return pd.DataFrame({
        "Blok": [BLOCKS[b][0] for b in tests.index],
        "Chi i anden": ["–" if missing(s) else fmt_number(s, 2) for s in tests["statistic"]],
        "Frihedsgr.": [str(int(d)) for d in tests["df"]],
        "p-værdi": [p_text(p) for p in tests["p_value"]],
        "Metode": [METHODS[m] for m in tests["method"]],
        "Signifikant": [{"ja": "Ja", "nej": "Nej"}.get(s, "–") for s in tests["significant"]],
        "Sammenlagt": [merged_labels(m) for m in tests["merged"]],
    })


# ---------------------------------------------------------------- the nested populations

def nested_sets_figure(sets: list[tuple[str, str]], aside: tuple[str, str] | None = None, width: float = 7.0):
    """The populations of the evaluation as nested boxes, the widest first: `sets` are
    (label, count as printed) from the target group (count '' when not counted) down to the
    register sample; `aside` (label, text) is a group inside the second box but beside the
    others (the survey respondents). Seed 004 p. 21, Figure F5. Returns the figure with its
    data and alt text attached."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from analysis.report import book
    shades = ["#f2f2f2", "#dcebf5", "#b3d4ea", book.COLORS["blue"]]
    height = 3.3
    fig, ax = book.diagram_canvas(width, height)
    inner_right = width - 0.1 - (2.3 if aside else 0)
    for i, (label, count) in enumerate(sets):
        pad = 0.28 * i
        x0, y0 = 0.1 + pad, 0.1 + 0.12 * i
        right = (width - 0.1 - pad) if i < 2 else inner_right - pad + 0.56
        top = height - 0.1 - 0.34 * i
        ax.add_patch(FancyBboxPatch((x0, y0), right - x0, top - y0, boxstyle="round,pad=0,rounding_size=0.12",
                                    facecolor=shades[min(i, len(shades) - 1)], edgecolor="#7f9fbf", linewidth=0.8))
        dark = i == len(shades) - 1
        ax.text(x0 + 0.12, top - 0.1, label + (f": {count}" if count else ""), ha="left", va="top", fontsize=9,
                fontweight="bold", color="white" if dark else "black")
    if aside:
        label, text = aside
        x0 = inner_right + 0.25
        ax.add_patch(FancyBboxPatch((x0, 0.5), width - 0.45 - x0, 1.7, boxstyle="round,pad=0,rounding_size=0.1",
                                    facecolor="white", edgecolor=book.COLORS["orange"], linewidth=1.2))
        ax.text(x0 + 0.1, 2.1, label, ha="left", va="top", fontsize=8.5, fontweight="bold")
        ax.text(x0 + 0.1, 1.75, text, ha="left", va="top", fontsize=8, linespacing=1.4)
    plt.close(fig)
    rows = [{"Gruppe": label, "Antal": count} for label, count in sets]
    if aside:
        rows.append({"Gruppe": aside[0], "Antal": aside[1].replace("\n", "; ")})
    alt = ("Diagram over evalueringens populationer som kasser inden i hinanden: "
           + ", som rummer ".join(f"{label}{f' ({count})' if count else ''}" for label, count in sets)
           + (f". Ved siden af: {aside[0]} ({aside[1].replace(chr(10), '; ')})." if aside else "."))
    return book.attach(fig, pd.DataFrame(rows), alt)
