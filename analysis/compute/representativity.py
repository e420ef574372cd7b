"""Who is in the register sample, and does it look like the citizens it is drawn from?

Tabel 3 compares the register sample with all citizens the municipalities registered. The
sample is a subset of the registered, so a formal test compares the sample with the
registered citizens *not* in the sample: per block of Tabel 3 (completion, gender, age
group, visitation category) a 2 x k table, in sample / not in sample by category, tested
for independence.

* `block_tables`: the 2 x k tables, from `cohort.sample_vs_registered`.
* `independence_test`: Pearson's chi-square test; when an expected count is small, the
  p-value comes from Fisher's exact test (2 x 2) or a Monte-Carlo test with the margins
  fixed (2 x k), and the chi-square statistic is still reported.
* `representativity_tests`: one row per block; `verdict` and `headline`: the Danish
  sentences that follow from the p-values; `results_table`: the results as the book shows them.
* `table3`: Tabel 3 for the book after disclosure control.
* `set_aside_table`, `excluded_weeks_table`: the data-quality log after disclosure control.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import MonteCarloMethod, chi2_contingency, fisher_exact

from analysis.register.cohort import AGE_KEYS, VISITATION_KEYS
from analysis.report.book import join
from analysis.disclosure.rules import SUPPRESSED, ZERO, suppress_counts, suppress_nested

ALPHA = 0.05
MIN_EXPECTED = 5          # Cochran: the chi-square approximation needs expected counts >= 5
N_RESAMPLES = 99_999
SEED = 2025

# Blocks of Tabel 3: key -> (Danish title, name in running text, {row of
# sample_vs_registered: Danish label}).
BLOCKS: dict[str, tuple[str, str, dict[str, str]]] = {
    "status": ("Gennemførelse", "gennemførelse",
               {"completed": "Gennemført kursus", "afmeldt": "Afmeldt"}),
    "koen": ("Køn", "køn", {"mand": "Mænd", "kvinde": "Kvinder"}),
    "alder": ("Aldersgrupper", "aldersgruppe",
              {f"alder_{key}": label for label, key in AGE_KEYS.items()}),
    "visitation": ("Visitationskategorier", "visitationskategori",
                   {f"visitation_{key}": label for label, key in VISITATION_KEYS.items()}),
}
METHODS = {
    "chi2": "Chi i anden",
    "fisher": "Fishers eksakte",
    "monte_carlo": "Monte Carlo",
    "none": "Ingen test",
}


# ---------------------------------------------------------------- the tests

def block_tables(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """2 x k tables (rows 'sample', 'other') per block, from `sample_vs_registered`.

    `other` is the registered citizens who are not in the register sample. Raises
    ValueError if the sample is not a subset of the registered (a count would be negative).
    """
    tables = {}
    for key, (_, _, rows) in BLOCKS.items():
        sample = counts.loc[list(rows), "sample"].astype(int)
        other = counts.loc[list(rows), "registered"].astype(int) - sample
        if (other < 0).any():
            raise ValueError(f"block {key!r}: the register sample has more persons than the "
                             "registered citizens in a category; the sample must be a subset")
        tables[key] = pd.DataFrame([sample.to_numpy(), other.to_numpy()], index=["sample", "other"],
                                   columns=list(rows.values()))
    return tables


def independence_test(table, min_expected: float = MIN_EXPECTED, n_resamples: int = N_RESAMPLES,
                      seed: int = SEED) -> dict:
    """Test of independence of rows and columns of a 2 x k (or r x k) count table.

    Returns statistic (Pearson's chi-square, no continuity correction), df, p_value,
    method ('chi2', 'fisher', 'monte_carlo' or 'none') and min_expected. Columns and rows
    without persons are dropped first; with fewer than two of either the test is 'none'.
    """
    observed = np.asarray(table, dtype=float)
    observed = observed[:, observed.sum(axis=0) > 0]
    observed = observed[observed.sum(axis=1) > 0, :]
    if observed.ndim != 2 or min(observed.shape) < 2:
        return {"statistic": np.nan, "df": 0, "p_value": np.nan, "method": "none",
                "min_expected": np.nan}
    result = chi2_contingency(observed, correction=False)
    smallest = float(result.expected_freq.min())
    out = {"statistic": float(result.statistic), "df": int(result.dof), "p_value": float(result.pvalue),
           "method": "chi2", "min_expected": smallest}
    if smallest >= min_expected:
        return out
    if observed.shape == (2, 2):
        out.update(p_value=float(fisher_exact(observed.astype(int)).pvalue), method="fisher")
    else:
        mc = MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        out.update(p_value=float(chi2_contingency(observed.astype(int), correction=False, method=mc).pvalue),
                   method="monte_carlo")
    return out


def merge_for_disclosure(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Merge neighbouring categories (in the block's order) until no cell of either row is
    under `min_cell`, so a published test statistic cannot give a hidden count away."""
    table = table.copy()
    while True:
        small = [c for c in table.columns if ((table[c] > 0) & (table[c] < min_cell)).any()]
        if not small or len(table.columns) < 2:
            return table
        columns = list(table.columns)
        i = columns.index(min(small, key=lambda c: (table[c].sum(), columns.index(c))))
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(columns)]
        j = min(neighbours, key=lambda k: (table[columns[k]].sum(), k))
        lo, hi = sorted((i, j))
        merged = table[columns[lo]] + table[columns[hi]]
        table = table.drop(columns=[columns[lo], columns[hi]])
        table.insert(lo, f"{columns[lo]} + {columns[hi]}", merged)


