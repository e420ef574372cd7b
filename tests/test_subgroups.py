from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.bundle.store import Bundle, BundleWriter
from analysis.compute import subgroups as compute
from analysis.compute.sections import estimates_frame
from analysis.report import book
from analysis.report import subgroups as sg
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import EDITIONS
from analysis.register.models import GROUP_BY_KEY, run_edition_models

FINAL = EDITIONS["final-2025"]


def estimates(values: dict, published: dict | None = None, stars: dict | None = None) -> pd.DataFrame:
    """Two-point rows for one group: values {(period, term): estimate}."""
    rows = []
    for (period, term), value in values.items():
        rows.append({"group": "g", "model": "two_point", "period": period, "term": term, "estimate": value,
                     "stars": (stars or {}).get((period, term), "***"),
                     "published": (published or {}).get((period, term), True)})
    return pd.DataFrame(rows)


FULL = {("inden", "intercept"): 2.8, ("inden", "coef"): -0.6, ("efter", "intercept"): 2.2, ("efter", "coef"): 1.5}


def shown(values=FULL, published=None, stars=None, key="koen_mand", persons=10):
    return sg.Shown(key, "label", persons, sg.colour(key), estimates(values, published, stars),
                    estimated=True, has_model=True)


def test_segments_run_from_minus_26_through_0_to_26():
    lines = shown().segments(26, 26)
    assert lines[0] == (-26, 2.8, 0, 2.2)
    assert lines[1][:3] == (0, 2.2, 26) and lines[1][3] == pytest.approx(3.7)


def test_segments_skip_withheld_estimates_and_missing_periods():
    withheld = shown(published={("efter", "coef"): False})
    assert withheld.segments(26, 26) == [(-26, 2.8, 0, 2.2)]
    assert withheld.value("efter", "coef") == SUPPRESSED and withheld.stars("efter", "coef") == SUPPRESSED
    assert not withheld.complete
    only_before = {k: v for k, v in FULL.items() if k[0] == "inden"}
    none_shown = shown(only_before, published={k: False for k in only_before})
    assert none_shown.segments(26, 26) == []
    assert none_shown.value("efter", "intercept") == SUPPRESSED and sg.value(None, "inden", "coef") == SUPPRESSED


def test_colours_follow_the_report_and_merged_groups_take_the_first_member():
    # one colour-blind-safe palette (issue 15): the report's red/blue pairs become blue/orange,
    # the whole group of completers is black
    assert sg.colour("koen_mand") == book.SERIES[0] and sg.colour("koen_kvinde") == book.SERIES[1]
    assert sg.colour("fase_pilot") == book.SERIES[0] and sg.colour("fase_udbredelse") == book.SERIES[1]
    assert sg.colour("samlet") == book.COLORS["black"] and sg.colour("afmeldte") == book.SERIES[1]
    assert book.COLORS["red"] not in {sg.colour(k) for k in sg.COLOURS}
    assert sg.colour("alder_46_55+alder_over55") == sg.colour("alder_46_55")
    assert sg.colour_name("koen_mand") == "blå" and sg.colour_name("koen_kvinde") == "orange"
    ages = [k for k in sg.COLOURS if k.startswith("alder_")]
    assert len({sg.colour(k) for k in ages}) == len(ages)   # every age group its own colour


def test_table_names_are_valid_labels():
    assert sg.table_name("alder_46_55+alder_over55") == "tabel-model-alder-46-55-alder-over55"
    assert sg.table_name("koen_mand") == "tabel-model-koen-mand"


def test_scope_counts_significant_findings():
    assert sg.scope(["rise", "rise"]) == "alle" and sg.scope(["rise", "rise", "none"]) == "de fleste af"
    assert sg.scope(["rise", "none", "fall"]) == "nogle af" and sg.scope(["none"]) == "ingen af"
    assert book.join(["a", "b", "c"]) == "a, b og c" and book.join(["a"]) == "a"


