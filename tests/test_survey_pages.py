"""The survey pages in two stages: what analysis.compute.surveys publishes into the statistics
bundle (the answers per question and wave with small cells hidden, the sums of options the
pages quote, the trivselsscore, the paired change, the waves in the extract), and what
analysis.report.surveys and analysis.report.survey_charts make of the bundle alone."""
from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis.bundle.store import Bundle, BundleWriter, printed_p
from analysis.compute import surveys as section
from analysis.compute.stage import compute_bundle, load_microdata
from analysis.disclosure.rules import SUPPRESSED
from analysis.editions import EDITIONS, REPO
from analysis.reference.codebook import load_codebook
from analysis.report import book
from analysis.report import survey_charts as charts
from analysis.report import surveys as sb
from analysis.survey.stats import disclosed_distributions, key_value, score_summary
from analysis.survey.waves import load_survey
from analysis.synthetic.survey import FREE_TEXT

MIN_CELL = 3


@pytest.fixture(scope="module")
def survey(edition, extract):
    return load_survey(edition.data_dir, extract.registrations)


@pytest.fixture(scope="module")
def disclosed(survey):
    return disclosed_distributions(survey, MIN_CELL)


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory, edition) -> Path:
    return compute_bundle(edition, out=tmp_path_factory.mktemp("surveys") / "bundle")


@pytest.fixture(scope="module")
def ctx(bundle_dir):
    return book.context("final-2025", str(bundle_dir))


@pytest.fixture(scope="module")
def no_survey_ctx(tmp_path_factory, edition):
    """The bundle of a copy of the extract without the survey files."""
    data = tmp_path_factory.mktemp("no-surveys")
    for path in edition.data_dir.iterdir():
        if not path.name.startswith("survey_w"):
            shutil.copy(path, data / path.name)
    out = compute_bundle(edition, data=data, out=data.parent / "no-surveys-bundle")
    return book.context("final-2025", str(out))


# --------------------------------------------------------------------------- compute: the bundle

def test_answers_tables_hold_the_disclosed_distributions(ctx, disclosed):
    hidden_cells = 0
    for qid, d in disclosed.items():
        table = ctx.table(f"surveys.answers.{qid}")
        assert list(table.index) == [str(c) for c in d.question.codes] + ["n"]
        assert list(table.columns) == [c for w in d.counts.columns for c in (f"w{w}", f"w{w}.pct")]
        for wave in d.counts.columns:
            assert table.loc["n", f"w{wave}"] == d.n[wave]
            for code in d.question.codes:
                count, pct = table.loc[str(code), f"w{wave}"], table.loc[str(code), f"w{wave}.pct"]
                if d.hidden.loc[code, wave]:
                    hidden_cells += 1
                    assert count == SUPPRESSED and pct == SUPPRESSED, (qid, wave, code)
                else:
                    expected = int(d.counts.loc[code, wave])
                    assert count == (expected if expected else "–"), (qid, wave, code)
                    assert pct == pytest.approx(round(100 * expected / d.n[wave], 2)), (qid, wave, code)
    assert hidden_cells > 0   # the synthetic waves have small cells: the rule is exercised


def test_hidden_cells_keep_neither_value_nor_persons(ctx):
    cells = ctx.bundle.tables[ctx.bundle.tables["table"].str.startswith("surveys.")]
    hidden = cells[cells["status"] == "hidden"]
    assert len(hidden) > 0
    assert hidden["value"].isna().all() and hidden["persons"].isna().all()
    shown_counts = cells[(cells["status"] == "shown") & (cells["kind"] == "count")]
    assert (shown_counts["persons"] == shown_counts["value"]).all()


def test_only_choice_questions_are_published_and_no_free_text(bundle_dir, survey):
    codebook = load_codebook()
    names = set(Bundle.open(bundle_dir).tables["table"])
    answered = {n.removeprefix("surveys.answers.") for n in names if n.startswith("surveys.answers.")}
    assert answered and all(codebook[q].type in ("single", "multi") for q in answered)
    assert not any(codebook[q].type == "text" for q in answered)
    marker = FREE_TEXT.split("{")[0].strip()
    for path in bundle_dir.rglob("*"):
        if path.suffix in (".csv", ".json"):
            assert marker not in path.read_text(encoding="utf-8"), path


