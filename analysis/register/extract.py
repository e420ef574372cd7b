"""Reading an extract: registrations and DREAM -> the validated cohort and its weekly codes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.readers.contracts import validate_registrations
from analysis.editions import Edition
from analysis.errors import DataError
from analysis.runtime import say
from analysis.readers.files import find_one, read_header, read_rows, read_table
from analysis.reference.scoring import ScoreMapping, normalise_code
from analysis.weeks import (month_column, month_of_week, parse_month_column, parse_week_column, parse_week_label, week_column, week_label)

# Why a person or a DREAM row is set aside, in the order the rules are applied.
SET_ASIDE = {
    "not_registered": "Ikke registreret af kommunen (køn, alder og visitationskategori mangler)",
    "no_consent": "Intet samtykke til registerdata",
    "no_post_course_data": "Holdet startede efter registerdataenes sidste uge (ingen data efter kursusstart)",
    "no_dream_row": "Samtykke, men ingen række i DREAM-udtrækket",
    "dream_row_not_enrolled": "Række i DREAM-udtrækket uden tilmelding (ikke kursist)",
}
PERSON_COLUMNS = ["pnr", "hold", "kommune", "fase", "status", "koen", "aldersgruppe",
                  "visitationskategori"]



@dataclass
class Extract:
    """The validated cohort and its DREAM weeks, ready for the panel."""
    edition: Edition
    registrations: pd.DataFrame   # every enrolled citizen, with start_week and set_aside
    persons: pd.DataFrame         # the register sample, in the row order of `codes`
    codes: np.ndarray             # str, persons x loaded weeks
    employed: np.ndarray          # bool, same shape: employment in the week's month
    load_first: int               # week index of column 0 of `codes`
    first_week: int               # first week of the DREAM extract
    last_week: int                # last week of the DREAM extract
    quality: pd.DataFrame         # reason, description, persons
    source: dict[str, str]


def _week_columns(path: Path, header: list[str]) -> tuple[str, dict[int, str], dict[tuple[int, int], str]]:
    person = [c for c in header if c.lower() == "pnr"]
    if not person:
        raise DataError(path, "no person id column 'PNR' in the header")
    weeks: dict[int, str] = {}
    months: dict[tuple[int, int], str] = {}
    for name in header:
        lowered = name.lower()
        try:
            if lowered.startswith("y_"):
                index = parse_week_column(name)
                if index in weeks:
                    raise ValueError(f"column {name!r} repeats week {weeks[index]!r}")
                weeks[index] = name
            elif lowered.startswith("branche_"):
                months[parse_month_column(name)] = name
        except ValueError as err:
            raise DataError(path, str(err), column=name) from None
    if not weeks:
        raise DataError(path, "no weekly code columns y_YYWW in the header")
    first, last = min(weeks), max(weeks)
    missing = [i for i in range(first, last + 1) if i not in weeks]
    if missing:
        raise DataError(path, f"weekly columns must be contiguous; {week_column(missing[0])} "
                              f"({week_label(missing[0])}) is missing", more=len(missing) - 1)
    if not months:
        raise DataError(path, "no monthly employment columns branche_YYYY_MM: blank weeks "
                              "cannot be told apart as employed or self-supported")
    return person[0], weeks, months


def _team_starts(reg: pd.DataFrame, path: Path) -> pd.Series:
    starts = {}
    for label in reg["kursusstart"].unique():
        try:
            starts[label] = parse_week_label(label)
        except ValueError as err:
            row = int(reg.index[reg["kursusstart"].eq(label)][0]) + 1
            raise DataError(path, str(err), row=row, column="kursusstart") from None
    return reg["kursusstart"].map(starts).astype(int)


def load_extract(data_dir: Path, edition: Edition, mapping: ScoreMapping) -> Extract:
    data_dir = Path(data_dir)
    reg_path = find_one(data_dir, "registrations")
    dream_path = find_one(data_dir, "dream")
    say(f"reading {reg_path}")
    raw = read_table(reg_path)
    if "pnr" in raw.columns:
        raw["pnr"] = raw["pnr"].str.strip()   # ids must match DREAM's, which are read stripped
    reg = validate_registrations(raw, reg_path)
    reg["start_week"] = _team_starts(reg, reg_path)

    header = read_header(dream_path)
    pnr_col, weeks, months = _week_columns(dream_path, header)
    first, last = min(weeks), max(weeks)
    say(f"{dream_path.name}: {len(header)} columns, weeks {week_label(first)} to {week_label(last)}")

    # every team's window must fit the extract (a post-course window cut off by the
    # end of the data is allowed: that is censoring, as in Tabel 1)
    teams = reg.reset_index().groupby("hold")[["start_week", "index"]].first()
    outside = ((teams["start_week"] - 1 - edition.weeks_before < first)
               | (teams["start_week"] > last + edition.weeks_after))
    for team, start, index in teams[outside].itertuples(name=None):
        start = int(start)
        need = start - 1 - edition.weeks_before
        row = int(index) + 1
        if need < first:
            raise DataError(reg_path, f"team {team!r} starts {week_label(start)}: its {edition.weeks_before} "
                                      f"weeks before need data from {week_label(need)}, but the DREAM extract "
                                      f"begins {week_label(first)} (team start outside the data window)",
                            row=row, column="kursusstart")
        if start > last + edition.weeks_after:
            raise DataError(reg_path, f"team {team!r} starts {week_label(start)}, more than "
                                      f"{edition.weeks_after} weeks after the DREAM extract ends "
                                      f"{week_label(last)} (team start outside the data window)",
                            row=row, column="kursusstart")

    reason = pd.Series("", index=reg.index, dtype=object)
    reason[reg["registreret"].eq("nej")] = "not_registered"
    reason[reason.eq("") & reg["samtykke"].eq("nej")] = "no_consent"
    reason[reason.eq("") & (reg["start_week"] > last)] = "no_post_course_data"

    say(f"reading person ids of {dream_path.name}")
    ids = read_table(dream_path, [pnr_col])[pnr_col].str.strip()
    if ids.empty:
        raise DataError(dream_path, "the file has a header but no rows")
    blank_id = ids.eq("")
    if blank_id.any():
        raise DataError(dream_path, "empty person id", row=int(np.flatnonzero(blank_id)[0]) + 1, column=pnr_col)
    dup = ids.duplicated(keep="first")
    if dup.any():
        rows = np.flatnonzero(dup) + 1
        raise DataError(dream_path, "duplicate PNR: DREAM has one row per person", row=int(rows[0]),
                        column=pnr_col, more=len(rows) - 1)
    in_dream = reg["pnr"].isin(set(ids))
    reason[reason.eq("") & ~in_dream] = "no_dream_row"
    reg["set_aside"] = reason
    not_enrolled = int((~ids.isin(set(reg["pnr"]))).sum())

    sample = reg[reason.eq("")]
    if sample.empty:
        raise DataError(reg_path, "no enrolled citizen is left for the register analysis "
                                  "(check consent, registration and team start weeks)")
    load_first = int(sample["start_week"].min()) - 1 - edition.weeks_before
    load_last = min(last, int(sample["start_week"].max()) - 1 + edition.weeks_after)
    week_names = [weeks[i] for i in range(load_first, load_last + 1)]
    needed_months = sorted({month_of_week(i) for i in range(load_first, load_last + 1)})
    absent = [m for m in needed_months if m not in months]
    if absent:
        raise DataError(dream_path, f"monthly employment column {month_column(*absent[0])} is missing; "
                                    f"the weeks used run {week_label(load_first)} to {week_label(load_last)}",
                        more=len(absent) - 1)
    month_names = [months[m] for m in needed_months]
    say(f"reading {len(week_names)} weekly and {len(month_names)} monthly columns for "
        f"{len(sample)} persons")
    wide = read_rows(dream_path, week_names + month_names, pnr_col, set(sample["pnr"]))
    order = pd.Series(np.arange(len(wide)), index=wide[pnr_col]).loc[sample["pnr"]].to_numpy()
    wide = wide.iloc[order].reset_index(drop=True)
    rows = wide["_row"].to_numpy() - 1       # 0-based data row in the file, for messages
    # one vocabulary of normalised codes, built column by column (fast on large extracts)
    vocabulary: dict[str, int] = {}
    inverse = np.empty((len(wide), len(week_names)), dtype=np.int32)
    for j, name in enumerate(week_names):
        column_codes, column_uniques = pd.factorize(wide[name])
        lookup = [vocabulary.setdefault(normalise_code(str(u)), len(vocabulary)) for u in column_uniques]
        inverse[:, j] = np.asarray(lookup, dtype=np.int32)[column_codes]
    normalised = np.array(list(vocabulary), dtype=object)
    unknown = [i for i, c in enumerate(normalised) if c and c not in mapping.scores]
    if unknown:
        bad = np.isin(inverse, unknown)
        r, c = np.argwhere(bad)[0]
        raise DataError(dream_path, f"unknown DREAM code {normalised[inverse[r, c]]!r}: "
                                    "add it to data/reference/score_mapping.csv with a score or 'excluded'",
                        row=int(rows[r]) + 1, column=week_names[c], more=int(bad.sum()) - 1)
    codes = normalised.astype(str)[inverse]
    month_pos = {m: j for j, m in enumerate(needed_months)}
    week_month = np.array([month_pos[month_of_week(i)] for i in range(load_first, load_last + 1)])
    branche = wide[month_names].to_numpy(dtype=str)
    has_job = (branche != "") & (branche != "0")
    employed = has_job[:, week_month]

    counts = reason[reason.ne("")].value_counts()
    quality = pd.DataFrame(
        [{"reason": key, "description": text,
          "persons": int(counts.get(key, 0)) if key != "dream_row_not_enrolled" else not_enrolled}
         for key, text in SET_ASIDE.items()])
    quality = pd.concat([pd.DataFrame([{"reason": "enrolled", "description": "Tilmeldte kursister i alt",
                                        "persons": len(reg)}]), quality,
                         pd.DataFrame([{"reason": "register_sample",
                                        "description": "Stikprøve for registerdataanalysen",
                                        "persons": len(sample)}])], ignore_index=True)
    return Extract(edition=edition, registrations=reg, persons=sample.reset_index(drop=True),
                   codes=codes, employed=employed, load_first=load_first, first_week=first,
                   last_week=last, quality=quality,
                   source={"registrations": str(reg_path), "dream": str(dream_path)})