def test_scope_clause_says_all_some_or_none_from_the_tests():
    groups = "aldersgrupperne"
    assert sg.scope_clause(["rise"] * 3, groups) == "stiger scoren signifikant i alle aldersgrupperne"
    assert sg.scope_clause(["rise", "rise", "none"], groups) == \
        "stiger scoren signifikant i de fleste af aldersgrupperne, mens den ikke ændrer sig signifikant i de øvrige"
    assert sg.scope_clause(["none", "rise", "none"], groups) == \
        "stiger scoren signifikant i nogle af aldersgrupperne, mens den ikke ændrer sig signifikant i de øvrige"
    assert sg.scope_clause(["none", "none"], groups) == "ændrer scoren sig ikke signifikant i nogen af aldersgrupperne"
    assert sg.scope_clause(["none", "none", "untested"], groups) == \
        "ændrer scoren sig ikke signifikant i de fleste af aldersgrupperne, og i de øvrige kan ændringen ikke testes"
    assert sg.scope_clause([], groups) == "kan ændringen ikke testes i nogen af aldersgrupperne"
    assert sg.scope_clause(["fall", "rise", "none"], groups, subject="beskæftigelsesscoren") == (
        "stiger beskæftigelsesscoren signifikant i nogle af aldersgrupperne, mens den falder signifikant i nogle "
        "af dem og den ikke ændrer sig signifikant i de øvrige")
    for findings in (["none"], ["rise", "none"], ["fall"], ["none", "untested"]):   # never "stiger ... i ingen af"
        clause = sg.scope_clause(findings, groups)
        assert "ingen af" not in clause and ("stiger" in clause) == ("rise" in findings)


def test_joint_phrase_follows_the_tests():
    assert sg.joint([("mænd", "rise"), ("kvinder", "rise")]) == "stiger scoren signifikant for både mænd og kvinder"
    assert sg.joint([("mænd", "rise"), ("kvinder", "none")]) == \
        "stiger scoren signifikant for mænd, mens den ikke ændrer sig signifikant for kvinder"
    assert sg.joint([("pilotfasen", "none"), ("udbredelsesfasen", "rise")], subject="beskæftigelsesscoren",
                    prep="i") == ("ændrer beskæftigelsesscoren sig ikke signifikant i pilotfasen, "
                                  "mens den stiger signifikant i udbredelsesfasen")
    assert sg.joint([("a", "rise"), ("b", "rise"), ("c", "rise")], prep="i") == "stiger scoren signifikant i a, b og c"


def test_a_withheld_estimate_has_no_finding_and_no_test():
    withheld = shown(published={("efter", "coef"): False})
    assert withheld.finding("efter", "coef") == "untested"
    assert withheld.test("efter", "coef") == "ikke vist af hensyn til diskretionen"


def test_size_rank_orders_by_the_published_persons():
    groups = [shown(key="alder_under25", persons=21), shown(key="alder_25_35", persons=118),
              shown(key="alder_over55", persons=10)]
    assert [sg.size_rank(s, groups) for s in groups] == ["den næstmindste", "den største", "den mindste"]
    # a size the audit hid is not ranked (the rank would tell more than the 'x')
    hidden = groups[:2] + [shown(key="alder_over55", persons=None)]
    assert sg.size_rank(hidden[0], hidden) == ""


# ---------------------------------------------------------------- compute: which groups have a model

def model_rows(periods: dict[str, bool], model: str = "two_point") -> pd.DataFrame:
    """Rows of a models frame: {period: published} with an intercept and a coefficient each."""
    return pd.DataFrame([{"model": model, "period": p, "term": t, "published": ok}
                         for p, ok in periods.items() for t in ("intercept", "coef")])