def test_the_sums_are_published_as_the_disclosure_rule_gives_them(ctx, disclosed):
    for page, keys in section.SUMS.items():
        for key in keys:
            expected = key_value(disclosed, key)
            assert ctx.bundle.scalars.loc[key, "page"] == page
            if expected == SUPPRESSED:
                assert ctx.value(key) == SUPPRESSED, key
            else:
                assert ctx.value(key) == pytest.approx(round(expected, 2)), key


def test_a_sum_over_part_of_the_hidden_cells_is_published_hidden(survey, disclosed):
    d = disclosed["kompetencer"]
    hidden = list(d.hidden.index[d.hidden[3]])
    assert hidden, "wave 3 of 'kompetencer' has a hidden cell in the synthetic data"
    shown = next(c for c in d.question.codes if c not in hidden)
    key = f"survey.kompetencer.w3.{hidden[0]}+{shown}.pct"
    writer = BundleWriter()
    section.publish_sums(load_microdata(EDITIONS['final-2025']), disclosed, writer, {"resultatmaal2": [key]})
    row = writer.scalars[0]
    assert row["key"] == key and row["status"] == "hidden" and row["persons"] is pd.NA


def test_every_sum_the_chapters_quote_is_computed():
    """A share of several options is not among the keyed results: the chapter's key must be
    in SUMS, or the page stops (glue_share raises KeyError)."""
    from analysis.editions import toc_entries
    # the pilot evaluation's own chapters quote the sums its reference data print (edition_sums)
    pilot_only = set(toc_entries(EDITIONS["pilot-2023"].toc)) - {
        e for name, ed in EDITIONS.items() if name != "pilot-2023" for e in toc_entries(ed.toc)}
    # a chapter shared with the pilot evaluation quotes the pilot's sums in its passages and
    # sections of that edition and its list of keys ("pilot-2023": [...]), the final
    # evaluation's in theirs, and both editions' in the rest
    pilot_toc = set(toc_entries(EDITIONS["pilot-2023"].toc))

    def part(edition: str) -> re.Pattern:
        tag = "edition_" + edition.replace("-", "_")
        return re.compile(rf"(:{{3,}})\{{only\}} {tag}\n.*?\n\1\n|\"{edition}\": \[.*?\]"
                          rf"|\{{\.{tag}\}}\n## .*?(?=\n(?:\{{\.edition_\w+\}}\n)?## |\Z)", re.S)

    def sums(text: str) -> set[str]:
        return {m.group(0) for m in re.finditer(r"survey\.\w+\.w\d\.[\d+]+\.(?:pct|count)", text) if "+" in m.group(0)}

    quoted, quoted_pilot = set(), set()
    for path in (REPO / "chapters").glob("*.md"):
        text = path.read_text()
        if f"chapters/{path.stem}" in pilot_only:
            quoted_pilot |= sums(text)
            continue
        pilot, final = part("pilot-2023"), part("final-2025")
        quoted |= sums(pilot.sub("", text))
        if f"chapters/{path.stem}" in pilot_toc:
            quoted_pilot |= {key for found in pilot.finditer(text) for key in sums(found.group(0))}
            quoted_pilot |= sums(final.sub("", pilot.sub("", text)))
    printed = set(pd.read_csv(EDITIONS["pilot-2023"].survey_published)["ref"])
    assert quoted_pilot and quoted_pilot <= printed, quoted_pilot - printed
    quoted |= {f"survey.{q}.w{w}.{c}.pct" for w in (1, 2, 3)   # resultatmaal2 builds its keys in a loop
               for q, c in (("job_klare", "1+2"), ("kompetencer", "1+2"), ("retning", "1+2+3"))}
    published = {key for keys in section.SUMS.values() for key in keys}
    assert len(quoted) > 30
    assert quoted <= published, quoted - published


