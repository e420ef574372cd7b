from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from analysis.register.cohort import sample_vs_registered
from analysis.disclosure.rules import SUPPRESSED
from analysis.compute.representativity import (BLOCKS, block_tables, excluded_weeks_table, independence_test, representativity_tests, set_aside_table, table3, results_table, verdict)

ROWS = [row for _, _, labels in BLOCKS.values() for row in labels]


def counts_frame(sample: dict[str, int], registered: dict[str, int]) -> pd.DataFrame:
    """A frame shaped like cohort.sample_vs_registered."""
    frame = pd.DataFrame({"sample": pd.Series(sample), "registered": pd.Series(registered)}).reindex(ROWS)
    frame = frame.fillna(0).astype(int)
    n = {"sample": frame.loc[list(BLOCKS["koen"][2]), "sample"].sum(),
         "registered": frame.loc[list(BLOCKS["koen"][2]), "registered"].sum()}
    return pd.concat([pd.DataFrame(n, index=["n"]), frame])


def balanced_counts() -> pd.DataFrame:
    """Every block: sample 100 spread evenly, registered 200 spread evenly."""
    sample, registered = {}, {}
    for _, _, labels in BLOCKS.values():
        for row in labels:
            sample[row] = 100 // len(labels)
            registered[row] = 200 // len(labels)
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
    assert list(tables) == list(BLOCKS)
    assert tables["koen"].loc["other", "Mænd"] == 50 + 7
    assert tables["koen"].loc["sample", "Mænd"] == 50


def test_sample_larger_than_registered_is_an_error():
    counts = balanced_counts()
    counts.loc["kvinde", "sample"] = 500
    with pytest.raises(ValueError, match="subset"):
        block_tables(counts)


def test_one_row_per_block_on_the_bundled_extract(extract):
    counts = sample_vs_registered(extract.registrations)
    tests = representativity_tests(counts)
    assert list(tests["block"]) == list(BLOCKS)
    assert (tests["n_sample"] == counts.loc["n", "sample"]).all()
    assert (tests["n_other"] == counts.loc["n", "registered"] - counts.loc["n", "sample"]).all()
    assert tests["p_value"].between(0, 1).all()
    assert set(tests["method"]) <= {"chi2", "fisher", "monte_carlo"}


# ---------------------------------------------------------------- verdict

def fake_tests(p_values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"block": list(p_values), "p_value": list(p_values.values()),
                         "method": "chi2"})


def test_verdict_when_nothing_differs():
    text = verdict(fake_tests({"status": 0.3, "koen": 0.9, "alder": 0.06, "visitation": 0.5}))
    assert text.startswith("Ingen af blokkene afviger statistisk signifikant")
    assert "5 %" in text


def test_verdict_names_the_blocks_that_differ():
    text = verdict(fake_tests({"status": 0.001, "koen": 0.9, "alder": 0.02, "visitation": 0.5}))
    differ, alike = text.split(", men ikke")
    assert "gennemførelse" in differ and "aldersgruppe" in differ
    assert "køn" in alike and "visitationskategori" in alike


def test_verdict_when_everything_differs():
    assert verdict(fake_tests({"status": 0.01, "koen": 0.01})).startswith("Alle blokkene")


def test_verdict_follows_the_bundled_extract(extract):
    tests = representativity_tests(sample_vs_registered(extract.registrations))
    text = verdict(tests)
    for block, p in zip(tests["block"], tests["p_value"]):
        name = BLOCKS[block][1]
        if p < 0.05:
            assert name in text.split(", men ikke")[0]


def test_results_table_formats_small_p_values():
    tests = pd.DataFrame({"title": ["A", "B"], "statistic": [20.1, 0.5], "df": [1, 2],
                          "p_value": [0.00001, 0.4], "method": ["chi2", "monte_carlo"]})
    shown = results_table(tests, lambda v, d=2: f"{v:.{d}f}".replace(".", ","))
    assert list(shown["p-værdi"]) == ["<\u00a00,001", "0,400"]
    assert list(shown["Signifikant"]) == ["Ja", "Nej"]


# ---------------------------------------------------------------- disclosure

def test_table3_hides_small_counts_and_their_percentages():
    counts = balanced_counts()
    counts.loc["visitation_andet", "sample"] = 2
    shown = table3(counts, 3, str, lambda v: f"{v:.1f} %")
    andet = shown[shown.iloc[:, 0] == "Andet"].iloc[0]
    assert andet.iloc[1] == SUPPRESSED and andet.iloc[2] == SUPPRESSED
    block = shown.iloc[shown.index[shown.iloc[:, 0] == "**Visitationskategorier**"][0] + 1:]
    assert (block.iloc[:, 1] == SUPPRESSED).sum() == 2                # a second cell, so the total does not reveal it
    numbers = pd.to_numeric(shown.iloc[:, [1, 3]].stack(), errors="coerce")
    assert not ((numbers > 0) & (numbers < 3)).any()


