"""Reading an extract: registrations and DREAM -> the validated cohort and its weekly codes."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.readers.contracts import OPTIONAL_COLUMNS, team_key, validate_registration_tool, validate_registrations
from analysis.editions import EDITIONS, Edition
from analysis.errors import DataError, raise_at_first
from analysis.runtime import say
from analysis.readers.files import DREAM_SUFFIXES, find_one, read_header, read_rows, read_table
from analysis.readers.values import (blank_missing, decode_columns, describe_near_matches, employment,
                                     is_missing, near_matches, weekly_code)
from analysis.reference.scoring import ScoreMapping
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



@dataclass(frozen=True)
class Population:
    """Whom and which weeks an edition reports on, as selected from an extract.

    An edition (analysis.editions.Edition) is defined by the phases of its teams and the
    last DREAM week it uses; an extract made for another edition may hold more teams and
    weeks, and is cut to the edition's (`select_population`). `as_dict()` gives the plain
    values a page can state (no person ids)."""
    edition: str
    phases: tuple[str, ...]
    teams_kept: tuple[str, ...]         # in the order of the registrations file
    teams_dropped: tuple[str, ...]      # teams of other phases, left out
    enrolled: int                       # enrolled citizens on the kept teams
    enrolled_dropped: int               # enrolled citizens on the dropped teams
    dream_rows_dropped: int             # DREAM rows of persons on the dropped teams (ignored)
    extract_last_week: str              # the last week of the DREAM extract
    last_week: str                      # the last week used: the earlier of that and the edition's
    cut: bool                           # weeks after the edition's last week were left out

    @property
    def selected(self) -> bool:
        """True when the extract held more than the edition's population or window."""
        return bool(self.teams_dropped) or self.cut

    def as_dict(self) -> dict[str, object]:
        """Plain values (str, int, bool, lists of team names) for a page or a results file."""
        out = asdict(self)
        out["phases"], out["teams_kept"], out["teams_dropped"] = (
            list(self.phases), list(self.teams_kept), list(self.teams_dropped))
        out["selected"] = self.selected
        return out


@dataclass
class Extract:
    """The validated cohort and its DREAM weeks, ready for the panel."""
    edition: Edition
    registrations: pd.DataFrame   # every enrolled citizen of the edition's population, with start_week and set_aside
    persons: pd.DataFrame         # the register sample, in the row order of `codes`
    codes: np.ndarray             # str, persons x loaded weeks
    employed: np.ndarray          # bool, same shape: employment in the week's month
    load_first: int               # week index of column 0 of `codes`
    first_week: int               # first week of the DREAM extract
    last_week: int                # last week used: the extract's, cut at the edition's last week
    quality: pd.DataFrame         # reason, description, persons
    source: dict[str, str]
    population: Population | None = None
    # ids of enrolled citizens on teams the edition leaves out (for the survey reader; never printed)
    outside_ids: frozenset[str] = field(default_factory=frozenset, repr=False)
    # the registration tool's rows (registration_tool.*, analysis.readers.contracts), for an
    # edition without register data; None when the extract has no such file
    tool: pd.DataFrame | None = field(default=None, repr=False)


def dream_columns(path: Path, header: list[str]) -> tuple[str, dict[int, str], dict[tuple[int, int], str]]:
    """The person id column and the weekly and monthly columns of a DREAM-layout header:
    (id column, {week index: name}, {(year, month): name}). Raises DataError for a missing id
    column, a malformed or repeated week, non-contiguous weeks and no monthly columns."""
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