def test_the_trivselsscore_per_wave(ctx, survey):
    summary = score_summary(survey)
    for wave in (1, 2, 3):
        assert ctx.value(f"survey.who5_score.w{wave}.mean") == pytest.approx(round(summary.loc["mean", wave], 2))
        assert ctx.value(f"survey.who5_score.w{wave}.n") == summary.loc["n", wave]
        band = 100 * summary.loc["band0", wave] / summary.loc["n", wave]
        assert ctx.value(f"survey.who5_score.w{wave}.band_high.pct") == pytest.approx(round(band, 2))
        assert ctx.bundle.scalars.loc[f"survey.who5_score.w{wave}.band_high.pct", "persons"] == \
            summary.loc["band0", wave]
    assert ctx.value("survey.who5_score.w3_vs_w2.diff") == pytest.approx(
        round(summary.loc["mean", 3] - summary.loc["mean", 2], 2))
    assert (ctx.value("who5.band_high.high"), ctx.value("who5.population")) == (35, 68)


def test_p_values_at_printed_precision():
    assert printed_p(0.0006) == 0.0        # printed '< 0,001', not '0,001'
    assert printed_p(0.00099) == 0.0
    assert printed_p(0.0012) == 0.001
    assert printed_p(0.4796) == 0.48
    assert math.isnan(printed_p(float("nan")))


def test_paired_change_is_hidden_where_the_pairs_are_few(survey):
    writer = BundleWriter()
    section.publish_paired(survey, 55, writer)   # 52 persons answered both before and three months after
    cells = pd.DataFrame(writer.tables)
    few = cells[cells["row"].str.endswith("w1-w3") & cells["column"].isin(["pairs", "change", "p"])]
    many = cells[cells["row"].str.endswith("w1-w2") & cells["column"].eq("pairs")]
    assert len(few) and (few["status"] == "hidden").all() and few["value"].isna().all()
    assert len(many) and (many["status"] == "shown").all()   # 158 pairs (their change: fewer than 55 moved)


def test_paired_change_is_hidden_where_few_moved_one_way(monkeypatch):
    """Issue 14: with few pairs the change and p fix how many rose and fell; they are hidden
    where fewer than min_cell persons rose or fell, or 1..min_cell-1 stayed (the pairs stay
    shown), and the test is not reported as a finding."""
    table = pd.DataFrame({"question": ["kompetencer", "ved_hvad", "retning", "helbred", "overskud"],
                          "first": 2, "second": 3, "test": "wilcoxon", "pairs": [7, 9, 9, 5, 7],
                          "up": [1, 3, 3, 4, 3], "down": [4, 3, 6, 0, 3], "mean_a": 3.0, "mean_b": 2.6,
                          "change": [-0.43, 0.1, -0.9, 0.8, 0.0], "p": [0.18, 0.9, 0.04, 0.25, 1.0]})
    for column in ("answered_a", "answered_b", "valued_a", "valued_b"):   # every respondent paired
        table[column] = table["pairs"]
    monkeypatch.setattr(section, "paired_table", lambda survey: table)
    monkeypatch.setattr(section, "paired_definitions", lambda survey, table, writer: None)   # no survey here
    writer = BundleWriter()
    section.publish_paired(None, MIN_CELL, writer)
    cells = pd.DataFrame(writer.tables).set_index(["row", "column"])
    assert cells.loc[("kompetencer.w2-w3", "pairs"), "status"] == "shown"
    assert cells.loc[("kompetencer.w2-w3", "change"), "status"] == "hidden"
    assert cells.loc[("kompetencer.w2-w3", "p"), "status"] == "hidden"
    assert cells.loc[("kompetencer.w2-w3", "finding"), "text"] == "withheld"
    for row in ("ved_hvad.w2-w3", "retning.w2-w3"):   # 3 rose, 3 fell, 3 stayed; 3 rose, 6 fell
        assert (cells.loc[[(row, c) for c in ("pairs", "change", "p")], "status"] == "shown").all(), row
    assert cells.loc[("retning.w2-w3", "finding"), "text"] == "fall"
    for row in ("helbred.w2-w3", "overskud.w2-w3"):     # none fell (and 1 stayed); 1 stayed
        assert (cells.loc[[(row, c) for c in ("change", "p")], "status"] == "hidden").all(), row
    # nobody falling is no small cell: only the one who stayed hides helbred's change


