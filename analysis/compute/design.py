"""Fremgangsmåde og datagrundlag (and its sections): the analysis window and the other design
settings the page quotes, the teams' data availability (Tabel 1, the event-time figure and
the teams without data after their course start), the citizens set aside and the excluded
person-weeks (after disclosure control), and the counts of the score scale and the coding
decisions (from the public score mapping)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bundle.store import BundleWriter
from analysis.compute.stage import Microdata
from analysis.disclosure.audit import Count
from analysis.compute import universes as u
from analysis.disclosure.rules import SUPPRESSED, suppress_counts
from analysis.reference.scoring import SCALE_LABELS, ScoreMapping
from analysis.register.extract import Extract
from analysis.register.panel import excluded_weeks, last_week_with_data

# Design facts of the evaluation that are not in the data (seed 004, p. 16-17)
SURVEY_WAVES = 3            # before, right after and some months after the course
SURVEY_FOLLOWUP_MONTHS = 3  # the third wave is sent three months after the course
FIGURE_TEAMS = 4            # teams drawn in the event-time figure
# reasons of the data-quality log (Extract.quality) that are not steps from the enrolled
# citizens to the register sample
NOT_ADDITIVE = ("enrolled", "dream_row_not_enrolled")


def team_windows(extract: Extract) -> pd.DataFrame:
    """Per team, in order of course start: hold, fase, start (ISO week label), start_week
    (week index of the first course week) and last_week (the last week relative to the
    course start with register data; week 1 is the first course week)."""
    windows = last_week_with_data(extract)
    starts = extract.registrations.groupby("hold", sort=False)["start_week"].first()
    windows["start_week"] = windows["hold"].map(starts).astype(int)
    return windows.sort_values("start_week", kind="stable").reset_index(drop=True)


def figure_teams(windows: pd.DataFrame, n: int = FIGURE_TEAMS) -> pd.DataFrame:
    """The teams the event-time figure draws: `n` teams spread evenly (in order of course
    start) over those with data after their course start."""
    with_data = windows[windows["last_week"] > 0].reset_index(drop=True)
    if with_data.empty:
        return with_data
    return with_data.iloc[sorted(set(np.linspace(0, len(with_data) - 1, n).round().astype(int)))]


def set_aside_hidden(quality: pd.DataFrame, min_cell: int) -> pd.Series:
    """Which reasons of the data-quality log (`Extract.quality`: reason, persons) are
    hidden, indexed by reason.

    The reasons for setting a citizen aside and the register sample add up to the
    enrolled total, which is shown, so a single hidden reason gets a second hidden cell
    (`suppress_counts` with totals shown). DREAM rows without an enrolment are counted
    apart (they are not enrolled); the enrolled total is always shown."""
    q = quality.set_index("reason")[["persons"]]
    additive = [r for r in q.index if r not in NOT_ADDITIVE]
    hidden = suppress_counts(q.loc[additive], min_cell).suppressed["persons"]
    if "dream_row_not_enrolled" in q.index:
        apart = suppress_counts(q.loc[["dream_row_not_enrolled"]], min_cell, totals_shown=False)
        hidden = pd.concat([hidden, apart.suppressed["persons"]])
    return hidden.reindex(q.index, fill_value=False).astype(bool)


def excluded_weeks_hidden(excluded: pd.DataFrame, min_cell: int) -> pd.Series:
    """Which rows of the excluded person-weeks by DREAM code (`register.excluded_weeks`:
    code, text, persons, person_weeks) are hidden: a row resting on fewer than `min_cell`
    persons, and a second row when the shown total would reveal it. A hidden row hides
    its persons and its person-weeks."""
    frame = excluded.reset_index(drop=True)
    return suppress_counts(frame[["persons"]], min_cell).suppressed["persons"].astype(bool)


def set_aside_definition(md: Microdata, reason: str):
    """A row of the data-quality log as a cell of the enrolled citizens (the DREAM rows
    without an enrolment are no enrolled citizens: no definition)."""
    if reason == "enrolled":
        return Count(u.enrolled_cell(md))
    if reason == "register_sample":
        return Count(u.enrolled_cell(md, sample=True))
    return Count(u.enrolled_cell(md, reason=reason)) if reason in u.REASONS else None


def coding_decisions(mapping: ScoreMapping) -> pd.DataFrame:
    """The codes of the score mapping whose score is our own decision (rule 'decision')."""
    return mapping.table[mapping.table["rule"] == "decision"]


# ---------------------------------------------------------------- the bundle

def publish_settings(md: Microdata, w: BundleWriter, page: str) -> None:
    ed = md.edition
    for key, value in (("fm.weeks_before", ed.weeks_before), ("fm.weeks_after", ed.weeks_after),
                       ("fm.course_weeks", ed.course_weeks), ("fm.first_course_week", 1),
                       ("fm.week_before_course", 0), ("fm.first_window_week", -ed.weeks_before),
                       ("fm.survey_waves", SURVEY_WAVES), ("fm.survey_followup_months", SURVEY_FOLLOWUP_MONTHS),
                       ("fm.min_cell", md.min_cell), ("fm.scale_min", min(SCALE_LABELS)),
                       ("fm.scale_max", max(SCALE_LABELS)), ("fm.scale_steps", len(SCALE_LABELS))):
        w.scalar(key, value, page=page, kind="setting")


def publish_teams(md: Microdata, w: BundleWriter, page: str) -> None:
    """Tabel 1 (teams whose data end inside the analysis window), the teams without data
    after their course start and the teams of the event-time figure. Course starts and
    data windows are facts about teams (Bilag 1 shows them), not counts of persons."""
    after = md.edition.weeks_after
    windows = team_windows(md.extract)
    last = windows["last_week"]
    cut = windows[(last > 0) & (last <= after)]
    none = windows[last <= 0]
    for key, value in (("fm.n_teams", len(windows)), ("fm.n_teams_full", int((last >= after).sum())),
                       ("fm.n_teams_short", int((cut["last_week"] < after).sum())),
                       ("fm.n_teams_none", len(none)), ("fm.n_teams_table", len(cut))):
        w.scalar(key, value, page=page, kind="count", of="teams")
    for team, weeks in zip(cut["hold"], cut["last_week"]):
        w.scalar(f"tabel1.last_week.{team}", int(weeks), page=page, kind="number", decimals=0)
    w.table("design.data_availability", cut.set_index("hold")[["fase", "start", "last_week"]].astype(object),
            kinds={"fase": "text", "start": "text", "last_week": "number"}, decimals={"last_week": 0})
    w.table("design.teams_without_data", none.set_index("hold")[["fase", "start"]].astype(object), kinds="text")
    picked = figure_teams(windows)
    w.scalar("fm.fig_n_teams", len(picked), page=page, kind="count", of="teams")
    for team in picked.itertuples():
        w.add_series("design.event_time", team.hold, pd.DataFrame({"x": [team.start_week], "y": [team.last_week]}),
                     persons=None, decimals=0)


def publish_quality(md: Microdata, w: BundleWriter, page: str) -> None:
    """The citizens set aside by reason and the excluded person-weeks by code, with the
    counts the text quotes (hidden as the tables hide them)."""
    quality = md.extract.quality.set_index("reason")
    hidden = set_aside_hidden(md.extract.quality, md.min_cell)
    persons = quality["persons"].astype(int)
    table = pd.DataFrame({"description": quality["description"], "persons": persons}, dtype=object)
    w.universe(u.enrolled(md))
    w.table("design.set_aside", table, persons=pd.DataFrame({"description": None, "persons": persons}),
            hidden=pd.DataFrame({"description": False, "persons": hidden}),
            kinds={"description": "text", "persons": "count"},
            define=lambda reason, column: set_aside_definition(md, reason) if column == "persons" else None)
    for key, reason in (("fm.n_enrolled", "enrolled"), ("fm.n_sample", "register_sample"),
                        ("fm.n_not_registered", "not_registered"), ("fm.n_no_consent", "no_consent")):
        w.scalar(key, SUPPRESSED if hidden[reason] else int(persons[reason]), page=page, kind="count",
                 persons=int(persons[reason]), define=set_aside_definition(md, reason))

    panel = md.panel
    excluded = excluded_weeks(panel, md.mapping).reset_index(drop=True)
    rows = excluded["code"].map(lambda c: c or "blank").to_numpy()
    table = excluded.set_index(rows)[["text", "persons", "person_weeks"]].astype(object)
    row_hidden = excluded_weeks_hidden(excluded, md.min_cell).to_numpy()
    w.table("design.excluded_weeks", table,
            persons=pd.DataFrame({"text": None, "persons": excluded["persons"].to_numpy(),
                                  "person_weeks": excluded["persons"].to_numpy()}, index=rows),
            hidden=pd.DataFrame({"text": False, "persons": row_hidden, "person_weeks": row_hidden}, index=rows),
            kinds={"text": "text", "persons": "count", "person_weeks": "count"})
    n_persons = int(panel["pnr"].nunique())
    n_weeks = len(panel)
    n_excluded = int(excluded["person_weeks"].sum())
    w.scalar("fm.n_person_weeks", n_weeks, page=page, kind="count", persons=n_persons)
    w.scalar("fm.n_excluded_weeks", n_excluded, page=page, kind="count",
             persons=int(panel.loc[panel["score"].isna(), "pnr"].nunique()))
    w.scalar("fm.pct_excluded_weeks", 100 * n_excluded / n_weeks, page=page, kind="percent", decimals=1,
             persons=n_persons)


def publish_mapping(md: Microdata, w: BundleWriter, page: str) -> None:
    """The counts the page quotes about the score mapping (public reference data)."""
    decided = coding_decisions(md.mapping)
    w.scalar("fm.n_decision_codes", len(decided), page=page, kind="count", of="DREAM codes")
    w.scalar("fm.n_decision_excluded", int((decided["score"] == "excluded").sum()), page=page, kind="count",
             of="DREAM codes")
    w.scalar("fm.n_mapping_codes", len(md.mapping.table), page=page, kind="count", of="DREAM codes")


def publish(md: Microdata, w: BundleWriter) -> None:
    page = "fremgangsmaade"
    publish_settings(md, w, page)
    publish_teams(md, w, page)
    publish_quality(md, w, page)
    publish_mapping(md, w, page)