def select_population(reg: pd.DataFrame, edition: Edition, data_last: int, reg_path: Path,
                      dream_path: Path) -> tuple[pd.DataFrame, Population, int]:
    """The edition's population and data window out of an extract: (kept registrations,
    Population, last week used).

    The kept registrations are those of the teams whose phase (`fase`) is one of
    `edition.phases`; the last week used is the earlier of the extract's last week and
    `edition.last_week` (none: the extract's). The rule is the edition's definition
    (analysis/editions.py; pilot-2024: the pilot phase's teams and DREAM to 2023-W39, seed 000
    l.156 and l.245). Raises DataError when no team is of the edition's phases, or when the
    extract ends before the edition's last week (it was ordered for an earlier report)."""
    in_phase = reg["fase"].isin(edition.phases)
    if not in_phase.any():
        found = ", ".join(repr(p) for p in sorted(reg["fase"].unique()))
        wanted = ", ".join(repr(p) for p in edition.phases)
        raise DataError(reg_path, f"no team is of the phase edition {edition.name} reports on ({wanted}); "
                                  f"the teams here are of phase {found}: this extract cannot serve "
                                  f"{edition.name}", column="fase")
    last = data_last
    if edition.last_week is not None:
        wanted_last = parse_week_label(edition.last_week)
        if data_last < wanted_last:
            raise DataError(dream_path, f"the DREAM extract ends {week_label(data_last)}, before "
                                        f"{edition.last_week}, the last week of edition {edition.name}: "
                                        "this extract cannot serve it (order DREAM to that week)")
        last = min(data_last, wanted_last)
    teams = list(dict.fromkeys(reg["hold"]))
    kept = list(dict.fromkeys(reg.loc[in_phase, "hold"]))
    population = Population(
        edition=edition.name, phases=tuple(edition.phases), teams_kept=tuple(kept),
        teams_dropped=tuple(t for t in teams if t not in set(kept)),
        enrolled=int(in_phase.sum()), enrolled_dropped=int((~in_phase).sum()), dream_rows_dropped=0,
        extract_last_week=week_label(data_last), last_week=week_label(last), cut=last < data_last)
    return reg[in_phase], population, last


def _check_near_matches(dream_path: Path, reg_path: Path, pnr_col: str, enrolled: pd.Series,
                        ids: pd.Series) -> None:
    """Stop when enrolled ids without a DREAM row would match a DREAM row's id that is not
    enrolled once case, white space and leading zeros are ignored (count only, no id)."""
    unmatched = set(enrolled[~enrolled.isin(set(ids))])
    if not unmatched:
        return
    count, kinds = near_matches(unmatched, ids[~ids.isin(set(enrolled))])
    if count:
        raise DataError(dream_path, f"{count} enrolled citizens of {reg_path.name} have no DREAM row under "
                                    f"their id, but would match one {describe_near_matches(count, kinds)}",
                        column=pnr_col)


def unknown_code(code: str) -> str:
    """The reason given for a DREAM code that score_mapping.csv lacks (dream.* and dream_pool.*)."""
    return f"unknown DREAM code {code!r}: add it to data/reference/score_mapping.csv with a score or 'excluded'"


def _decode_weeks(wide: pd.DataFrame, week_names: list[str], rows: np.ndarray, mapping: ScoreMapping,
                  dream_path: Path) -> np.ndarray:
    """The weekly codes as the mapping spells them ('' = no code); DataError naming row and
    column for a value that is no code and for a code the mapping lacks."""
    inverse, vocabulary = decode_columns(wide[week_names], weekly_code, dream_path, rows)
    normalised = np.array(vocabulary, dtype=object)
    unknown = [i for i, c in enumerate(normalised) if c and c not in mapping.scores]
    if unknown:
        bad = np.isin(inverse, unknown)
        r, c = np.argwhere(bad)[0]
        raise DataError(dream_path, unknown_code(normalised[inverse[r, c]]),
                        row=int(rows[r]) + 1, column=week_names[c], more=int(bad.sum()) - 1)
    return normalised.astype(str)[inverse]


def _read_registrations(reg_path: Path) -> pd.DataFrame:
    """Every row of the registrations file, validated (analysis.readers.contracts), with
    the team's `start_week` (a week index); DataError on the first fault."""
    say(f"reading {reg_path}")
    raw = read_table(reg_path, id_column="pnr")
    for column in OPTIONAL_COLUMNS:
        if column in raw.columns:
            raw[column] = blank_missing(raw[column])
    everyone = validate_registrations(raw, reg_path)
    everyone["start_week"] = _team_starts(everyone, reg_path)
    return everyone