def test_the_final_editions_paired_changes_under_the_movers_rule(survey):
    """The final edition's pairs are many (52 to 158), but one of its changes rests on two
    persons who fell: 'retning' before -> three months after (29 rose, 2 fell). The rule
    hides that change and p and nothing else of the edition."""
    from analysis.survey.stats import paired_table
    table = paired_table(survey)
    assert (table["pairs"] >= 52).all()
    same = (table["pairs"] - table["up"] - table["down"]).where(table["test"].eq("wilcoxon"), 0)
    few = (table["up"] < MIN_CELL) | (table["down"] < MIN_CELL) | same.between(1, MIN_CELL - 1)
    hidden = {f"{q}.w{a}-w{b}" for q, a, b in table.loc[few, ["question", "first", "second"]].itertuples(index=False)}
    assert hidden == {"retning.w1-w3"}
    writer = BundleWriter()
    section.publish_paired(survey, MIN_CELL, writer)
    cells = pd.DataFrame(writer.tables)
    change = cells[cells["column"].eq("change")].set_index("row")["status"]
    assert set(change.index[change.eq("hidden")]) == hidden


def test_the_waves_of_the_extract(ctx, no_survey_ctx):
    assert sb.wave_status(ctx) == {1: "present", 2: "present", 3: "present"}
    assert sb.wave_status(no_survey_ctx) == {1: "missing", 2: "missing", 3: "missing"}
    assert sb.present_waves(no_survey_ctx) == []


def test_an_extract_without_survey_files_publishes_no_survey_numbers(no_survey_ctx):
    bundle = no_survey_ctx.bundle
    assert not bundle.tables["table"].str.startswith("surveys.answers.").any()
    assert not bundle.has_table("surveys.paired")
    assert not [k for k in bundle.scalars.index if k.startswith(("survey.", "tabel2."))]
    assert no_survey_ctx.value("who5.population") == 68   # reference values stay


# --------------------------------------------------------------------------- render: the pages

def test_glue_share_formats_and_says_when_there_is_no_data(ctx, no_survey_ctx):
    assert sb.glue_share(ctx, "survey.teknik_login.w2.1+2.pct") == "86\u00a0%"
    assert sb.glue_share(ctx, "survey.fravaer.w2.1.count") == "87"
    assert sb.glue_share(ctx, "survey.kompetencer.w3.4.pct") == "(skjult)"
    assert sb.glue_share(no_survey_ctx, "survey.teknik_login.w2.1+2.pct") == "(ingen data)"
    with pytest.raises(KeyError, match="helbred.w1.1\\+5"):
        sb.glue_share(ctx, "survey.helbred.w1.1+5.pct")   # a sum nobody computed stops the page
    with pytest.raises(KeyError):
        sb.glue_share(ctx, "survey.helbred.pct")


def test_change_words_follow_the_paired_tests(ctx, no_survey_ctx):
    """The words for a change between two waves come from the paired test in the bundle
    (its finding and p), never from the shares moving in the figures."""
    paired = ctx.table("surveys.paired")
    for question in ("helbred", "kompetencer"):
        row = paired.loc[f"{question}.w1-w3"]
        assert sb.glue_change(ctx, "c", question) == f"{book.claim(row['finding'], 'better')} ({book.p_text(row['p'])})"
    assert sb.glue_change(no_survey_ctx, "c", "helbred") == book.claim("untested", "better")


def test_answers_as_the_charts_read_them(ctx, no_survey_ctx):
    a = sb.answers(ctx, "helbred")
    assert a.waves == [1, 2, 3] and a.n.tolist() == [218, 220, 65]
    assert a.shares.loc[5, 3] == pytest.approx(4.62)
    assert sb.answers(no_survey_ctx, "helbred") is None
    figure, n_text = sb.wave_figure(no_survey_ctx, "helbred")
    assert n_text == ""
    plt.close(figure)
    figure, n_text = sb.wave_figure(ctx, "helbred")
    assert n_text == "N = 218 før kursus; 220 efter kursus; 65 tre mdr. efter kursus."
    plt.close(figure)