def test_a_model_table_needs_both_models_and_one_publishable_estimate():
    both = model_rows({"inden": True, "efter": True})
    assert compute.estimated(both, "two_point") and compute.has_model(both, "two_point")
    withheld = model_rows({"inden": False, "efter": False})
    assert compute.estimated(withheld, "two_point") and not compute.has_model(withheld, "two_point")
    # no data 26 weeks after start: no 'efter' model, so no table even though 'inden' may be shown
    before = model_rows({"inden": True})
    assert not compute.estimated(before, "two_point") and not compute.has_model(before, "two_point")
    # the weekly models do not make a two-point table
    weekly = model_rows({"inden": True, "efter": True}, model="weekly")
    assert not compute.has_model(weekly, "two_point")
    level = model_rows({"": True}, model="level_shift")
    assert compute.estimated(level, "level_shift") and compute.has_model(level, "level_shift")
    assert not compute.has_model(model_rows({"": False}, model="level_shift"), "level_shift")


# ---------------------------------------------------------------- on the synthetic extract, through a bundle

def microdata(panel, min_cell, extract):
    return SimpleNamespace(edition=FINAL, panel=panel, min_cell=min_cell, inference="iid", extract=extract,
                           models=run_edition_models(panel, FINAL, "iid", min_cell))


def rendered(md, directory) -> book.Context:
    """Compute the subgroups section into a bundle and open it as a chapter does."""
    w = BundleWriter()
    w.add_estimates(estimates_frame(md.models, md.inference))
    compute.publish(md, w)
    w.write(directory, {"edition": md.edition.name, "min_cell": md.min_cell, "inference": md.inference})
    return book.Context(md.edition, Bundle.open(directory, md.edition.name))


@pytest.fixture(scope="module")
def ctx3(panel, extract, tmp_path_factory):
    return rendered(microdata(panel, 3, extract), tmp_path_factory.mktemp("min3"))


@pytest.fixture(scope="module")
def ctx12(panel, extract, tmp_path_factory):
    return rendered(microdata(panel, 12, extract), tmp_path_factory.mktemp("min12"))


def test_partitions_at_the_default_minimum(ctx3, panel):
    assert [s.key for s in sg.partition(ctx3, "koen")] == ["koen_mand", "koen_kvinde"]
    ages = sg.partition(ctx3, "aldersgruppe")
    assert ages[-1].key == "alder_over55" and not sg.merged(ages)
    assert [s.persons for s in ages] == [int(GROUP_BY_KEY[s.key].select(panel)["pnr"].nunique()) for s in ages]
    visitation = {s.key: s for s in sg.partition(ctx3, "visitationskategori")}
    # "Andet" is shown as a line (3 persons) but has no publishable model
    assert not visitation["visitation_andet"].has_model and visitation["visitation_andet"].persons == 3
    assert all(s.has_model and s.complete for k, s in visitation.items() if k != "visitation_andet")
    assert sg.hidden(ctx3, "visitationskategori") == []
    completers, dropped = sg.by_keys(ctx3, ["samlet", "afmeldte"], labels={"samlet": "Gennemførte"})
    assert completers.label == "Gennemførte" and dropped.persons == 35 and ctx3.value("caption.figur7.n") == 35


def test_the_prose_numbers_of_the_subgroup_pages(ctx3):
    assert ctx3.value("nomodel.visitation_andet.n") == 3
    assert ctx3.value("nomodel.visitation_andet.last_week") == 10   # its line stops at week 10
    assert not ctx3.has("nomodel.koen_mand.n")
    assert ctx3.value("alder.aeldste.group") == "alder_over55" and ctx3.value("alder.aeldste.n") == 10
    assert ctx3.value("alder.n_groups") == 5 and ctx3.value("bilag14.n_groups") == 5
    assert ctx3.value("caption.figur3.n") == ctx3.value("caption.figur6.n") == sg.by_keys(ctx3, ["samlet"])[0].persons
    note = sg.no_model_note(ctx3, "visitationskategori")
    assert "”Andet” omfatter kun {glue:text}`nomodel.visitation_andet.n` kursister" in note
    assert "{glue:text}`nomodel.visitation_andet.last_week`" in note
    assert sg.no_model_note(ctx3, "koen") == ""


