from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.report import book
from analysis.report import subgroups as sg
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import EDITIONS
from analysis.register.models import GROUP_BY_KEY, run_models


def estimates(values: dict, published: dict | None = None, stars: dict | None = None) -> pd.DataFrame:
    """Two-point rows for one group: values {(period, term): estimate}."""
    rows = []
    for (period, term), value in values.items():
        rows.append({"group": "g", "model": "two_point", "period": period, "term": term, "estimate": value,
                     "stars": (stars or {}).get((period, term), "***"),
                     "published": (published or {}).get((period, term), True)})
    return pd.DataFrame(rows)


FULL = {("inden", "intercept"): 2.8, ("inden", "coef"): -0.6, ("efter", "intercept"): 2.2, ("efter", "coef"): 1.5}


def shown(values=FULL, published=None, stars=None, key="koen_mand"):
    return sg.Shown(GROUP_BY_KEY[key], "label", sg.colour(key), estimates(values, published, stars))


def test_segments_run_from_minus_26_through_0_to_26():
    lines = shown().segments(26, 26)
    assert lines[0] == (-26, 2.8, 0, 2.2)
    assert lines[1][:3] == (0, 2.2, 26) and lines[1][3] == pytest.approx(3.7)


def test_segments_skip_withheld_estimates_and_missing_periods():
    withheld = shown(published={("efter", "coef"): False})
    assert withheld.segments(26, 26) == [(-26, 2.8, 0, 2.2)]
    assert withheld.value("efter", "coef") == SUPPRESSED and withheld.has_model and not withheld.complete
    only_before = {k: v for k, v in FULL.items() if k[0] == "inden"}
    none_shown = shown(only_before, published={k: False for k in only_before})
    assert none_shown.segments(26, 26) == [] and not none_shown.has_model
    # the 'inden' half alone is not a model to show, even when it may be published
    assert not shown(only_before).has_model
    assert none_shown.value("efter", "intercept") == SUPPRESSED and sg.value(None, "inden", "coef") == SUPPRESSED


def test_colours_follow_the_report_and_merged_groups_take_the_first_member():
    assert sg.colour("koen_mand") == book.COLORS["red"] and sg.colour("koen_kvinde") == book.COLORS["blue"]
    assert sg.colour("fase_pilot") == book.COLORS["red"] and sg.colour("fase_udbredelse") == book.COLORS["blue"]
    assert sg.colour("samlet") == book.COLORS["red"] and sg.colour("afmeldte") == book.COLORS["blue"]
    assert sg.colour("visitation_andet") == book.COLORS["blue"]
    assert sg.colour("alder_46_55+alder_over55") == sg.colour("alder_46_55")
    assert sg.colour_name("koen_mand") == "rød" and sg.colour_name("koen_kvinde") == "blå"
    ages = [k for k in sg.COLOURS if k.startswith("alder_")]
    assert len({sg.colour(k) for k in ages}) == len(ages)   # every age group its own colour


def test_table_names_are_valid_labels():
    assert sg.table_name("alder_46_55+alder_over55") == "tabel-model-alder-46-55-alder-over55"
    assert sg.table_name("koen_mand") == "tabel-model-koen-mand"


@pytest.mark.parametrize("stars, words", [("***", "statistisk signifikant"), ("*", "statistisk signifikant"),
                                          ("", "ikke statistisk signifikant")])
def test_significance_words_follow_the_stars(stars, words):
    assert sg.significance(stars) == words
    assert sg.significance(SUPPRESSED) != words


def test_comparisons_follow_the_numbers():
    assert sg.compare(2.51, 1.97, "højere", "lavere", "ens") == "højere"
    assert sg.compare(1.97, 2.51, "højere", "lavere", "ens") == "lavere"
    assert sg.compare(1.47, 1.43, "større", "mindre", "ens") == "ens"
    assert sg.compare(-0.82, -0.33, "større", "mindre", "ens", magnitude=True) == "større"
    assert sg.compare(SUPPRESSED, 1.0) == "ikke sammenlignelig"
    assert sg.scope([True, True]) == "alle" and sg.scope([True, True, False]) == "de fleste af"
    assert sg.scope([True, False, False]) == "nogle af" and sg.scope([False]) == "ingen af"
    assert sg.direction(-0.67) == "falder" and sg.direction(SUPPRESSED) == "ændrer sig"
    assert sg.change_phrase(-1.0) == "det største fald" and sg.change_phrase(0.25) == "den mindste stigning"
    assert book.join(["a", "b", "c"]) == "a, b og c" and book.join(["a"]) == "a"


