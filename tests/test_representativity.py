"""Repræsentativitet: the tests and Tabel 3 after disclosure (analysis.compute.representativity)
and the words and tables the page makes of what is published (analysis.report.representativity)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from analysis.compute.representativity import MERGE_JOINER as compute_joiner
from analysis.compute.representativity import (BLOCK_ROWS, block_tables, hidden_cells, independence_test,
                                               merge_for_disclosure, representativity_tests, tabel3)
from analysis.disclosure.rules import SUPPRESSED, ZERO
from analysis.register.cohort import sample_vs_registered
from analysis.report.representativity import MERGE_JOINER as report_joiner
from analysis.report.representativity import (BLOCKS, consequence, headline, largest_differences, merged_labels,
                                              results_table, table3_frame, verdict)

ROWS = [row for rows in BLOCK_ROWS.values() for row in rows]


def counts_frame(sample: dict[str, int], registered: dict[str, int]) -> pd.DataFrame:
    """A frame shaped like cohort.sample_vs_registered."""
    frame = pd.DataFrame({"sample": pd.Series(sample), "registered": pd.Series(registered)}).reindex(ROWS)
    frame = frame.fillna(0).astype(int)
    n = {"sample": frame.loc[BLOCK_ROWS["koen"], "sample"].sum(),
         "registered": frame.loc[BLOCK_ROWS["koen"], "registered"].sum()}
    return pd.concat([pd.DataFrame(n, index=["n"]), frame])


def balanced_counts() -> pd.DataFrame:
    """Every block: sample 100 spread evenly, registered 200 spread evenly."""
    sample, registered = {}, {}
    for rows in BLOCK_ROWS.values():
        for row in rows:
            sample[row] = 100 // len(rows)
            registered[row] = 200 // len(rows)
    return counts_frame(sample, registered)


# ---------------------------------------------------------------- the test itself

def test_chi_square_by_hand():
    result = independence_test([[10, 20], [20, 10]])
    assert result["method"] == "chi2"
    assert result["statistic"] == pytest.approx(20 / 3)          # 4 cells of (5^2 / 15)
    assert result["df"] == 1
    assert result["p_value"] == pytest.approx(chi2_contingency([[10, 20], [20, 10]], correction=False).pvalue)


def test_small_expected_2x2_uses_fisher():
    table = [[30, 1], [5, 4]]
    result = independence_test(table)
    assert result["method"] == "fisher"
    assert result["min_expected"] < 5
    assert result["p_value"] == pytest.approx(fisher_exact(table).pvalue)
    assert result["df"] == 1


def test_small_expected_2xk_uses_monte_carlo_and_is_reproducible():
    table = [[21, 139, 95, 38, 10], [12, 13, 17, 7, 1]]
    first, second = independence_test(table), independence_test(table)
    assert first["method"] == "monte_carlo"
    assert first == second                                         # fixed seed
    assert first["df"] == 4
    asymptotic = chi2_contingency(table, correction=False).pvalue
    assert 0 < first["p_value"] < 0.05 and first["p_value"] == pytest.approx(asymptotic, abs=0.01)


def test_identical_distributions_give_p_one():
    result = independence_test([[40, 30, 2], [20, 15, 1]])
    assert result["statistic"] == pytest.approx(0)
    assert result["p_value"] == pytest.approx(1)


def test_empty_categories_are_dropped_and_one_category_cannot_be_tested():
    assert independence_test([[10, 0, 20], [20, 0, 10]])["df"] == 1
    untestable = independence_test([[10, 0], [5, 0]])
    assert untestable["method"] == "none" and np.isnan(untestable["p_value"])


# ---------------------------------------------------------------- blocks of Tabel 3

def test_other_is_registered_minus_sample():
    counts = balanced_counts()
    counts.loc["mand", "registered"] += 7
    tables = block_tables(counts)
    assert list(tables) == list(BLOCK_ROWS)
    assert tables["koen"].loc["other", "mand"] == 50 + 7
    assert tables["koen"].loc["sample", "mand"] == 50


def test_sample_larger_than_registered_is_an_error():
    counts = balanced_counts()
    counts.loc["kvinde", "sample"] = 500
    with pytest.raises(ValueError, match="subset"):
        block_tables(counts)


def test_one_row_per_block_on_the_bundled_extract(extract):
    counts = sample_vs_registered(extract.registrations)
    tests = representativity_tests(counts)
    assert list(tests["block"]) == list(BLOCK_ROWS)
    assert (tests["n_sample"] == counts.loc["n", "sample"]).all()
    assert (tests["n_other"] == counts.loc["n", "registered"] - counts.loc["n", "sample"]).all()
    assert tests["p_value"].between(0, 1).all()
    assert set(tests["method"]) <= {"chi2", "fisher", "monte_carlo"}


def test_merged_categories_are_named_by_their_rows():
    counts = balanced_counts()
    counts.loc["visitation_andet", "registered"] = counts.loc["visitation_andet", "sample"] + 1
    tests = representativity_tests(counts, min_cell=3).set_index("block")
    assert tests.loc["visitation", "merged"] == "visitation_ressource + visitation_andet"
    assert tests.loc["koen", "merged"] == ""
    assert merged_labels(tests.loc["visitation", "merged"]) == "Ressourceforløb + Andet"
    assert merged_labels("") == "–"


def test_categories_are_merged_before_the_test_so_the_statistic_hides_small_cells():
    table = pd.DataFrame([[146, 52, 102, 3], [34, 3, 12, 1]], index=["sample", "other"],
                         columns=["Akt. kontanthjælp", "Akt. udd.hjælp", "Ressourceforløb", "Andet"])
    merged = merge_for_disclosure(table, 3)
    assert list(merged.columns) == ["Akt. kontanthjælp", "Akt. udd.hjælp", "Ressourceforløb + Andet"]
    assert ((merged == 0) | (merged >= 3)).to_numpy().all()
    assert merged.to_numpy().sum() == table.to_numpy().sum()


# ---------------------------------------------------------------- Tabel 3 after disclosure

def test_tabel3_hides_small_counts_and_their_shares():
    counts = balanced_counts()
    counts.loc["visitation_andet", "sample"] = 2
    values, persons, hidden = tabel3(counts, 3)
    assert list(values.columns) == ["sample", "sample_pct", "registered", "registered_pct"]
    assert list(values.index) == ["n", *ROWS]
    assert hidden.loc["visitation_andet", "sample"] and hidden.loc["visitation_andet", "sample_pct"]
    assert hidden["sample"].sum() == 2                     # a second cell, so the block total does not reveal it
    assert (hidden["sample"] == hidden["sample_pct"]).all()
    assert not hidden.loc["n"].any()
    shown = values["sample"][~hidden["sample"]]
    assert not ((shown > 0) & (shown < 3)).any()
    assert values.loc["mand", "sample_pct"] == pytest.approx(100 * 50 / 100)
    assert persons.loc["mand", "registered_pct"] == values.loc["mand", "registered"]


def test_registered_cell_hidden_when_it_reveals_the_few_outside_the_sample():
    counts = balanced_counts()
    counts.loc["visitation_andet", "registered"] = counts.loc["visitation_andet", "sample"] + 1
    hidden = hidden_cells(counts, 3)
    assert hidden.loc["visitation_andet", "registered"]
    assert not hidden.loc["visitation_andet", "sample"]


# ---------------------------------------------------------------- the page's words, from what is published

def published_tests(p_values: dict[str, float], method: str = "chi2", alpha: float = 0.05) -> pd.DataFrame:
    """Shaped like the bundle's table representativity.tests (the decisions made at
    `alpha`, as the compute stage makes them)."""
    return pd.DataFrame({"statistic": 1.0, "df": 1.0, "p_value": list(p_values.values()), "method": method,
                         "merged": "", "significant": ["ja" if p < alpha else "nej" for p in p_values.values()]},
                        index=list(p_values))


def published_tabel3(counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Tabel 3 as the page reads it from the bundle: counts, '–' for none, 'x' hidden."""
    values, _, hidden = tabel3(counts, min_cell)
    shown = values.astype(object).copy()
    for column in shown.columns:
        count = values[column.removesuffix("_pct")]
        shown[column] = [SUPPRESSED if h else ZERO if not column.endswith("_pct") and c == 0 else v
                         for v, h, c in zip(values[column], hidden[column], count)]
    return shown


