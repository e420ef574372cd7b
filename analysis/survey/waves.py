"""Reading the participant survey waves against the codebook.

A wave file `survey_w<k>.<csv|xlsx|parquet|sas7bdat>` has one row per person the wave was sent
to: `pnr` (the pseudonymous id of the registrations), `besvaret` (ja/nej) and one column
per question of that wave, coded by data/reference/questionnaire.yml (single choice: the
option code; multiple choice: codes joined by ';'; number: the number; free text: text).
Free text is checked for presence only and dropped on reading: it never reaches an output.
The files are read like the registrations (analysis.readers.files: `,`/`;` CSV, Excel,
Parquet, SAS); an answer that is a missing value (analysis.readers.values.MISSING: empty,
SAS `.`, `.A`-`.Z`, `NA` ...) is a blank answer, and numbers may have a decimal comma.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import DataError, raise_at_first
from analysis.readers.files import TABLE_SUFFIXES, find_one, read_table
from analysis.readers.values import blank_missing, describe_near_matches, near_matches
from analysis.reference.codebook import WAVES, Codebook, Question, load_codebook


ID_COLUMN, STATUS_COLUMN = "pnr", "besvaret"


# ---------------------------------------------------------------- reading the waves

@dataclass
class Survey:
    codebook: Codebook
    waves: dict[int, pd.DataFrame]          # every invited person: pnr, answered (bool), answers
    missing: list[int] = field(default_factory=list)   # waves whose file is not in the extract
    files: dict[int, Path] = field(default_factory=dict)
    free_text_answers: int = 0              # counted, never kept
    left_out: int = 0                       # invited persons on teams outside the edition, left out

    @property
    def available(self) -> list[int]:
        return sorted(self.waves)

    def respondents(self, wave: int) -> pd.DataFrame:
        frame = self.waves[wave]
        return frame[frame["answered"]]


def wave_file(data_dir: Path, wave: int) -> Path | None:
    """The file of wave `wave` (`survey_w<wave>.<csv|xlsx|parquet|sas7bdat>`), None if there
    is none; DataError for two files, or for only an unreadable one (`survey_w1.xls`)."""
    return find_one(data_dir, f"survey_w{wave}", TABLE_SUFFIXES, required=False)


def _parse_question(path: Path, q: Question, text: pd.Series) -> pd.Series:
    """Coded answers of one question: Int64 codes/numbers, or frozensets of codes (multi)."""
    given = text != ""
    if q.type == "multi":
        parts = text.str.split(";")
        ok = parts.map(lambda items: all(re.fullmatch(r"\d+", s.strip() or "x") and int(s) in q.codes
                                         for s in items)) | ~given
        raise_at_first(path, ~ok, q.id, f"answer outside the options of {q.id!r} "
                   f"(codes {', '.join(map(str, q.codes))}, several joined by ';')")
        return pd.Series([frozenset(int(s) for s in items) if g else None
                          for items, g in zip(parts, given)], index=text.index, dtype=object)
    numeric = pd.to_numeric(text.where(given).str.replace(",", ".", regex=False), errors="coerce")
    whole = numeric.notna() & (numeric == numeric.round())
    raise_at_first(path, given & ~whole, q.id, f"answer to {q.id!r} is not a whole number")
    values = numeric.astype("Int64")
    if q.type == "number":
        low, high = q.minimum, q.maximum
        outside = given & (((values < low) if low is not None else False) | ((values > high) if high is not None else False))
        raise_at_first(path, outside.fillna(False), q.id, f"answer to {q.id!r} outside {low}..{high}")
    else:
        raise_at_first(path, given & ~values.isin(q.codes).fillna(False), q.id,
                   f"answer outside the options of {q.id!r} (codes {', '.join(map(str, q.codes))})")
    return values


# the waves sent after the course: to those who completed it (seed 001 l.188: wave 2 "af
# deltagerne, som gennemførte kurset", wave 3 "af borgerne, som har færdiggjort kurset")
AFTER_COURSE = (2, 3)


def read_wave(path: Path, wave: int, codebook: Codebook, enrolled: set[str],
              outside: frozenset[str] = frozenset(), completed: set[str] | None = None
              ) -> tuple[pd.DataFrame, int, int]:
    """Validate one wave file; returns (answers, free-text answers dropped, persons left out).

    `enrolled` are the ids of the edition's population; rows of `outside` (enrolled on teams
    the edition leaves out) are dropped and counted. `completed`: the ids of those who
    completed the course (None: not checked); a wave in AFTER_COURSE sent to anyone else is
    an error. Raises DataError (file, row, line or Excel row, column, reason) on the first
    fault; see the module doc."""
    raw = read_table(path, id_column=ID_COLUMN)
    for column in (ID_COLUMN, STATUS_COLUMN):
        if column not in raw.columns:
            raise DataError(path, f"missing column {column!r}", column=column)
    for column in raw.columns:
        if column != ID_COLUMN:
            raw[column] = blank_missing(raw[column])
    asked = {q.id: q for q in codebook.in_wave(wave)}
    for column in raw.columns:
        if column in (ID_COLUMN, STATUS_COLUMN):
            continue
        if column not in codebook.questions:
            raise DataError(path, f"unknown question id {column!r} (not in {codebook.name})", column=column)
        if column not in asked:
            raise DataError(path, f"question {column!r} is not asked in wave {wave} "
                            f"(asked in wave {', '.join(map(str, codebook[column].waves))})", column=column)
    ids = raw[ID_COLUMN]
    raise_at_first(path, ids == "", ID_COLUMN, "empty respondent id")
    left_out = ids.isin(outside)
    if left_out.any():
        raw, ids = raw[~left_out], ids[~left_out]
    unknown = ~ids.isin(enrolled)
    if unknown.any():
        count, kinds = near_matches(set(ids[unknown]), set(enrolled) - set(ids))
        hint = (f"; {count} such respondents would match an enrolled id {describe_near_matches(count, kinds)}"
                if count else "")
        raise_at_first(path, unknown, ID_COLUMN, "respondent is not among the enrolled participants "
                   f"(no row with this pnr in registrations){hint}")
    raise_at_first(path, ids.duplicated(), ID_COLUMN, f"respondent appears more than once in wave {wave}")
    if completed is not None and wave in AFTER_COURSE:
        raise_at_first(path, ~ids.isin(completed), ID_COLUMN, f"wave {wave} is sent after the course to those who "
                   "completed it, but this person's status in registrations is not 'gennemført'")
    status = raw[STATUS_COLUMN]
    raise_at_first(path, ~status.isin(["ja", "nej"]), STATUS_COLUMN, "must be 'ja' or 'nej'")
    answered = (status == "ja").to_numpy()
    columns = [c for c in raw.columns if c in asked]
    blank = raw[columns].eq("").all(axis=1) if columns else pd.Series(True, index=raw.index)
    raise_at_first(path, (status == "ja") & blank, STATUS_COLUMN,
               "besvaret = ja, but every answer is blank (a respondent who answered nothing is besvaret = nej)")
    out = pd.DataFrame({ID_COLUMN: ids, "answered": answered})
    free_text = 0
    for q in asked.values():
        text = raw[q.id] if q.id in raw.columns else pd.Series("", index=raw.index)
        raise_at_first(path, (text != "") & ~answered, q.id, "answer from a person marked besvaret = nej")
        if q.type == "text":
            free_text += int((text != "").sum())
            values = pd.Series(text != "", index=raw.index)   # presence only
        else:
            values = _parse_question(path, q, text)
        if q.asked_if is not None:
            shown = q.asked_if.holds(out[q.asked_if.question])
            given = (text != "")
            raise_at_first(path, given & ~shown, q.id,
                       f"answer to {q.id!r}, which is only asked when {q.asked_if}")
        if q.type != "text":
            out[q.id] = values
    return out.reset_index(drop=True), free_text, int(left_out.sum())


def load_edition_survey(edition, data_dir: Path, registrations: pd.DataFrame,
                        outside: frozenset[str] = frozenset()) -> Survey | None:
    """The surveys of an edition whose report has them (else None). `registrations` and
    `outside` as for `load_survey` (pass an Extract's `registrations` and `outside_ids`)."""
    if not edition.survey_published:
        return None
    codebook = load_codebook(edition.codebook) if edition.codebook else None
    return load_survey(data_dir, registrations, codebook=codebook, outside=outside)


def load_survey(data_dir: Path, registrations: pd.DataFrame, codebook: Codebook | None = None,
                outside: frozenset[str] = frozenset()) -> Survey:
    """Every wave file present in `data_dir`; a missing wave is listed in `missing`.

    `registrations` are the edition's enrolled citizens; invited persons whose id is in
    `outside` (enrolled on a team the edition leaves out) are dropped and counted in
    `Survey.left_out`. Raises DataError as `read_wave` does."""
    codebook = codebook or load_codebook()
    enrolled = set(registrations[ID_COLUMN])
    completed = (set(registrations.loc[registrations["status"].eq("gennemført"), ID_COLUMN])
                 if "status" in registrations else None)
    survey = Survey(codebook, {})
    for wave in WAVES:
        path = wave_file(Path(data_dir), wave)
        if path is None:
            survey.missing.append(wave)
            continue
        survey.waves[wave], dropped, left_out = read_wave(path, wave, codebook, enrolled, outside, completed)
        survey.files[wave] = path
        survey.free_text_answers += dropped
        survey.left_out += left_out
    return survey


def describe_survey(survey: Survey) -> str:
    """One line for the console: respondents per wave, missing waves, free text dropped."""
    parts = [f"wave {w}: {int(f['answered'].sum())} of {len(f)} answered" for w, f in sorted(survey.waves.items())]
    parts += [f"wave {w}: no file (its pages say so)" for w in survey.missing]
    if survey.free_text_answers:
        parts.append(f"{survey.free_text_answers} free-text answers read and dropped")
    if survey.left_out:
        parts.append(f"{survey.left_out} invitations to persons on teams outside the edition left out")
    return "; ".join(parts)


