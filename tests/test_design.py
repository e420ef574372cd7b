"""Fremgangsmåde og datagrundlag (analysis.compute.design): the teams' data windows, the
data-quality tables after disclosure control, and what the section publishes."""
from __future__ import annotations

import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.design import (coding_decisions, excluded_weeks_hidden, figure_teams, publish_quality,
                                     publish_teams, set_aside_hidden, team_windows)
from analysis.compute.stage import load_microdata
from analysis.editions import get_edition


def quality_log(persons: list[int]) -> pd.DataFrame:
    return pd.DataFrame({
        "reason": ["enrolled", "not_registered", "no_consent", "no_post_course_data", "no_dream_row",
                   "dream_row_not_enrolled", "register_sample"],
        "description": list("abcdefg"), "persons": persons})


def test_set_aside_never_shows_a_count_under_the_minimum():
    hidden = set_aside_hidden(quality_log([100, 40, 20, 10, 2, 1, 28]), 3)
    assert hidden["no_dream_row"] and hidden["dream_row_not_enrolled"]
    assert hidden["no_post_course_data"]              # secondary: 100 - 40 - 20 - 28 would reveal 2
    assert not hidden["enrolled"] and not hidden["register_sample"] and not hidden["no_consent"]
    assert list(hidden.index) == list(quality_log([0] * 7)["reason"])


def test_set_aside_shows_everything_when_no_cell_is_small():
    assert not set_aside_hidden(quality_log([100, 40, 20, 10, 0, 0, 30]), 3).any()


def test_excluded_weeks_hidden_when_few_persons():
    excluded = pd.DataFrame({"code": ["", "890", "999"], "text": ["blank", "Sygedagpenge", "Død"],
                             "persons": [21, 2, 5], "person_weeks": [35, 12, 40]})
    hidden = excluded_weeks_hidden(excluded, 3)
    assert list(hidden) == [False, True, True]        # the second row, so the total does not reveal the first


def test_team_windows_and_the_figure_teams(extract):
    windows = team_windows(extract)
    assert list(windows["start_week"]) == sorted(windows["start_week"])
    assert set(windows["hold"]) == set(extract.registrations["hold"])
    assert (windows["last_week"] == extract.last_week - windows["start_week"] + 1).all()
    picked = figure_teams(windows, n=4)
    assert len(picked) == 4 and (picked["last_week"] > 0).all()
    with_data = windows[windows["last_week"] > 0]
    assert picked.iloc[0]["hold"] == with_data.iloc[0]["hold"] and picked.iloc[-1]["hold"] == with_data.iloc[-1]["hold"]


def test_coding_decisions_are_the_decision_rows(mapping):
    decided = coding_decisions(mapping)
    assert len(decided) and (decided["rule"] == "decision").all()
    assert len(decided) < len(mapping.table)


def test_what_the_section_publishes_on_the_bundled_extract():
    md = load_microdata(get_edition("final-2025"))
    w = BundleWriter()
    publish_teams(md, w, "fremgangsmaade")
    publish_quality(md, w, "fremgangsmaade")
    scalars = {row["key"]: row for row in w.scalars}
    frames = w.frames()
    tables = frames["tables"]
    value = {key: row["value"] for key, row in scalars.items()}
    assert value["fm.n_teams"] == value["fm.n_teams_full"] + value["fm.n_teams_short"] + value["fm.n_teams_none"]
    availability = tables[tables["table"] == "design.data_availability"]
    assert availability["row"].nunique() == value["fm.n_teams_table"]
    quality = tables[tables["table"] == "design.set_aside"]
    persons = quality[quality["column"] == "persons"].set_index("row")
    assert persons.loc["enrolled", "status"] == "shown"
    for key, reason in (("fm.n_enrolled", "enrolled"), ("fm.n_no_consent", "no_consent")):
        assert scalars[key]["status"] == persons.loc[reason, "status"]
    shown = persons[persons["status"] == "shown"]["value"]
    assert not ((shown > 0) & (shown < md.min_cell)).any()
    figure = frames["series"]
    assert figure["figure"].eq("design.event_time").sum() == value["fm.fig_n_teams"]