def test_a_stricter_minimum_merges_ages_and_hides_small_categories(ctx12):
    ages = sg.partition(ctx12, "aldersgruppe")
    assert [s.key for s in sg.merged(ages)] == ["alder_46_55+alder_over55"]
    assert ages[-1].complete and ages[-1].persons == 45
    assert sg.size_rank(ages[-1], ages) == "den næstmindste"       # 45 after 21
    visitation = [s.key for s in sg.partition(ctx12, "visitationskategori")]
    assert "visitation_andet" not in visitation
    assert sg.hidden(ctx12, "visitationskategori") == ["Andet"]
    table = sg.groups(ctx12)
    assert table.loc["visitation_andet", ["shown", "persons"]].tolist() == ["no", SUPPRESSED]
    assert table.loc["alder_46_55+alder_over55", ["merged", "members"]].tolist() == ["yes", "alder_46_55 + alder_over55"]
    assert not {"alder_46_55", "alder_over55"} & set(table.index)   # the members are not rows of their own
    assert "har færre end {glue:text}`min_cell` kursister" in sg.no_model_note(ctx12, "visitationskategori")


def test_figure_lines_never_rest_on_fewer_than_the_minimum(ctx3, ctx12):
    for ctx, floor in ((ctx3, 3), (ctx12, 12)):
        assert (ctx.figure(sg.WEEKLY_FIGURE)["persons"] >= floor).all()
    andet = [f for label, f, c in sg.series(ctx3, sg.partition(ctx3, "visitationskategori")) if label == "Andet"][0]
    assert andet["week"].max() == 10 and -26 not in set(andet["week"])   # only 2 with a score at -26
    # a group the rule does not show has no line either
    assert "visitation_andet" not in set(ctx12.figure(sg.WEEKLY_FIGURE)["series"])


def test_weekly_lines_are_the_group_means(ctx3, panel):
    women = GROUP_BY_KEY["koen_kvinde"].select(panel)
    women = women[women["score"].notna()]
    line = sg.weekly(ctx3, "koen_kvinde").set_index("week")
    expected = women.groupby("week")["score"].apply(lambda s: s.astype(float).mean())
    assert np.allclose(line["mean"], expected.loc[line.index], atol=0.005)   # published at two decimals
    assert (line["persons"] == women.groupby("week")["pnr"].nunique().loc[line.index]).all()


def test_segments_reproduce_the_group_means(ctx3, panel):
    """The model line ends at the group's mean score 26 weeks after start."""
    men = sg.partition(ctx3, "koen")[0]
    scored = GROUP_BY_KEY["koen_mand"].select(panel)
    scored = scored[scored["score"].notna()]
    end = scored.loc[scored["week"] == 26, "score"].astype(float).mean()
    assert men.segments(26, 26)[1][3] == pytest.approx(end, abs=0.01)
    start = scored.loc[scored["week"] == 0, "score"].astype(float).mean()
    assert men.segments(26, 26)[0][3] == pytest.approx(start, abs=0.005)


def test_bilag14_keeps_a_table_for_an_age_group_whose_estimates_are_all_withheld(panel, extract, tmp_path):
    """At a minimum of 20 'Under 25 år' (21 persons) stays a group, but no week has 20 with a
    score: it has no publishable estimate, yet it is estimated and gets a table of x."""
    ctx = rendered(microdata(panel, 20, extract), tmp_path)
    under25 = sg.partition(ctx, "aldersgruppe")[0]
    assert under25.key == "alder_under25" and under25.estimated and not under25.has_model
    assert book.model_table(under25.estimates, under25.label)["Estimat"].isin(["x", ""]).all()
    assert ctx.value("bilag14.n_groups") == len(sg.partition(ctx, "aldersgruppe"))
    assert ctx.value("alder.aeldste.group") != "alder_under25"
