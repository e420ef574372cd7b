"""The reproduction of the printed numbers (analysis.report.reproduction): tolerances, the
comparison of printed and computed numbers, the team order taken from the bundle, the
appendix's summary and tables. One computation serves reproduction.csv and the appendix."""
from __future__ import annotations

from types import SimpleNamespace

import re
import numpy as np
import pandas as pd
import pytest

from analysis.bundle.store import Bundle, BundleWriter
from analysis.disclosure.rules import SUPPRESSED
from analysis.report import reproduction as rp

COLUMNS = ["ref", "value", "printed", "stars", "seed", "source", "line", "note"]


def printed(*rows) -> pd.DataFrame:
    """Printed numbers: (ref, value, printed[, stars])."""
    out = []
    for i, row in enumerate(rows):
        ref, value, text, *stars = row
        out.append({"ref": ref, "value": value, "printed": text, "stars": stars[0] if stars else np.nan,
                    "seed": "004", "source": "Tabel 1", "line": 100 + i, "note": np.nan})
    return pd.DataFrame(out, columns=COLUMNS)


def results(**values) -> pd.DataFrame:
    return pd.DataFrame({"key": [k.replace("__", ".") for k in values], "value": list(values.values()),
                         "page": "p"})


# ---------------------------------------------------------------- tolerances

@pytest.mark.parametrize("ref, text, expected", [
    ("tabel6.mean.w0", "2,81", 0.005),
    ("tabel3.pct", "88,4%", 0.05),
    ("tabel3.pct", "83 %", 0.5),
    ("tabel3.count", "303", 0.0),                 # a count must match exactly
    ("model.samlet.inden.intercept", "2,14", 0.02),
    ("model.samlet.inden.coef", "0,01", 0.04),
    ("text.p47.change_w26", "0,37", 0.04),        # a change of two means
])
def test_tolerance_follows_what_is_printed(ref, text, expected):
    assert rp.tolerance(ref, text) == pytest.approx(expected)


def test_model_tolerance_is_the_editions():
    assert rp.tolerance("model.x.efter.intercept", "2,1", (0.05, 0.06)) == 0.05
    assert rp.tolerance("model.x.efter.coef", "2,1", (0.05, 0.06)) == 0.06


# ---------------------------------------------------------------- the comparison

def test_reproduction_compares_within_tolerance_and_keeps_the_printed_order():
    pub = printed(("b.mean", 2.81, "2,81"), ("a.count", 303, "303"), ("c.none", 1, "1"), ("d.mean", 2.5, "2,50"))
    repro = rp.reproduction(results(a__count=303, b__mean=2.8149, d__mean=2.51), pub, {})
    assert list(repro["ref"]) == ["b.mean", "a.count", "d.mean"]    # c.none: not computed, left out
    assert list(repro["ok"]) == [True, True, False]
    assert repro.loc[0, "source"] == "seed 004, Tabel 1, L100"


def test_hidden_numbers_and_banded_score_counts_are_suppressed():
    pub = printed(("tabel6.count.w0.3", 4, "4"), ("tabel6.count.w0.9", 12, "12"), ("n.small", 2, "2"))
    computed = results(tabel6__count__w0__2_4="x", n__small=SUPPRESSED)
    computed["key"] = computed["key"].str.replace("2_4", "2-4")
    repro = rp.reproduction(computed, pub, {})
    # score 3 is published only in the band 2–4; score 9 is in no band and so not computed
    assert dict(zip(repro["ref"], repro["ok"])) == {"tabel6.count.w0.3": "suppressed", "n.small": "suppressed"}


def test_a_hidden_number_keeps_no_note_that_quotes_its_printed_text():
    """The published comparison file (reproduction.csv) blanked a hidden number but kept the
    extraction note quoting it ('unge ned til 20 år' beside the hidden youngest age)."""
    pub = printed(("alder.min", 20, "20"), ("alder.mean", 33, "33"))
    pub["note"] = ["'unge ned til 20 år'", "'gennemsnitsalderen er 33 år'"]
    repro = rp.reproduction(results(alder__min=SUPPRESSED, alder__mean=33), pub, {}).set_index("ref")
    assert repro.at["alder.min", "published"] == SUPPRESSED and repro.at["alder.min", "note"] == ""
    assert repro.at["alder.mean", "note"] == "'gennemsnitsalderen er 33 år'"


