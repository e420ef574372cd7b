"""The person-week panel of beskæftigelsesscore and what is counted on it."""
from __future__ import annotations


import numpy as np
import pandas as pd

from analysis.register.extract import Extract
from analysis.reference.scoring import EXCLUDED, ScoreMapping, score_codes
from analysis.weeks import (week_label)

# Why a person or a DREAM row is set aside, in the order the rules are applied.

def _take_categorical(values: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """values[rows] as a categorical, built once per person instead of once per person-week."""
    small = pd.Categorical(values.to_numpy())
    return pd.Categorical.from_codes(small.codes[rows], categories=small.categories)


def build_panel(extract: Extract, mapping: ScoreMapping) -> pd.DataFrame:
    """One row per person-week with data, weeks -weeks_before..+weeks_after relative to start.

    Week 1 is the first course week, week 0 the week before. Weeks after the last week of
    the extract are absent (censored follow-up). `score` is empty (NA) for an excluded week.
    """
    ed = extract.edition
    relative = np.arange(-ed.weeks_before, ed.weeks_after + 1)
    persons = extract.persons
    starts = persons["start_week"].to_numpy()
    calendar = starts[:, None] - 1 + relative[None, :]
    position = calendar - extract.load_first
    valid = (calendar <= extract.last_week) & (position >= 0) & (position < extract.codes.shape[1])
    person_idx, rel_idx = np.nonzero(valid)
    pos = position[person_idx, rel_idx]
    codes = extract.codes[person_idx, pos]
    scores = score_codes(codes, extract.employed[person_idx, pos], mapping)
    weeks = calendar[person_idx, rel_idx]
    unique_weeks, week_inverse = np.unique(weeks, return_inverse=True)
    labels = np.array([week_label(int(w)) for w in unique_weeks])
    panel = pd.DataFrame({
        col: _take_categorical(persons[col], person_idx) if col != "pnr"
        else persons[col].to_numpy()[person_idx]
        for col in ["pnr", "hold", "fase", "status", "koen", "aldersgruppe", "visitationskategori"]
    })
    panel["iso_week"] = pd.Categorical(labels[week_inverse])
    panel["week"] = relative[rel_idx].astype(np.int16)
    panel["code"] = pd.Categorical(codes)
    panel["score"] = pd.array(np.where(scores == EXCLUDED, 0, scores), dtype="Int8")
    panel.loc[scores == EXCLUDED, "score"] = pd.NA
    return panel


def excluded_weeks(panel: pd.DataFrame, mapping: ScoreMapping) -> pd.DataFrame:
    """Person-weeks without a score, by DREAM code (blank = blank without employment)."""
    excluded = panel[panel["score"].isna()]
    counts = excluded.groupby("code", observed=True).agg(person_weeks=("week", "size"),
                                                          persons=("pnr", "nunique")).reset_index()
    text = mapping.table.set_index("code")["text"]
    counts["text"] = [text.get(c if c else "blank_not_employed", "") for c in counts["code"]]
    return counts[["code", "text", "persons", "person_weeks"]]


def last_week_with_data(extract: Extract) -> pd.DataFrame:
    """Tabel 1: per team, the last week relative to course start with register data."""
    reg = extract.registrations
    teams = reg.groupby("hold", sort=False).agg(fase=("fase", "first"), start_week=("start_week", "first"))
    teams["last_week"] = (extract.last_week - teams["start_week"] + 1).astype(int)
    teams["start"] = [week_label(int(w)) for w in teams["start_week"]]
    return teams.reset_index()[["hold", "fase", "start", "last_week"]]


def score_distribution(panel: pd.DataFrame, time_points: dict[str, int],
                       status: str | None = "gennemført") -> pd.DataFrame:
    """Tabel 6: number of persons with each score at each time point.

    Rows 10..0 and 'na' (data for the week, but the week is excluded), plus 'n_with_data'
    and 'mean' (over persons with a score). Columns are the time-point keys.
    """
    data = panel if status is None else panel[panel["status"] == status]
    columns = {}
    for key, week in time_points.items():
        at = data.loc[data["week"] == week, "score"]
        counts = at.value_counts(dropna=False)
        column = {str(s): int(counts.get(s, 0)) for s in range(10, -1, -1)}
        column["na"] = int(at.isna().sum())
        column["n_with_data"] = int(len(at))
        column["mean"] = float(at.astype("float").mean())
        columns[key] = column
    return pd.DataFrame(columns)