def representativity_tests(counts: pd.DataFrame, min_cell: int = 1, **options) -> pd.DataFrame:
    """One row per block of Tabel 3: block, title, n_sample, n_other, statistic, df,
    p_value, method, min_expected, merged (categories merged first by the disclosure rule).
    `counts` is `cohort.sample_vs_registered(...)`."""
    rows = []
    for key, table in block_tables(counts).items():
        merged = merge_for_disclosure(table, min_cell)
        rows.append({"block": key, "title": BLOCKS[key][0], "n_sample": int(table.loc["sample"].sum()),
                     "n_other": int(table.loc["other"].sum()),
                     "merged": ", ".join(c for c in merged.columns if " + " in c),
                     **independence_test(merged.to_numpy(), **options)})
    return pd.DataFrame(rows)


def verdict(tests: pd.DataFrame, alpha: float = ALPHA, fmt: Callable[[float], str] | None = None) -> str:
    """The Danish conclusion that follows from the p-values of `representativity_tests`.

    `fmt` formats the significance level as a percentage (default '5 %'; the book passes
    its Danish number format)."""
    fmt = fmt or (lambda v: f"{v:g} %".replace(".", ","))
    level = fmt(100 * alpha)
    tested = tests[tests["method"] != "none"]
    if tested.empty:
        return "Ingen af blokkene kan testes, fordi gruppen uden for stikprøven er for lille."
    names = dict(zip(tested["block"], (BLOCKS[b][1] for b in tested["block"])))
    differ = [names[b] for b, p in zip(tested["block"], tested["p_value"]) if p < alpha]
    alike = [names[b] for b, p in zip(tested["block"], tested["p_value"]) if p >= alpha]
    if not differ:
        return (f"Ingen af blokkene afviger statistisk signifikant på {level}-niveau: stikprøven ligner "
                f"de registrerede kursister uden for stikprøven med hensyn til {join(alike)}.")
    if not alike:
        return (f"Alle blokkene afviger statistisk signifikant på {level}-niveau: stikprøven adskiller "
                f"sig fra de registrerede kursister uden for stikprøven med hensyn til {join(differ)}.")
    return (f"Stikprøven afviger statistisk signifikant på {level}-niveau fra de registrerede kursister "
            f"uden for stikprøven med hensyn til {join(differ)}, men ikke med hensyn til {join(alike)}.")