def test_set_aside_table_never_shows_a_count_under_the_minimum():
    quality = pd.DataFrame({
        "reason": ["enrolled", "not_registered", "no_consent", "no_post_course_data", "no_dream_row",
                   "dream_row_not_enrolled", "register_sample"],
        "description": list("abcdefg"),
        "persons": [100, 40, 20, 10, 2, 1, 28]})
    shown = set_aside_table(quality, 3, str).set_index("reason")["persons"]
    assert shown["no_dream_row"] == SUPPRESSED
    assert shown["dream_row_not_enrolled"] == SUPPRESSED
    assert shown["no_post_course_data"] == SUPPRESSED            # secondary: 100 - 40 - 20 - 28 would reveal 2
    assert shown["enrolled"] == "100" and shown["register_sample"] == "28"


def test_excluded_weeks_hidden_when_few_persons():
    excluded = pd.DataFrame({"code": ["", "890", "999"], "text": ["blank", "Sygedagpenge", "Død"],
                             "persons": [21, 2, 5], "person_weeks": [35, 12, 40]})
    shown = excluded_weeks_table(excluded, 3, str)
    assert shown.loc[1, "persons"] == SUPPRESSED and shown.loc[1, "person_weeks"] == SUPPRESSED
    assert shown.loc[0, "code"] == "(blank)"
    assert (shown["persons"] == SUPPRESSED).sum() == 2


def test_headline_follows_the_p_values():
    from analysis.compute.representativity import headline
    assert "ligner de registrerede" in headline(fake_tests({"status": 0.2, "koen": 0.7}))
    assert "adskiller sig" in headline(fake_tests({"status": 0.01, "koen": 0.001}))
    assert "nogle punkter" in headline(fake_tests({"status": 0.01, "koen": 0.7}))


def test_consequence_follows_the_verdict():
    from analysis.compute.representativity import consequence
    assert "også gælder" in consequence(fake_tests({"status": 0.2, "koen": 0.7}))
    assert "forsigtighed" in consequence(fake_tests({"status": 0.01, "koen": 0.7}))


def test_largest_differences_one_per_block_and_never_small_cells():
    from analysis.compute.representativity import largest_differences
    counts = balanced_counts()                                            # n: sample 100, registered 200
    counts.loc[["completed", "afmeldt"], "sample"] = [80, 20]             # 80 % / 20 %
    counts.loc[["completed", "afmeldt"], "registered"] = [150, 50]        # 75 % / 25 %
    counts.loc["visitation_andet", ["sample", "registered"]] = [1, 20]    # big gap, but a cell under 3
    counts.loc["visitation_kontant", ["sample", "registered"]] = [49, 80]  # 49 % / 40 %
    top = largest_differences(counts, 3, n=2)
    assert list(top["row"]) == ["visitation_kontant", "afmeldt"]         # a tie goes to the smaller category
    assert top.loc[0, "difference"] == pytest.approx(9)
    assert top.loc[1, "difference"] == pytest.approx(-5)


def test_categories_are_merged_before_the_test_so_the_statistic_hides_small_cells():
    from analysis.compute.representativity import merge_for_disclosure
    table = pd.DataFrame([[146, 52, 102, 3], [34, 3, 12, 1]], index=["sample", "other"],
                         columns=["Akt. kontanthjælp", "Akt. udd.hjælp", "Ressourceforløb", "Andet"])
    merged = merge_for_disclosure(table, 3)
    assert list(merged.columns) == ["Akt. kontanthjælp", "Akt. udd.hjælp", "Ressourceforløb + Andet"]
    assert ((merged == 0) | (merged >= 3)).to_numpy().all()
    assert merged.to_numpy().sum() == table.to_numpy().sum()
    counts = balanced_counts()
    counts.loc["visitation_andet", "registered"] = counts.loc["visitation_andet", "sample"] + 1
    tests = representativity_tests(counts, min_cell=3).set_index("block")
    assert "Andet" in tests.loc["visitation", "merged"]


def test_largest_differences_skip_rows_the_table_hides():
    from analysis.compute.representativity import hidden_cells, largest_differences
    counts = balanced_counts()
    counts.loc["visitation_andet", "registered"] = counts.loc["visitation_andet", "sample"] + 1
    hidden = hidden_cells(counts, 3)
    assert hidden.loc["visitation_andet", "registered"]
    diffs = largest_differences(counts, 3, n=4, hidden=hidden)
    assert "visitation_andet" not in set(diffs["row"])