def test_stars_are_compared_for_models_only():
    pub = printed(("model.samlet.efter.coef", 0.1, "0,10", "**"), ("model.samlet.inden.coef", 0.0, "0,00", "*"),
                  ("tabel3.pct", 50.0, "50,0%"))
    computed = results(model__samlet__efter__coef=0.11, model__samlet__inden__coef=0.01, tabel3__pct=50.0)
    computed = pd.concat([computed, pd.DataFrame({"key": ["model.samlet.efter.coef.stars",
                                                          "model.samlet.inden.coef.stars"],
                                                  "value": ["**", ""], "page": "p"})])
    repro = rp.reproduction(computed, pub, {})
    assert list(repro["stars_ok"]) == [True, False, ""]


def test_key_map_names_teams_by_their_place_in_bilag1():
    key_map = rp.published_key_map(["Hold 3", "Hold 1"])
    assert key_map["bilag1.enrolled.pos01"] == "bilag1.enrolled.Hold 3"
    assert key_map["bilag1.register.pos02"] == "bilag1.register.Hold 1"
    assert key_map["tabel1.last_week.hold_3"] == "tabel1.last_week.Hold 3"
    assert key_map["model.alder_over55_p51.efter.coef"] == "model.alder_over55.efter.coef"


# ---------------------------------------------------------------- from the bundle

def write_bundle(tmp_path, teams: list[str] | None):
    w = BundleWriter()
    w.scalar("bilag1.enrolled.Hold 3", 12, page="bilag01")
    w.scalar("bilag1.enrolled.Hold 1", 7, page="bilag01")
    w.scalar("share.pct", 88.449, page="p", kind="percent")
    if teams is not None:
        w.table("bilag1.teams", pd.DataFrame({"fase": ["pilot"] * len(teams)}, index=teams))
    return Bundle.open(w.write(tmp_path / "bundle", {"edition": "e", "min_cell": 3, "inference": "team"}))


def test_a_note_that_names_a_hidden_printed_number_is_left_out():
    """The note beside a shown share quoted the report's '38 mentions', a total the book hides
    (its options then gave the hidden one away: 38 minus the rest)."""
    pub = printed(("aarsag.w2.4.pct", 30, "30 %"), ("aarsag.w2.mentions", 38, "38 angivelser"),
                  ("aarsag.w2.n", 28, "28"))
    pub["note"] = ["base 28 citizens, 38 mentions (l.403)", np.nan, "28 citizens (l.403)"]
    repro = rp.reproduction(results(aarsag__w2__4__pct=28.57, aarsag__w2__mentions=SUPPRESSED, aarsag__w2__n=28),
                            pub, {}).set_index("ref")
    assert repro.at["aarsag.w2.4.pct", "note"] == ""
    assert repro.at["aarsag.w2.n", "note"] == "28 citizens (l.403)"     # names no hidden number
    assert "_printed" not in repro.columns


def test_a_number_shown_under_another_rule_for_disclosure_is_not_compared():
    """A share the book shows as the rounded total where the report sums rounded parts (a
    part is hidden: analysis.survey.stats.DisclosedDistribution.sums_rounded_parts) is
    not compared, and the report's sum is not repeated beside it: on the extract behind the
    report, 8 % beside the book's 7 % would tell how the hidden options split."""
    pub = printed(("survey.retning.w2.1+2+3.pct", 8, "8 %"), ("survey.retning.w2.4+5.pct", 93, "93 %"))
    pub["note"] = ["'8 % er usikre'", np.nan]
    computed = results(**{"survey__retning__w2__1+2+3__pct": 100 * 4 / 57, "survey__retning__w2__4+5__pct": 93.0})
    repro = rp.reproduction(computed, pub, {}, withheld={"survey.retning.w2.1+2+3.pct"}).set_index("ref")
    row = repro.loc["survey.retning.w2.1+2+3.pct"]
    assert row["ok"] == "suppressed" and row["published"] == SUPPRESSED and row["note"] == ""
    assert repro.at["survey.retning.w2.4+5.pct", "ok"] == True  # noqa: E712