def read_extract_info(data_dir: Path) -> dict:
    """The extract's optional `extract.json` (what it is: synthetic or not, a description,
    the edition it is for): {} when there is none. Raises DataError naming the file when it
    is not a JSON object."""
    import json
    path = Path(data_dir) / "extract.json"
    if not path.exists():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise DataError(path, f"not valid JSON ({err})") from None
    if not isinstance(info, dict):
        raise DataError(path, "must be a JSON object ({...}), not a " + type(info).__name__)
    return info


def _registrations_only(reg_path: Path, edition: Edition) -> Extract:
    """The Extract of an edition without register data (`edition.register_data` False,
    pilot-2023 / seed 001): the validated registrations of the edition's teams, the
    registration tool's rows (`registration_tool.*`, validate_registration_tool; required when
    a registration of the edition says registreret = ja, else DataError naming the directory),
    an empty register sample and no weeks. A dream.* file in the directory is not read. The
    data window ends at `edition.last_week` (required for such an edition)."""
    if edition.last_week is None:
        raise ValueError(f"edition {edition.name} has no register data and no last_week")
    everyone = _read_registrations(reg_path)
    last = parse_week_label(edition.last_week)
    reg, population, last = select_population(everyone, edition, last, reg_path, reg_path)
    reg = reg.copy()

    # the pages count these: a break of them would make a page state a false number
    cancelled = {team_key(t) for t in edition.cancelled_teams}
    raise_at_first(reg_path, reg["hold"].map(team_key).isin(cancelled), "hold",
                   f"a participant on a team edition {edition.name} has as cancelled "
                   f"({', '.join(edition.cancelled_teams)}: the pages say it never ran)")
    raise_at_first(reg_path, reg["koen"].eq(""), "koen", "empty: without register data the gender of every "
                   "enrolled citizen comes from the enrolment (seed 001 l.248-256), also when registreret = nej")
    reg["set_aside"] = np.where(reg["registreret"].eq("nej"), "not_registered", "")
    tool_path = find_one(reg_path.parent, "registration_tool", required=False)
    registered = int(reg["registreret"].eq("ja").sum())
    if tool_path is None and registered:
        raise DataError(reg_path.parent, f"no registration_tool file (registration_tool.csv, .parquet, ...): it is "
                        f"required, because {registered} of the edition's registrations say registreret = ja "
                        "and their age, internship status and screening are read from it")
    tool = None
    if tool_path is not None:
        say(f"reading {tool_path}")
        tool = validate_registration_tool(read_table(tool_path, id_column="pnr"), tool_path, everyone)
        tool = tool[tool["pnr"].isin(set(reg["pnr"]))].reset_index(drop=True)
        raise_at_first(reg_path, reg["registreret"].eq("ja") & ~reg["pnr"].isin(set(tool["pnr"])), "registreret",
                       f"registered by the municipality (registreret = ja) but without a row in {tool_path.name}: "
                       "the registration tool holds every registered citizen (seed 001 l.146-161)")
    outside_ids = frozenset(everyone.loc[~everyone.index.isin(reg.index), "pnr"])
    quality = pd.DataFrame([
        {"reason": "enrolled", "description": "Tilmeldte kursister i alt", "persons": len(reg)},
        {"reason": "not_registered", "description": "Ikke registreret af kommunen i registreringsværktøjet",
         "persons": int(reg["set_aside"].eq("not_registered").sum())}])
    return Extract(edition=edition, registrations=reg, persons=reg.iloc[0:0].reset_index(drop=True),
                   codes=np.empty((0, 0), dtype=str), employed=np.empty((0, 0), dtype=bool),
                   load_first=last, first_week=last, last_week=last, quality=quality,
                   source={"registrations": str(reg_path)} | ({"registration_tool": str(tool_path)}
                                                               if tool_path else {}),
                   population=population, outside_ids=outside_ids, tool=tool)