def test_verdict_when_nothing_differs():
    text = verdict(published_tests({"status": 0.3, "koen": 0.9, "alder": 0.06, "visitation": 0.5}), 0.05)
    assert text.startswith("Ingen af blokkene afviger statistisk signifikant")
    assert "5\u00a0%" in text


def test_verdict_names_the_blocks_that_differ():
    text = verdict(published_tests({"status": 0.001, "koen": 0.9, "alder": 0.02, "visitation": 0.5}), 0.05)
    differ, alike = text.split(", men ikke")
    assert "gennemførelse" in differ and "aldersgruppe" in differ
    assert "køn" in alike and "visitationskategori" in alike


def test_verdict_when_everything_differs_and_when_nothing_can_be_tested():
    assert verdict(published_tests({"status": 0.01, "koen": 0.01}), 0.05).startswith("Alle blokkene")
    untested = published_tests({"status": np.nan, "koen": np.nan}, method="none")
    assert verdict(untested, 0.05).startswith("Ingen af blokkene kan testes")
    assert "kan ikke testes" in headline(untested)


def test_words_follow_the_published_decisions():
    assert "ligner de registrerede" in headline(published_tests({"status": 0.05, "koen": 0.7}))
    assert "adskiller sig" in headline(published_tests({"status": 0.01, "koen": 0.001}))
    assert "nogle punkter" in headline(published_tests({"status": 0.01, "koen": 0.7}))
    # the level is the compute stage's parameter: at 10 % the same p-values decide otherwise
    assert "nogle punkter" in headline(published_tests({"status": 0.05, "koen": 0.7}, alpha=0.10))