def test_tabel2_from_the_keyed_results(ctx):
    frame = sb.tabel2_frame(ctx)
    # the final edition's surveys are the spread phase's (seed 004, Tabel 2)
    assert list(frame.columns) == ["Spørgeskemaer i udbredelsesfasen", "Før kursus", "Efter kursus",
                                   "3 mdr. efter kursus"]
    assert frame["Efter kursus"].tolist() == ["324 (100\u00a0%)", "220 (68\u00a0%)", "104 (32\u00a0%)"]


def test_the_pilot_evaluations_tabel2_names_the_pilot_phase():
    """Seed 001's surveys are the pilot phase's teams; the table said 'udbredelsesfasen'."""
    from types import SimpleNamespace
    from analysis.editions import EDITIONS
    assert sb.survey_phase(SimpleNamespace(edition=EDITIONS["pilot-2023"])) == "pilotfasen"
    assert sb.survey_phase(SimpleNamespace(edition=EDITIONS["final-2025"])) == "udbredelsesfasen"


def test_paired_frame_prints_p_and_hides_few_pairs(ctx):
    frame = sb.paired_frame(ctx, ["who5_score", "ved_hvad"])
    assert frame["Spørgsmål"].tolist()[:2] == [sb.WHO5_SCORE_LABEL, ""]
    by_row = frame.assign(q=frame["Spørgsmål"].replace("", np.nan).ffill()).set_index(["q", "Runder"])
    assert by_row.loc[(sb.WHO5_SCORE_LABEL, "før – efter"), "p"] == "< 0,001"
    change = ctx.table("surveys.paired").loc["who5_score.w2-w3", "change"]
    assert by_row.loc[(sb.WHO5_SCORE_LABEL, "efter – 3 mdr."), "Ændring"] == book.number(change, 2, sign=True)
    ved_hvad = load_codebook()["ved_hvad"].text
    assert by_row.loc[(ved_hvad, "før – 3 mdr."), "p"] == "< 0,001"   # p = 0.0006
    assert by_row.loc[(ved_hvad, "før – efter"), "p"] == "0,007"


def test_stacked_bars_draw_the_hidden_options_as_one_hatched_rest():
    q = load_codebook()["helbred"]
    shares = pd.Series({1: 50.0, 2: SUPPRESSED, 3: SUPPRESSED, 4: 30.0, 5: 0.0})
    fig = charts.stacked_bars([("Før kursus", shares)], q)
    bars = [p for p in fig.axes[0].patches if p.get_height() == pytest.approx(0.62)]
    hatched = [p for p in bars if p.get_hatch()]
    assert [round(p.get_width(), 6) for p in bars if not p.get_hatch()] == [50.0, 30.0]
    assert len(hatched) == 1 and hatched[0].get_width() == pytest.approx(20.0) and hatched[0].get_x() == 80.0
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["50\u00a0%", "30\u00a0%"]
    plt.close(fig)


def test_choice_bars_mark_hidden_options():
    q = load_codebook()["fravaer_aarsag"]
    shares = pd.Series({code: (SUPPRESSED if code == 2 else 10.0 * code) for code in q.codes})
    fig = charts.choice_bars(shares, q)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("skjult") == 1 and "10\u00a0%" in texts and len(texts) == len(q.codes)
    plt.close(fig)


def test_numbers_resting_on_few_persons_are_hidden(survey):
    writer = BundleWriter()
    section.publish_who5(survey, 66, writer)      # 65 persons answered all five items three months after
    status = {row["key"]: row["status"] for row in writer.scalars}
    assert status["survey.who5_score.w3.mean"] == status["survey.who5_score.w3.n"] == "hidden"
    assert status["survey.who5_score.w3_vs_w2.diff"] == "hidden"
    assert status["survey.who5_score.w2.mean"] == "shown"
    d = disclosed_distributions(survey, 90)["fravaer_antal"]   # asked of the 87 with absence
    values, persons, hidden = section.answers_table(d)
    assert hidden.loc["n"].all() and values.loc["n", "w2"] == 87