def test_joint_direction_phrase():
    assert sg.joint([("mænd", 1.5), ("kvinder", 1.4)]) == "stiger scoren for både mænd og kvinder"
    assert sg.joint([("mænd", 1.5), ("kvinder", -0.2)]) == "stiger scoren for mænd, mens den falder for kvinder"
    assert sg.joint([("a", 1), ("b", 1), ("c", 1)], prep="i") == "stiger scoren i a, b og c"


def test_extreme_ignores_withheld_estimates():
    big = shown({**FULL, ("efter", "coef"): 3.0}, published={("efter", "coef"): False})
    small = shown(FULL)
    assert sg.extreme([big, small], "efter", "coef") is small
    assert sg.extreme([big], "efter", "coef") is None


# ---------------------------------------------------------------- on the synthetic extract

def context(panel, min_cell):
    models = run_models(panel, inference="iid", min_cell=min_cell)
    return SimpleNamespace(panel=panel, models=models, min_cell=min_cell, edition=EDITIONS["final-2025"],
                           inference="iid")


@pytest.fixture(scope="module")
def ctx3(panel):
    return context(panel, 3)


@pytest.fixture(scope="module")
def ctx12(panel):
    return context(panel, 12)


def test_partitions_at_the_default_minimum(ctx3):
    assert [s.key for s in sg.partition(ctx3, "koen")] == ["koen_mand", "koen_kvinde"]
    ages = sg.partition(ctx3, "aldersgruppe")
    assert ages[-1].key == "alder_over55" and not sg.merged(ages)
    visitation = {s.key: s for s in sg.partition(ctx3, "visitationskategori")}
    # "Andet" is shown as a line (3 persons) but has no publishable model
    assert not visitation["visitation_andet"].has_model
    assert all(s.complete for k, s in visitation.items() if k != "visitation_andet")
    assert sg.last_week(visitation["visitation_andet"], ctx3.panel, 3) == 10
    assert sg.hidden(ctx3, "visitationskategori") == []
    completers, dropped = sg.by_keys(ctx3, ["samlet", "afmeldte"], labels={"samlet": "Gennemførte"})
    assert completers.label == "Gennemførte" and dropped.persons(ctx3.panel) == 35


def test_a_stricter_minimum_merges_ages_and_hides_small_categories(ctx12):
    ages = sg.partition(ctx12, "aldersgruppe")
    assert [s.key for s in sg.merged(ages)] == ["alder_46_55+alder_over55"]
    assert ages[-1].complete
    visitation = [s.key for s in sg.partition(ctx12, "visitationskategori")]
    assert "visitation_andet" not in visitation
    assert [g.key for g in sg.hidden(ctx12, "visitationskategori")] == ["visitation_andet"]


def test_figure_lines_never_rest_on_fewer_than_the_minimum(ctx3):
    for label, frame, colour in sg.series(ctx3, sg.partition(ctx3, "visitationskategori")):
        assert (frame["persons"] >= 3).all()
    andet = [f for label, f, c in sg.series(ctx3, sg.partition(ctx3, "visitationskategori")) if label == "Andet"][0]
    assert andet["week"].max() == 10 and -26 not in set(andet["week"])   # only 2 with a score at -26


def test_segments_reproduce_the_group_means(ctx3):
    """The model line ends at the group's mean score 26 weeks after start."""
    men = sg.partition(ctx3, "koen")[0]
    scored = men.group.select(ctx3.panel)
    scored = scored[scored["score"].notna()]
    end = scored.loc[scored["week"] == 26, "score"].astype(float).mean()
    assert men.segments(26, 26)[1][3] == pytest.approx(end)
    assert np.isclose(men.segments(26, 26)[0][3], scored.loc[scored["week"] == 0, "score"].astype(float).mean())


def test_size_rank(ctx3, ctx12):
    ages = sg.partition(ctx3, "aldersgruppe")
    by = {s.key: s for s in ages}
    assert sg.size_rank(by["alder_over55"], ages, ctx3.panel) == "den mindste"      # 10 persons
    assert sg.size_rank(by["alder_under25"], ages, ctx3.panel) == "den næstmindste"  # 21
    assert sg.size_rank(by["alder_25_35"], ages, ctx3.panel) == "den største"        # 118
    merged = sg.partition(ctx12, "aldersgruppe")
    assert sg.size_rank(merged[-1], merged, ctx12.panel) == "den næstmindste"       # 45 after 21


def test_bilag14_keeps_a_table_for_an_age_group_whose_estimates_are_all_withheld(panel):
    """At a minimum of 20 'Under 25 år' (21 persons) stays a group, but no week has 20 with a
    score: it has no publishable estimate, yet it is estimated and gets a table of x."""
    ctx = context(panel, 20)
    under25 = sg.partition(ctx, "aldersgruppe")[0]
    assert under25.key == "alder_under25" and under25.estimated and not under25.has_model
    assert book.model_table(under25.estimates, under25.label)["Estimat"].isin(["x", ""]).all()