def test_the_decision_is_made_on_the_exact_p_value():
    """p = 0.0496 prints as 0,050 but is significant at 5 %: the bundle carries the
    decision made on the exact value, and the words follow it."""
    from analysis.bundle.store import printed_p
    assert printed_p(0.0496) == 0.05
    tests = published_tests({"status": 0.0496, "koen": 0.7})
    tests["p_value"] = [printed_p(p) for p in tests["p_value"]]
    assert "nogle punkter" in headline(tests)


def test_consequence_follows_the_verdict():
    assert "også gælder" in consequence(published_tests({"status": 0.2, "koen": 0.7}))
    assert "forsigtighed" in consequence(published_tests({"status": 0.01, "koen": 0.7}))


def test_results_table_formats_the_published_tests():
    tests = pd.DataFrame({"statistic": [20.11, None], "df": [1.0, 0.0], "p_value": [0.0, None],
                          "method": ["chi2", "none"], "merged": ["", "alder_46_55 + alder_over55"],
                          "significant": ["ja", ""]}, index=["status", "alder"])
    shown = results_table(tests, lambda v, d=2: f"{v:.{d}f}".replace(".", ","))
    assert list(shown["Blok"]) == ["Gennemførelse", "Aldersgrupper"]
    assert list(shown["p-værdi"]) == ["<\u00a00,001", "–"]
    assert list(shown["Chi i anden"]) == ["20,11", "–"]
    assert list(shown["Signifikant"]) == ["Ja", "–"]
    assert list(shown["Metode"]) == ["Chi i anden", "Ingen test"]
    assert list(shown["Sammenlagt"]) == ["–", "46-55 år + Over 55 år"]