def headline(tests: pd.DataFrame, alpha: float = ALPHA) -> str:
    """A short lead for the chapter that follows from the p-values."""
    tested = tests[tests["method"] != "none"]
    if tested.empty:
        return "Stikprøven kan ikke testes mod de registrerede kursister uden for stikprøven."
    if (tested["p_value"] >= alpha).all():
        return "Registerstikprøven ligner de registrerede kursister, som den er udtrukket af."
    if (tested["p_value"] < alpha).all():
        return "Registerstikprøven adskiller sig fra de registrerede kursister, som den er udtrukket af."
    return "Registerstikprøven ligner på nogle punkter, men ikke på alle, de registrerede kursister, som den er udtrukket af."


def consequence(tests: pd.DataFrame, alpha: float = ALPHA) -> str:
    """What the verdict means for reading the register results (Danish)."""
    tested = tests[tests["method"] != "none"]
    if tested.empty or (tested["p_value"] >= alpha).all():
        return ("Det taler for, at registerresultaterne også gælder for de registrerede kursister, der "
                "ikke indgår i stikprøven, så langt som disse kendetegn rækker.")
    return ("Registerresultaterne beskriver derfor først og fremmest stikprøven, og de bør kun med "
            "forsigtighed overføres til alle registrerede kursister.")


def largest_differences(counts: pd.DataFrame, min_cell: int, n: int = 2,
                        hidden: pd.DataFrame | None = None) -> pd.DataFrame:
    """The categories whose share differs most (in percentage points) between the sample
    and all registered citizens, at most one per block, leaving out categories with a
    count under `min_cell` in either column (on a tie, the smaller category). Columns block, row, label, sample_pct,
    registered_pct, difference (sample minus registered)."""
    rows = []
    for block, (_, _, labels) in BLOCKS.items():
        best = None
        for row, label in labels.items():
            sample, registered = counts.loc[row, "sample"], counts.loc[row, "registered"]
            if sample < min_cell or registered < min_cell:
                continue
            if hidden is not None and bool(hidden.loc[row].any()):
                continue   # a cell the table hides must not reappear as a share in the text
            s_pct = 100.0 * sample / counts.loc["n", "sample"]
            r_pct = 100.0 * registered / counts.loc["n", "registered"]
            gap = abs(s_pct - r_pct)
            # on a tie (a block of two) the smaller category is the more telling one
            if best is None or gap > abs(best["difference"]) + 1e-9 or (
                    abs(gap - abs(best["difference"])) <= 1e-9 and r_pct < best["registered_pct"]):
                best = {"block": block, "row": row, "label": label, "sample_pct": s_pct,
                        "registered_pct": r_pct, "difference": s_pct - r_pct}
        if best is not None:
            rows.append(best)
    out = pd.DataFrame(rows, columns=["block", "row", "label", "sample_pct", "registered_pct", "difference"])
    order = out["difference"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].head(n).reset_index(drop=True)


# ---------------------------------------------------------------- tables for the book

def _disclosed(values: pd.DataFrame, min_cell: int, fmt: Callable, totals_shown: bool = True):
    disclosed = suppress_counts(values, min_cell, totals_shown=totals_shown)
    return disclosed.render(fmt), disclosed.suppressed


def table3(counts: pd.DataFrame, min_cell: int, fmt_count: Callable, fmt_pct: Callable) -> pd.DataFrame:
    """Tabel 3 (counts and percentages of the sample and of all registered) after
    disclosure control per block (`suppress_nested`: also no cell from which the few
    registered outside the sample can be worked out); a hidden count's percentage is hidden too."""
    columns = {"sample": "Stikprøve", "registered": "Registrerede"}
    header = ["", *(f"{title}, {what}" for title in columns.values() for what in ("antal", "pct."))]
    rows = [["N (personer)", *(v for col in columns for v in (fmt_count(counts.loc["n", col]), fmt_pct(100.0)))]]
    for title, _, labels in BLOCKS.values():
        block = counts.loc[list(labels), list(columns)].astype(int)
        disclosed = suppress_nested(block, "sample", "registered", min_cell)
        shown, hidden = disclosed.render(fmt_count), disclosed.suppressed
        rows.append([f"**{title}**", *(["&nbsp;"] * 4)])   # &nbsp;: an empty LaTeX cell adds a blank line
        for key, label in labels.items():
            cells = []
            for col in columns:
                share = 100.0 * block.loc[key, col] / counts.loc["n", col]
                cells += [shown.loc[key, col],
                          SUPPRESSED if hidden.loc[key, col] else ZERO if block.loc[key, col] == 0
                          else fmt_pct(share)]
            rows.append([label, *cells])
    return pd.DataFrame(rows, columns=header)