def test_compare_uses_the_bundles_team_order_and_printed_precision(tmp_path):
    path = tmp_path / "published.csv"
    printed(("bilag1.enrolled.pos01", 12, "12"), ("bilag1.enrolled.pos02", 7, "7"),
            ("share.pct", 88.4, "88,4%")).to_csv(path, index=False)
    edition = SimpleNamespace(published=path, survey_published=None, key_map=None, model_tolerance=(0.02, 0.04),
                              errata=None)
    bundle = write_bundle(tmp_path, ["Hold 3", "Hold 1"])
    assert rp.team_order(bundle) == ["Hold 3", "Hold 1"]
    repro = rp.compare(bundle, edition)
    assert list(repro["ok"]) == [True, True, True]
    assert repro.loc[2, "computed"] == 88.45   # as the bundle holds it, and so reproduction.csv
    # without Bilag 1's table the teams cannot be placed: those numbers are not compared
    bundle = write_bundle(tmp_path / "no-teams", None)
    assert rp.team_order(bundle) == [] and list(rp.compare(bundle, edition)["ref"]) == ["share.pct"]


# ---------------------------------------------------------------- what the appendix shows

@pytest.fixture()
def repro():
    pub = printed(("a.count", 10, "10"), ("b.mean", 2.5, "2,50"), ("model.m.efter.coef", 0.1, "0,10", "*"),
                  ("c.small", 2, "2"))
    computed = pd.concat([results(a__count=10, b__mean=2.6, model__m__efter__coef=0.11, c__small="x"),
                          pd.DataFrame({"key": ["model.m.efter.coef.stars"], "value": ["*"], "page": "p"})])
    return rp.reproduction(computed, pub, {}), pd.concat([pub, printed(("d.text", 1, "1"))], ignore_index=True)


def test_summary_counts_what_the_appendix_says(repro):
    frame, pub = repro
    assert rp.summary(frame, pub) == {"n_published": 5, "n_compared": 3, "n_ok": 2,
                                      "share_ok": pytest.approx(200 / 3), "n_errata": 0,
                                      "share_feasible": pytest.approx(200 / 3), "n_suppressed": 1,
                                      "n_not_compared": 1, "n_stars": 1, "n_stars_ok": 1}
    # b.mean, the one miss, explained as an erratum: the feasible numbers all reproduce
    explained = rp.summary(frame, pub, {"b.mean": "Ingen data kan give 2,50."})
    assert explained["n_errata"] == 1 and explained["share_feasible"] == pytest.approx(100)
    assert rp.summary(frame, pub)["n_errata"] == 0


def test_tables_of_misses_absent_and_all_comparisons(repro):
    frame, pub = repro
    misses = rp.misses_frame(frame, {"b.mean": "Afrundingsfejl."})
    assert misses.to_dict("records") == [{"Tal": "B: gennemsnit", "Publiceret": "2,5", "Beregnet": "2,6",
                                          "Forklaring": "Afrundingsfejl."}]
    assert rp.misses_frame(frame, {})["Forklaring"][0].startswith("Ikke forklaret")
    absent = rp.absent_frame(frame, pub, {})
    assert list(absent["Tal"]) == ["D: teksten"] and absent["Forklaring"][0] == "Ikke et resultat, rapporten beregner."
    table = rp.comparison_frame(frame)
    assert list(table["Genfundet"]) == ["ja", "nej", "ja", "skjult"]
    assert list(table["Publiceret"]) == ["10", "2,5", "0,1", "x"]    # a hidden number's print is hidden too
    assert list(table["Tolerance"]) == ["0", "0,005", "0,04", "0"]
    assert list(table["Beregnet"]) == ["10", "2,6", "0,11", "x"]
    assert list(table["Nøgle"]) == list(frame["ref"])               # the key stays, for analysts
    summary = rp.group_summary(frame)
    assert summary["Sammenlignet"].sum() == len(frame)
    assert dict(zip(summary["Tal fra"], summary["Skjult"]))["C"] == 1


def test_every_printed_numbers_label_is_danish():
    """reproduktion-alle.csv labelled 8 pilot rows 'mean change' (break test): no label of any
    edition keeps an English key word or an underscore."""
    from analysis.editions import EDITIONS
    from analysis.reference.published import published_numbers
    english = re.compile(r"\b(mean|change|count|share|rate|total|answered|invited|unique|mentions|substantive|"
                         r"neutral|min|max|intercept|coef)\b")
    for name, edition in EDITIONS.items():
        for ref in published_numbers(edition)["ref"]:
            text = re.sub(r"»[^«]*«", "", rp.label(ref, edition))   # the questionnaire's words are Danish
            assert "_" not in text and not english.search(text), (name, ref, text)


