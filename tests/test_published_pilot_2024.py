"""Consistency of the published numbers of the supplementary pilot evaluation (April 2024, seed 000).

data/reference/published/pilot-2024-register.csv holds every number the report prints.
These tests check the register against itself: the arithmetic that must hold between
the printed tables, and that each place where it does not hold is flagged as an erratum
in the note column instead of being skipped.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

REGISTER = Path(__file__).resolve().parent.parent / "data" / "reference" / "published" / "pilot-2024-register.csv"
HEADER = ["ref", "value", "printed", "stars", "seed", "source", "line", "note"]
TIME_POINTS = ("w-26", "w0", "w34")
SCORES = range(11)
MODEL_GROUPS = ("samlet", "koen_mand", "koen_kvinde", "alder_under25", "alder_25_35", "alder_36_45",
                "alder_over45", "visitation_kontant", "visitation_udd", "visitation_ressource",
                "moduler", "afmeldte")
VISITATION = ("kontant", "udd", "ressource")
AGES = ("alder_under25", "alder_25_35", "alder_36_45", "alder_46_55", "alder_over55")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(REGISTER, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def reg(raw) -> pd.DataFrame:
    return raw.set_index("ref")


def v(reg: pd.DataFrame, ref: str) -> float:
    return float(reg.loc[ref, "value"])


def decimals(printed: str) -> int:
    number = printed.rstrip("%")
    return len(number.split(",")[1]) if "," in number else 0


def half_unit(printed: str) -> float:
    return 0.5 * 10 ** -decimals(printed)


def round_as_printed(x: float, printed: str) -> Decimal:
    """x rounded half up to the number of decimals in the printed string."""
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals(printed)), rounding=ROUND_HALF_UP)


def is_erratum(note: str) -> bool:
    return note.lower().startswith("erratum")


def test_header_and_seed(raw):
    assert list(raw.columns) == HEADER
    assert (raw["seed"] == "000").all()
    assert raw["line"].str.fullmatch(r"\d+").all()


def test_refs_unique(raw):
    dupes = raw.loc[raw["ref"].duplicated(), "ref"].tolist()
    assert not dupes, dupes


def test_values_parse_and_match_printed(raw):
    words = {"tre": "3"}
    for _, row in raw.iterrows():
        value = float(row["value"])   # raises if it does not parse
        printed = row["printed"]
        if printed == "-":
            assert value == 0, row["ref"]
            assert "'-' = zero" in row["note"], row["ref"]
            continue
        expected = words.get(printed, printed.replace(",", ".").rstrip("%"))
        assert row["value"] == expected, (row["ref"], row["value"], printed)


def test_stars_only_on_regression_estimates(raw):
    is_model = raw["ref"].str.startswith("model.")
    assert set(raw.loc[is_model, "stars"]) <= {"", "*", "**", "***"}
    assert (raw.loc[~is_model, "stars"] == "").all()


def test_all_twelve_regressions(reg):
    for group in MODEL_GROUPS:
        assert reg.loc[f"model.{group}.intercept", "stars"] == "***", group
        assert f"model.{group}.coef" in reg.index, group
    assert reg.index.str.startswith("model.").sum() == 2 * len(MODEL_GROUPS)


def test_tabel2_complete_and_columns_sum_to_44(reg):
    for tp in TIME_POINTS:
        total = sum(v(reg, f"tabel2.count.{tp}.{s}") for s in SCORES)
        assert total == 44, tp
    assert v(reg, "caption.tabel2.n") == 44
    assert reg.index.str.startswith("tabel2.count.").sum() == 33


def test_tabel1_means_equal_tabel2_means_except_flagged_erratum(reg):
    mismatches = []
    for tp in TIME_POINTS:
        n = sum(v(reg, f"tabel2.count.{tp}.{s}") for s in SCORES)
        mean = sum(s * v(reg, f"tabel2.count.{tp}.{s}") for s in SCORES) / n
        ref = f"tabel1.mean.{tp}"
        printed, note = reg.loc[ref, "printed"], reg.loc[ref, "note"]
        if abs(mean - v(reg, ref)) <= half_unit(printed) + 1e-9:
            assert not is_erratum(note), ref
            continue
        mismatches.append(tp)
        # the published value must be explained, not silently tolerated
        assert is_erratum(note), f"{ref}: {printed} vs {mean:.4f} is not flagged as an erratum"
        assert "impossible" in note and "truncation" in note, ref
        # it is a truncation of the Tabel 2 mean, and no integer sum over n gives it
        assert int(mean * 100) / 100 == v(reg, ref)
        assert not any(abs(k / n - v(reg, ref)) <= half_unit(printed) for k in range(0, 10 * int(n) + 1))
    assert mismatches == ["w-26"]


def test_text_change_is_tabel1_difference(reg):
    change = v(reg, "tabel1.mean.w34") - v(reg, "tabel1.mean.w0")
    assert round_as_printed(change, reg.loc["text.change", "printed"]) == Decimal(reg.loc["text.change", "value"])


def test_modal_score_claim(reg):
    counts = {s: v(reg, f"tabel2.count.w-26.{s}") for s in SCORES}
    assert max(counts, key=counts.get) == v(reg, "text.modal_score_w-26")


def test_hold_counts_sum_to_44(reg):
    holds = [h for h in range(1, 11) if h != 2]   # Hold 2 was cancelled
    assert sum(v(reg, f"hold.{h}.count") for h in holds) == v(reg, "hold.total.count") == 44
    assert len(holds) == v(reg, "design.n_holds")
    assert "hold.2.count" not in reg.index


def test_visitation_counts_sum_to_44(reg):
    total = v(reg, "visitation.total.count")
    assert sum(v(reg, f"visitation.{k}.count") for k in VISITATION) == total == 44
    for k in VISITATION:
        ref = f"visitation.{k}.pct"
        share = 100 * v(reg, f"visitation.{k}.count") / total
        assert round_as_printed(share, reg.loc[ref, "printed"]) == Decimal(reg.loc[ref, "value"]), ref
    assert sum(v(reg, f"visitation.{k}.pct") for k in VISITATION) == pytest.approx(100)


def test_sample_percentages_are_count_over_base(reg):
    bases = {("sample", "n"): "repr.sample.n.count", ("sample", "completed"): "repr.sample.n.count",
             ("sample", "afmeldt"): "repr.sample.n.count",
             ("pilot", "n"): "repr.pilot.n.count", ("pilot", "completed"): "repr.pilot.n.count",
             ("pilot", "afmeldt"): "repr.pilot.n.count"}
    # gender and age shares of the sample are of the 44 completers (footnote '**')
    for row in ("mand", "kvinde", *AGES):
        bases[("sample", row)] = "repr.sample.completed.count"
        assert "44 completers" in reg.loc[f"repr.sample.{row}.pct", "note"]
    for (side, row), base_ref in bases.items():
        ref = f"repr.{side}.{row}.pct"
        share = 100 * v(reg, f"repr.{side}.{row}.count") / v(reg, base_ref)
        assert round_as_printed(share, reg.loc[ref, "printed"]) == Decimal(reg.loc[ref, "value"]), ref


def test_sample_blocks_add_up(reg):
    assert v(reg, "repr.sample.completed.count") + v(reg, "repr.sample.afmeldt.count") == v(reg, "repr.sample.n.count")
    assert v(reg, "repr.pilot.completed.count") + v(reg, "repr.pilot.afmeldt.count") == v(reg, "repr.pilot.n.count")
    completed = v(reg, "repr.sample.completed.count")
    assert v(reg, "repr.sample.mand.count") + v(reg, "repr.sample.kvinde.count") == completed
    assert sum(v(reg, f"repr.sample.{a}.count") for a in AGES) == completed
    # the pilot column prints only rounded shares for gender and age
    assert v(reg, "repr.pilot.mand.pct") + v(reg, "repr.pilot.kvinde.pct") == 100
    assert sum(v(reg, f"repr.pilot.{a}.pct") for a in AGES) == 100
    assert not any(f"repr.pilot.{r}.count" in reg.index for r in ("mand", "kvinde", *AGES))


def test_design_numbers_match_tables(reg):
    assert v(reg, "design.sample_n") == v(reg, "repr.sample.n.count")
    assert v(reg, "design.completed") == v(reg, "repr.sample.completed.count") == v(reg, "hold.total.count")
    assert v(reg, "design.afmeldt") == v(reg, "repr.sample.afmeldt.count") == v(reg, "caption.figur8.n")
    assert v(reg, "design.completed") + v(reg, "design.afmeldt") == v(reg, "design.sample_n")
    assert v(reg, "design.holds_full_window") == v(reg, "design.n_holds") - 1
    assert v(reg, "design.hold10_weeks_after_end") < v(reg, "design.window_weeks")
    assert "week 34" in reg.loc["tabel1.mean.w34", "note"]


def test_merged_over45_n(reg):
    merged = v(reg, "repr.sample.alder_46_55.count") + v(reg, "repr.sample.alder_over55.count")
    assert v(reg, "caption.figur5.n") == merged == 7


def test_caption_subgroup_ns(reg):
    for a in ("alder_under25", "alder_25_35", "alder_36_45"):
        assert v(reg, f"caption.figur4.n.{a}") == v(reg, f"repr.sample.{a}.count"), a
    age_groups = sum(v(reg, f"caption.figur4.n.{a}") for a in ("alder_under25", "alder_25_35", "alder_36_45"))
    assert age_groups + v(reg, "caption.figur5.n") == v(reg, "caption.figur4.n")
    for k in VISITATION:
        assert v(reg, f"caption.figur6.n.visitation_{k}") == v(reg, f"visitation.{k}.count"), k
    assert v(reg, "caption.figur2.n") == v(reg, "repr.sample.mand.count")
    assert v(reg, "caption.figur3.n") == v(reg, "repr.sample.kvinde.count")
    for k in (1, 4, 6, 7):
        assert v(reg, f"caption.figur{k}.n") == v(reg, "design.completed"), k


def test_tabel3_means_feasible_or_flagged(reg):
    """A mean over n persons is k/n; a printed value no k/n rounds to must be an erratum."""
    for k in VISITATION:
        n = int(v(reg, f"visitation.{k}.count"))
        for tp in TIME_POINTS:
            ref = f"tabel3.mean.visitation_{k}.{tp}"
            printed, note = reg.loc[ref, "printed"], reg.loc[ref, "note"]
            feasible = any(abs(j / n - v(reg, ref)) <= half_unit(printed) + 1e-9 for j in range(10 * n + 1))
            if not feasible:
                assert is_erratum(note) and "impossible" in note, ref
    # Tabel 3 must add up to Tabel 2 (n-weighted); the KH row does not, and says so
    for tp in TIME_POINTS:
        total = sum(s * v(reg, f"tabel2.count.{tp}.{s}") for s in SCORES)
        weighted = sum(v(reg, f"visitation.{k}.count") * v(reg, f"tabel3.mean.visitation_{k}.{tp}")
                       for k in VISITATION)
        if abs(weighted - total) > sum(v(reg, f"visitation.{k}.count") for k in VISITATION) * 0.005:
            assert is_erratum(reg.loc[f"tabel3.mean.visitation_kontant.{tp}", "note"]), tp
    assert reg.loc["tabel3.mean.visitation_kontant.w-26", "source"].startswith("Tablet 3")


def test_subgroup_intercepts_against_overall(reg):
    overall = v(reg, "model.samlet.intercept")
    gender = (v(reg, "repr.sample.mand.count") * v(reg, "model.koen_mand.intercept")
              + v(reg, "repr.sample.kvinde.count") * v(reg, "model.koen_kvinde.intercept")) / 44
    assert gender == pytest.approx(overall, abs=0.01)
    referral = sum(v(reg, f"visitation.{k}.count") * v(reg, f"model.visitation_{k}.intercept") for k in VISITATION) / 44
    assert abs(referral - overall) > 0.1
    assert is_erratum(reg.loc["model.visitation_ressource.intercept", "note"])
    assert "Tabel 3" in reg.loc["model.visitation_ressource.intercept", "note"]


def test_figure_reference_errata_noted(reg):
    assert "should be Figur 7" in reg.loc["model.moduler.intercept", "note"]
    assert "should be Figur 8" in reg.loc["model.afmeldte.intercept", "note"]