def load_extract(data_dir: Path, edition: Edition, mapping: ScoreMapping) -> Extract:
    """Read and validate an extract for `edition`: registrations.* and dream.* in `data_dir`
    (registrations.* only for an edition without register data, `Edition.register_data`).

    Returns the Extract of the edition's population (`select_population`). Raises DataError
    (file, row, line, column, reason; never a person id) for anything data/README.md does
    not accept."""
    data_dir = Path(data_dir)
    reg_path = find_one(data_dir, "registrations")
    if not edition.register_data:
        return _registrations_only(reg_path, edition)
    dream_path = find_one(data_dir, "dream", DREAM_SUFFIXES, required=False)
    if dream_path is None:
        without = sorted(e.name for e in EDITIONS.values() if not e.register_data)
        names = ", ".join(f"dream{s}" for s in DREAM_SUFFIXES)
        raise DataError(data_dir, f"no DREAM extract ({names}) in the data directory: edition {edition.name} "
                                  "needs it; an extract without register data is valid only for edition "
                                  f"{' or '.join(without)} (--edition {without[0]})")
    everyone = _read_registrations(reg_path)

    header = read_header(dream_path)
    pnr_col, weeks, months = dream_columns(dream_path, header)
    first, data_last = min(weeks), max(weeks)
    say(f"{dream_path.name}: {len(header)} columns, weeks {week_label(first)} to {week_label(data_last)}")
    reg, population, last = select_population(everyone, edition, data_last, reg_path, dream_path)
    if population.selected:
        say(f"edition {edition.name}: {population.enrolled} enrolled on {len(population.teams_kept)} teams "
            f"kept, {population.enrolled_dropped} on {len(population.teams_dropped)} teams of other phases "
            f"left out; DREAM weeks to {population.last_week} (the extract runs to "
            f"{population.extract_last_week})")

    # every team's window must fit the extract (a post-course window cut off by the
    # end of the data is allowed: that is censoring, as in Tabel 1)
    teams = reg.reset_index().groupby("hold")[["start_week", "index"]].first()
    outside = ((teams["start_week"] - 1 - edition.weeks_before < first)
               | (teams["start_week"] > last + edition.weeks_after))
    data_end = (f"the DREAM data of edition {edition.name} end {week_label(last)}" if population.cut
                else f"the DREAM extract ends {week_label(last)}")
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
                                      f"{edition.weeks_after} weeks after {data_end} "
                                      f"(team start outside the data window)",
                            row=row, column="kursusstart")

    reason = pd.Series("", index=reg.index, dtype=object)
    reason[reg["registreret"].eq("nej")] = "not_registered"
    reason[reason.eq("") & reg["samtykke"].eq("nej")] = "no_consent"
    reason[reason.eq("") & (reg["start_week"] > last)] = "no_post_course_data"

    say(f"reading person ids of {dream_path.name}")
    ids = read_table(dream_path, [pnr_col], id_column=pnr_col)[pnr_col]
    if ids.empty:
        raise DataError(dream_path, "the file has a header but no rows")
    blank_id = ids.map(is_missing).to_numpy(dtype=bool)
    if blank_id.any():
        raise DataError(dream_path, "empty person id", row=int(np.flatnonzero(blank_id)[0]) + 1, column=pnr_col)
    dup = ids.duplicated(keep="first")
    if dup.any():
        rows = np.flatnonzero(dup) + 1
        raise DataError(dream_path, "duplicate PNR: DREAM has one row per person", row=int(rows[0]),
                        column=pnr_col, more=len(rows) - 1)
    _check_near_matches(dream_path, reg_path, pnr_col, everyone["pnr"], ids)
    in_dream = reg["pnr"].isin(set(ids))
    reason[reason.eq("") & ~in_dream] = "no_dream_row"
    reg = reg.copy()
    reg["set_aside"] = reason
    outside_ids = frozenset(everyone.loc[~everyone.index.isin(reg.index), "pnr"])
    not_enrolled = int((~ids.isin(set(everyone["pnr"]))).sum())
    population = replace(population, dream_rows_dropped=int(ids.isin(outside_ids).sum()))

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
    codes = _decode_weeks(wide, week_names, rows, mapping, dream_path)
    month_pos = {m: j for j, m in enumerate(needed_months)}
    week_month = np.array([month_pos[month_of_week(i)] for i in range(load_first, load_last + 1)])
    job_inverse, job_values = decode_columns(wide[month_names], employment, dream_path, rows)
    has_job = np.array(job_values, dtype=bool)[job_inverse]
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
                   source={"registrations": str(reg_path), "dream": str(dream_path)},
                   population=population, outside_ids=outside_ids)