def test_reference_keys_and_sources_read_as_danish():
    assert rp.label("tabel4.pilot.completed.pct") == "Tabel 4: pilotfasen, gennemført, andel (%)"
    assert rp.label("model.koen_mand.inden.coef") == "Regressionsmodel: mænd, inden kursus, koefficient"
    assert rp.label("tabel1.last_week.hold_18") == "Tabel 1: sidste uge med data, Hold 18"
    # a survey number names the question and the answers as the questionnaire prints them
    assert rp.label("survey.helbred.w1.5.pct") == ("Spørgeskema: »Hvordan synes du, at dit helbred er alt i "
                                                   "alt?«, før kurset, »Dårligt«, andel (%)")
    assert rp.label("survey.teknik_login.w2.1+2.pct").endswith("»Meget enig« eller »Enig«, andel (%)")
    assert (rp.label("survey.who5_score.w3_vs_w2.diff")
            == "Spørgeskema: trivselsscore (WHO-5), tre måneder efter mod lige efter kurset, forskel")
    # no internal parts: the page of the text, the caption's N, a week with a minus
    assert rp.label("text.p47.change_after_course") == "Teksten s. 47: ændring efter kurset"
    assert rp.label("tabel6.caption_n") == "Tabel 6: N i billedteksten"
    assert rp.label("caption.figur1.n") == "Billedtekst til Figur 1: antal"
    assert rp.label("tabel6.mean.w-26") == "Tabel 6: gennemsnit, uge \u221226"
    assert rp.label("repr.sample.n.count") == "Repræsentativitet: stikprøven, antal"
    # the reader never sees a line of the text extract
    assert rp.source_text("seed 004, Tabel 1, L759") == "Slutevalueringen (2025), Tabel 1"
    assert "L7" not in rp.source_text("seed 000, Tabel 2, L712-718")


def test_explanations_of_the_edition():
    from analysis.editions import EDITIONS
    explained = rp.explanations(EDITIONS["final-2025"])
    assert "Afrundingsfejl" in explained["tabel3.sample.visitation_udd.pct"]
    assert rp.explanations(SimpleNamespace(errata=None)) == {}


def test_an_explanation_that_repeats_a_hidden_printed_number_is_withheld(tmp_path):
    """The pilot's erratum for the preparation reasons quoted the report's '38 angivelser'
    (its total of mentions, which the book hides) beside the shown options: the hidden
    option was 38 minus the rest. An explanation declares the printed numbers it repeats
    (`quotes`) and is withheld where the book hides one of them."""
    from analysis.editions import EDITIONS
    pilot = EDITIONS["pilot-2023"]
    ref, mentions = "survey.forberedelse_aarsag.w2.4.pct", "survey.forberedelse_aarsag.w2.mentions"
    shown = rp.explanations(pilot)
    assert "38 angivelser" in shown[ref]
    withheld = rp.explanations(pilot, hidden={mentions})
    assert withheld[ref] == rp.WITHHELD_EXPLANATION and "38" not in withheld[ref]
    assert withheld["survey.response_rate.w1"] == shown["survey.response_rate.w1"]   # quotes nothing hidden
    # a quoted ref that the edition does not print is an error in the errata file
    bad = tmp_path / "errata.csv"
    pd.DataFrame({"ref": [ref], "forklaring": ["tekst"], "quotes": ["survey.no_such.w2.n"]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="survey.no_such.w2.n"):
        rp.explanations(SimpleNamespace(errata=bad, published=pilot.published,
                                        survey_published=pilot.survey_published))


def test_the_built_pilot_appendix_withholds_the_explanation_quoting_the_hidden_mentions(bundles):
    """On the bundled pilot extract the total of mentions is hidden (an option rests on
    fewer than 3 persons): the appendix's explanation of the preparation reasons is withheld."""
    from analysis.editions import EDITIONS
    pilot = EDITIONS["pilot-2023"]
    repro = rp.compare(Bundle.open(bundles["pilot-2023"]), pilot)
    hidden = set(repro.loc[repro["ok"] == "suppressed", "ref"])
    assert "survey.forberedelse_aarsag.w2.mentions" in hidden
    text = " ".join(rp.explanations(pilot, hidden).values())
    assert "38 angivelser" not in text
    # nor the report's shares of that total (16 % of 38 mentions would give the total back)
    rows = repro.set_index("ref")
    for ref in ("survey.forberedelse_aarsag.w2.4.pct", "survey.forberedelse_aarsag.w2.8.pct"):
        assert rows.at[ref, "ok"] == "suppressed" and rows.at[ref, "published"] == "x", ref
    assert rows.at["survey.forberedelse_aarsag.w2.6.pct", "ok"] == True   # noqa: E712 (no erratum)