def results_table(tests: pd.DataFrame, fmt_number: Callable, alpha: float = ALPHA) -> pd.DataFrame:
    """The test results as the book shows them (Danish labels and number formats);
    'Signifikant' is Ja when p < alpha."""
    def p_text(p):
        if np.isnan(p):
            return "–"
        return f"<\u00a0{fmt_number(0.001, 3)}" if p < 0.001 else fmt_number(p, 3)

    return pd.DataFrame({
        "Blok": tests["title"],
        "Chi i anden": [("–" if np.isnan(s) else fmt_number(s, 2)) for s in tests["statistic"]],
        "Frihedsgr.": [str(int(d)) for d in tests["df"]],
        "p-værdi": [p_text(p) for p in tests["p_value"]],
        "Metode": [METHODS[m] for m in tests["method"]],
        "Signifikant": [
            "–" if np.isnan(p) else "Ja" if p < alpha else "Nej" for p in tests["p_value"]],
        "Sammenlagt": [m if m else "–" for m in tests.get("merged", [""] * len(tests))],
    })


BLANK_LABEL = "(blank)"
BLANK_TEXT = "Blank uge uden lønbeskæftigelse"


def set_aside_table(quality: pd.DataFrame, min_cell: int, fmt: Callable) -> pd.DataFrame:
    """The data-quality log (`Extract.quality`) after disclosure control: reason,
    description and persons (formatted, 'x' when hidden).

    The reasons for setting a citizen aside and the register sample add up to the
    enrolled total, which is shown, so a single hidden reason gets a second hidden cell.
    DREAM rows without an enrolment are counted apart (they are not enrolled)."""
    q = quality.set_index("reason")
    additive = [r for r in q.index if r not in ("enrolled", "dream_row_not_enrolled")]
    part, _ = _disclosed(q.loc[additive, ["persons"]], min_cell, fmt)
    shown = part["persons"].copy()
    if "dream_row_not_enrolled" in q.index:
        apart, _ = _disclosed(q.loc[["dream_row_not_enrolled"], ["persons"]], min_cell, fmt, totals_shown=False)
        shown = pd.concat([shown, apart["persons"]])
    shown["enrolled"] = fmt(q.loc["enrolled", "persons"])
    out = q[["description"]].copy()
    out["persons"] = shown.reindex(out.index)
    return out.reset_index()


def excluded_weeks_table(excluded: pd.DataFrame, min_cell: int, fmt: Callable) -> pd.DataFrame:
    """Excluded person-weeks by DREAM code (`register.excluded_weeks`) after disclosure
    control: a row resting on fewer than `min_cell` persons shows 'x' for both persons
    and person-weeks (a second row is hidden too when the shown total would reveal it)."""
    if excluded.empty:
        return pd.DataFrame(columns=["code", "text", "persons", "person_weeks"])
    frame = excluded.reset_index(drop=True)
    persons, hidden = _disclosed(frame[["persons"]], min_cell, fmt)
    weeks = [SUPPRESSED if h else fmt(w) for w, h in zip(frame["person_weeks"], hidden["persons"])]
    return pd.DataFrame({
        "code": [c if c else BLANK_LABEL for c in frame["code"]],
        "text": [t if c else BLANK_TEXT for c, t in zip(frame["code"], frame["text"])],
        "persons": persons["persons"].to_numpy(),
        "person_weeks": weeks,
    })


def hidden_cells(counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Which cells of Tabel 3 (rows of every block; sample, registered) the table hides."""
    parts = [suppress_nested(counts.loc[list(labels)], "sample", "registered", min_cell).suppressed
             for _, _, labels in BLOCKS.values()]
    return pd.concat(parts)


def publish(md, w) -> None:
    """Not written yet: the chapter still computes for itself."""