def test_table3_frame_shows_blocks_hidden_cells_and_zeros():
    counts = balanced_counts()
    counts.loc["visitation_andet", "sample"] = 2
    counts.loc["alder_over55", ["sample", "registered"]] = 0
    shown = table3_frame(published_tabel3(counts, 3), str, lambda v: f"{v:.1f} %")
    assert shown.iloc[0, 0] == "N (personer)" and shown.iloc[0, 1] == "100"
    andet = shown[shown.iloc[:, 0] == "Andet"].iloc[0]
    assert andet.iloc[1] == SUPPRESSED and andet.iloc[2] == SUPPRESSED
    over55 = shown[shown.iloc[:, 0] == "Over 55 år"].iloc[0]
    assert list(over55.iloc[1:]) == [ZERO] * 4
    assert [r for r in shown.iloc[:, 0] if r.startswith("**")] == [f"**{b[0]}**" for b in BLOCKS.values()]


def test_largest_differences_one_per_block_and_never_small_cells():
    counts = balanced_counts()                                            # n: sample 100, registered 200
    counts.loc[["completed", "afmeldt"], "sample"] = [80, 20]             # 80 % / 20 %
    counts.loc[["completed", "afmeldt"], "registered"] = [150, 50]        # 75 % / 25 %
    counts.loc["visitation_andet", ["sample", "registered"]] = [1, 20]    # big gap, but a cell under 3
    counts.loc["visitation_kontant", ["sample", "registered"]] = [49, 80]  # 49 % / 40 %
    top = largest_differences(published_tabel3(counts, 3), 3, n=2)
    assert list(top["row"]) == ["visitation_kontant", "afmeldt"]         # a tie goes to the smaller category
    assert top.loc[0, "difference"] == pytest.approx(9)
    assert top.loc[1, "difference"] == pytest.approx(-5)


def test_largest_differences_skip_rows_the_table_hides():
    counts = balanced_counts()
    counts.loc["visitation_andet", "sample"] = 20                        # the largest gap, but hidden
    counts.loc["visitation_andet", "registered"] = 21
    published = published_tabel3(counts, 3)
    assert published.loc["visitation_andet", "registered"] == SUPPRESSED
    diffs = largest_differences(published, 3, n=4)
    assert "visitation_andet" not in set(diffs["row"])


def test_the_words_of_the_bundled_extract_follow_its_tests():
    from analysis.bundle.store import Bundle, BundleWriter
    from analysis.compute.representativity import ALPHA, publish
    from analysis.compute.stage import load_microdata
    from analysis.editions import EDITIONS
    md = load_microdata(EDITIONS["final-2025"])
    from analysis.compute.representativity import published_hidden
    writer = BundleWriter()
    publish(md, writer)
    for deferred in writer.deferred:   # the tests are computed on the table as published
        deferred(writer)
    tables = writer.frames()["tables"]
    published = Bundle(None, {}, pd.DataFrame(), tables, pd.DataFrame(), pd.DataFrame()).table(
        "representativity.tests")
    hidden = published_hidden(writer, "representativity.tabel3", ["sample", "registered"])
    exact = representativity_tests(sample_vs_registered(md.extract.registrations), 3, hidden).set_index("block")
    assert list(published["significant"]) == ["ja" if p < ALPHA else "nej" for p in exact["p_value"]]
    tests = published
    text = verdict(tests, ALPHA)
    differ = {BLOCKS[b][1] for b, p in exact["p_value"].items() if p < ALPHA}
    alike = {BLOCKS[b][1] for b, p in exact["p_value"].items() if p >= ALPHA}
    if differ and alike:
        first, second = text.split(", men ikke")
        assert all(name in first for name in differ) and all(name in second for name in alike)
    else:
        assert text.startswith("Alle blokkene" if differ else "Ingen af blokkene")
    assert set(BLOCKS) == set(BLOCK_ROWS)
    for block, rows in BLOCK_ROWS.items():
        assert list(BLOCKS[block][2]) == rows                          # the page labels the rows compute publishes
    assert report_joiner == compute_joiner
