"""Repræsentativitet: who is in the register sample, and does it look like the citizens it
is drawn from?

Tabel 3 compares the register sample with all citizens the municipalities registered. The
sample is a subset of the registered, so a formal test compares the sample with the
registered citizens *not* in the sample: per block of Tabel 3 (completion, gender, age
group, visitation category) a 2 x k table, in sample / not in sample by category, tested
for independence.

* `block_tables`: the 2 x k tables, from `cohort.sample_vs_registered`.
* `independence_test`: Pearson's chi-square test; when an expected count is small, the
  p-value comes from Fisher's exact test (2 x 2) or a Monte-Carlo test with the margins
  fixed (2 x k), and the chi-square statistic is still reported.
* `merge_for_disclosure`, `representativity_tests`: one test per block, small categories
  merged first so that a published statistic cannot give a hidden count away.
* `hidden_cells`: the cells of Tabel 3 the disclosure rules hide.
* `publish`: Tabel 3 (`representativity.tabel3`, and its cells as `tabel3.<column>.<row>.count|pct`),
  the tests (`representativity.tests`, and `rep.test.<block>.*`) and the numbers and method
  settings the page quotes.

The words that follow from the tests and the tables as the page shows them are in
analysis.report.representativity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import MonteCarloMethod, chi2_contingency, fisher_exact

from analysis.bundle.store import BundleWriter, printed_p
from analysis.compute.results import TABEL3_BLOCKS
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.compute.definitions import define
from analysis.compute import universes as u
from analysis.disclosure.rules import SUPPRESSED, suppress_nested
from analysis.register.cohort import sample_vs_registered
from analysis.rounding import half_up

ALPHA = 0.05              # a p-value under it is a statistically significant difference
MIN_EXPECTED = 5          # Cochran: the chi-square approximation needs expected counts >= 5
N_RESAMPLES = 99_999
SEED = 2025

# the blocks of Tabel 3 and their rows (rows of cohort.sample_vs_registered), in order
BLOCK_ROWS: dict[str, list[str]] = dict(zip(("status", "koen", "alder", "visitation"), TABEL3_BLOCKS))
MERGE_JOINER = " + "


# ---------------------------------------------------------------- the tests

def block_tables(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """2 x k tables (rows 'sample', 'other'; columns the block's rows) per block, from
    `sample_vs_registered`.

    `other` is the registered citizens who are not in the register sample. Raises
    ValueError if the sample is not a subset of the registered (a count would be negative).
    """
    tables = {}
    for key, rows in BLOCK_ROWS.items():
        sample = counts.loc[rows, "sample"].astype(int)
        other = counts.loc[rows, "registered"].astype(int) - sample
        if (other < 0).any():
            raise ValueError(f"block {key!r}: the register sample has more persons than the "
                             "registered citizens in a category; the sample must be a subset")
        tables[key] = pd.DataFrame([sample.to_numpy(), other.to_numpy()], index=["sample", "other"],
                                   columns=rows)
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
    under `min_cell`, so a published test statistic cannot give a hidden count away. A
    merged column is named by its categories joined with MERGE_JOINER."""
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
        table.insert(lo, f"{columns[lo]}{MERGE_JOINER}{columns[hi]}", merged)


def merge_hidden(table: pd.DataFrame, hidden: pd.DataFrame | None) -> pd.DataFrame:
    """Merge the categories whose count Tabel 3 hides (in either column; `hidden`: rows the
    categories, columns sample and registered) into one, named by its categories joined
    with MERGE_JOINER. Secondary suppression hides cells in pairs, so the merged category's
    counts follow from the block's total and the shown cells: a statistic computed on it
    says nothing about how the hidden persons split."""
    if hidden is None:
        return table
    rows = [c for c in table.columns if bool(hidden.loc[c].any())]
    if len(rows) < 2:
        return table
    position = list(table.columns).index(rows[0])
    merged = table[rows].sum(axis=1)
    table = table.drop(columns=rows)
    table.insert(position, MERGE_JOINER.join(rows), merged)
    return table


def block_test(table: pd.DataFrame, min_cell: int, hidden: pd.DataFrame | None = None, **options) -> dict:
    """The test of one block (a 2 x k table of `block_tables`) on the categories Tabel 3
    shows: hidden categories merged (`merge_hidden`), then small ones (`merge_for_disclosure`)."""
    merged = merge_for_disclosure(merge_hidden(table, hidden), min_cell)
    return {"n_sample": int(table.loc["sample"].sum()), "n_other": int(table.loc["other"].sum()),
            "merged": ", ".join(c for c in merged.columns if MERGE_JOINER in c),
            **independence_test(merged.to_numpy(), **options)}


def representativity_tests(counts: pd.DataFrame, min_cell: int = 1, hidden: pd.DataFrame | None = None,
                           **options) -> pd.DataFrame:
    """One row per block of Tabel 3: block, n_sample, n_other, merged (the merged
    categories, e.g. 'alder_46_55 + alder_over55', comma-separated; '' if none),
    statistic, df, p_value, method, min_expected. `counts` is
    `cohort.sample_vs_registered(...)`; `hidden`: Tabel 3's hidden cells (`hidden_cells`),
    whose categories the test merges; `options` go to `independence_test`."""
    return pd.DataFrame([{"block": key, **block_test(table, min_cell, hidden, **options)}
                         for key, table in block_tables(counts).items()])


def statistic_function(block: str, rows: list[str], min_cell: int, hidden: pd.DataFrame):
    """The block's chi-square as a function of its counts (sample counts, then registered,
    in the order of `rows`), for the audit of the published statistic."""
    def statistic(values) -> float:
        k = len(rows)
        counts = pd.DataFrame({"sample": list(values[:k]), "registered": list(values[k:])}, index=rows)
        if (counts["registered"] < counts["sample"]).any():
            return np.nan
        table = pd.DataFrame([counts["sample"].to_numpy(), (counts["registered"] - counts["sample"]).to_numpy()],
                             index=["sample", "other"], columns=rows)
        return block_test(table, min_cell, hidden.loc[rows], n_resamples=9)["statistic"]
    return statistic


# ---------------------------------------------------------------- Tabel 3 after disclosure

def hidden_cells(counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Which cells of Tabel 3 (the rows of every block; columns sample, registered) are
    hidden: `suppress_nested` per block, so that no cell reveals the few registered
    citizens outside the sample, and no hidden cell follows from a block's total."""
    parts = [suppress_nested(counts.loc[rows], "sample", "registered", min_cell).suppressed
             for rows in BLOCK_ROWS.values()]
    return pd.concat(parts)


def tabel3(counts: pd.DataFrame, min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tabel 3 as published: (values, persons, hidden). Rows 'n' and the rows of every
    block in order; columns sample, sample_pct, registered, registered_pct (a share in
    per cent of the column's n). A hidden count hides its share too."""
    rows = ["n", *(r for rows in BLOCK_ROWS.values() for r in rows)]
    hidden = pd.concat([pd.DataFrame(False, index=["n"], columns=["sample", "registered"]),
                        hidden_cells(counts, min_cell)]).loc[rows]
    values = pd.DataFrame(index=rows, dtype=object)
    persons = pd.DataFrame(index=rows, dtype=object)
    mask = pd.DataFrame(index=rows, dtype=bool)
    for column in ("sample", "registered"):
        n = int(counts.loc["n", column])
        values[column] = [int(v) for v in counts.loc[rows, column]]
        values[f"{column}_pct"] = [100.0 * int(v) / n for v in counts.loc[rows, column]]
        for name in (column, f"{column}_pct"):
            persons[name] = values[column]
            mask[name] = hidden[column]
    return values, persons, mask


def shown_count(n: int, min_cell: int):
    """A count of persons as a scalar publishes it on its own: hidden ('x') when it is
    under `min_cell` (and not 0)."""
    return SUPPRESSED if 0 < n < min_cell else int(n)


# ---------------------------------------------------------------- the bundle

def publish(md: Microdata, w: BundleWriter) -> None:
    """Tabel 3, the tests and the numbers the page quotes (both editions)."""
    page = "repraesentativitet"
    reg = md.extract.registrations
    counts = sample_vs_registered(reg)
    n_enrolled = len(reg)
    n_registered, n_sample = int(counts.loc["n", "registered"]), int(counts.loc["n", "sample"])
    w.universe(u.enrolled(md))
    w.scalar("rep.n_enrolled", n_enrolled, page=page, persons=n_enrolled, define=Count(u.enrolled_cell(md)))
    outside = tuple(r for r in u.REASONS if r not in (u.SAMPLE, "not_registered"))
    for key, n, cell in (("rep.n_not_registered", n_enrolled - n_registered,
                          u.enrolled_cell(md, reason="not_registered")),
                         ("rep.n_other", n_registered - n_sample, u.enrolled_cell(md, reason=outside))):
        w.scalar(key, shown_count(n, md.min_cell), page=page, kind="count", persons=n, define=Count(cell))
    w.scalar("rep.pct_sample_of_registered", 100 * n_sample / n_registered, page=page, kind="percent",
             decimals=1, persons=n_sample)
    for key, value in (("rep.min_cell", md.min_cell), ("rep.alpha", 100 * ALPHA),
                       ("rep.min_expected", MIN_EXPECTED), ("rep.n_resamples", N_RESAMPLES)):
        w.scalar(key, value, page=page, kind="setting")

    values, persons, hidden = tabel3(counts, md.min_cell)
    w.table("representativity.tabel3", values, persons=persons, hidden=hidden,
            kinds={"sample": "count", "registered": "count", "sample_pct": "percent",
                   "registered_pct": "percent"},
            decimals={"sample_pct": 1, "registered_pct": 1},
            define=lambda row, column: define(md, f"tabel3.{column.removesuffix('_pct')}.{row}."
                                                  + ("pct" if column.endswith("_pct") else "count")))
    # the numbers behind the table, keyed like data/reference/published (shares to two decimals)
    for column in ("sample", "registered"):
        for row in values.index:
            n, hide = int(values.loc[row, column]), bool(hidden.loc[row, column])
            w.scalar(f"tabel3.{column}.{row}.count", SUPPRESSED if hide else n, page=page, kind="count", persons=n)
            w.scalar(f"tabel3.{column}.{row}.pct", SUPPRESSED if hide else values.loc[row, f"{column}_pct"],
                     page=page, kind="percent", persons=n)

    # the tests see Tabel 3 as finally published: after the disclosure audit's suppressions
    w.defer(lambda writer: publish_tests(md, writer, counts, page))


def published_hidden(w: BundleWriter, table: str, columns: list[str]) -> pd.DataFrame:
    """Which cells of a table the writer now hides (rows x `columns`, bool)."""
    cells = [(r["row"], r["column"], r["status"] == "hidden") for r in w.tables
             if r["table"] == table and r["column"] in columns]
    frame = pd.DataFrame(cells, columns=["row", "column", "hidden"])
    return frame.pivot(index="row", columns="column", values="hidden")[columns]


def publish_tests(md: Microdata, w: BundleWriter, counts: pd.DataFrame, page: str) -> None:
    """The tests of the blocks of Tabel 3, on the categories the table shows once the
    disclosure audit has hidden what it had to (`representativity.tests`, `rep.test.*`), and
    each statistic as a function of the table's cells, for the audit of statistics."""
    hidden_rows = published_hidden(w, "representativity.tabel3", ["sample", "registered"])
    tests = representativity_tests(counts, md.min_cell, hidden_rows)
    w.scalar("rep.n_blocks", len(tests), page=page, kind="count", of="tests")
    tested = tests["n_sample"] + tests["n_other"]
    for t, n in zip(tests.itertuples(), tested):
        w.scalar(f"rep.test.{t.block}.statistic", t.statistic, page=page, kind="number", persons=n)
        rows = BLOCK_ROWS[t.block]
        if not np.isnan(t.statistic):
            cells = [define(md, f"tabel3.{c}.{r}.count").cell for c in ("sample", "registered") for r in rows]
            w.statistic(f"rep.test.{t.block}.statistic", cells,
                        statistic_function(t.block, rows, md.min_cell, hidden_rows), half_up(t.statistic, 2), 2)
        w.scalar(f"rep.test.{t.block}.df", t.df, page=page, kind="number", decimals=0)
        w.scalar(f"rep.test.{t.block}.p_value", printed_p(t.p_value), page=page, kind="number", decimals=3,
                 persons=n)
    table = tests.set_index("block")[["statistic", "df", "p_value", "method", "merged"]].astype(object)
    table["p_value"] = [printed_p(v) for v in table["p_value"]]
    # the decision is made here, on the exact p (a p printed to three decimals cannot make it)
    table["significant"] = ["" if pd.isna(v) else "ja" if v < ALPHA else "nej" for v in tests["p_value"]]
    behind = pd.DataFrame(None, index=table.index, columns=table.columns, dtype=object)
    behind["statistic"] = behind["p_value"] = tested.to_numpy()
    w.table("representativity.tests", table, persons=behind,
            kinds={"statistic": "number", "df": "number", "p_value": "number", "method": "text",
                   "merged": "text", "significant": "text"},
            decimals={"statistic": 2, "df": 0, "p_value": 3})
