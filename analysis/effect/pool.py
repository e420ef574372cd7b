"""Reading a comparison pool (`dream_pool.*`) with DuckDB: prune first, then decode.

A pool is DREAM rows of non-participants (data/README.md, "dream_pool"): `PNR`, weekly codes
`y_YYWW`, monthly employment `branche_YYYY_MM`, and `koen`, `aldersgruppe`, `kommune`. On the
research machine it holds millions of persons and ~1 700 weekly columns, so nothing reaches
Python before DuckDB has pruned it:

* **columns**: the weeks from `HISTORY` (52) weeks before the earliest start's week 0 to
  `FOLLOW_UP` (26) weeks after the latest start's week 0, and their months
  (`pool_window`); weeks before the file's first week are simply absent;
* **rows**: persons whose code in some start week − 1 is of an eligible benefit family
  (`analysis.effect.matching.family_codes`), tested in SQL on the code as text with a
  trailing `.0`/`,0` removed. Rows pruned here are not validated (as the dream reader
  ignores rows of persons who are not enrolled).

The kept rows are streamed to Arrow in batches; each cell is decoded with the readers' own
rules (`analysis.readers.values.weekly_code`, `employment`: once per distinct value), so a
bad value stops with the file, row, column and reason exactly as in `dream.*`. Parquet
(the format to use at scale; `file_row_number` gives the row) and CSV (`,` or `;`; loaded
into a DuckDB table first, whose `rowid` is the row) are accepted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.readers.contracts import validate_pool_background
from analysis.readers.files import (DREAM_SUFFIXES, NUMERIC_ID, as_text, check_not_empty, check_utf8,
                                    csv_separator, find_one, read_header)
from analysis.readers.values import blank_missing, employment, is_missing, weekly_code
from analysis.reference.scoring import EXCLUDED, ScoreMapping
from analysis.register.extract import dream_columns, unknown_code
from analysis.weeks import month_column, month_of_week, week_label

POOL_STEM = "dream_pool"
HISTORY = 52          # weeks of history before week 0 (matching on weeks -52..-1)
FOLLOW_UP = 26        # weeks after week 0 (event weeks up to +26)
BACKGROUND = ("koen", "aldersgruppe", "kommune")
BATCH_ROWS = 100_000
TEXT_TYPES = ("VARCHAR",)


@dataclass
class Pool:
    """A read pool (or the participants' DREAM rows, read the same way).

    persons: `pid`, `row` (1-based data row of the file) and, when read, koen, aldersgruppe,
    kommune; one row per person, in the row order of the arrays. scores: int8, persons x
    weeks, the beskæftigelsesscore 0-10 or EXCLUDED (-1; also for weeks outside the file).
    family: int8, same shape: 0 none, i + 1 for FAMILIES[i], GONE (-1) for death or
    emigration (997/999). first_week: week index of column 0. rows_in_file: all rows."""
    persons: pd.DataFrame
    scores: np.ndarray
    family: np.ndarray
    first_week: int
    data_first: int            # the file's first and last week (the data window)
    data_last: int
    rows_in_file: int
    source: str
    query: str = field(repr=False, default="")

    @property
    def last_week(self) -> int:
        return self.first_week + self.scores.shape[1] - 1


def find_pool(data_dir: Path) -> Path | None:
    """The extract's `dream_pool.*` (csv or parquet), or None when it has none."""
    return find_one(Path(data_dir), POOL_STEM, DREAM_SUFFIXES[:2], required=False)


def pool_window(starts) -> tuple[int, int]:
    """(first, last) week index the matching needs for course starts `starts` (week indices
    of week 1): week −52 of the earliest start to week +26 of the latest (week 0 = start − 1)."""
    starts = np.asarray(list(starts), dtype=int)
    return int(starts.min()) - 1 - HISTORY, int(starts.max()) - 1 + FOLLOW_UP


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _normalised(name: str) -> str:
    """SQL: a code cell as text without white space and a trailing .0 / ,0 (pruning only)."""
    return f"regexp_replace(trim(CAST({_quote(name)} AS VARCHAR)), '[.,]0*$', '')"


def read_pool(path: Path, mapping: ScoreMapping, starts, *, ids=None, eligible_only: bool = True,
              background: bool = True, memory_limit: str | None = None,
              temp_directory: str | None = None, threads: int | None = None) -> Pool:
    """Read and validate the pool at `path` for course starts `starts` (week indices of week 1).

    Columns are pruned to `pool_window(starts)`; with `eligible_only` rows to persons on an
    eligible benefit family in some start − 1; with `ids` (a collection of person ids) to
    those persons (how the participants' own DREAM rows are read, `background=False`).
    `memory_limit`, `temp_directory` and `threads` are DuckDB's settings (spilling to disk
    on the research machine; data/README.md). Raises DataError (file, row, column, reason;
    never a person id) for what data/README.md does not accept, and when the file does not
    cover every start − 1."""
    import duckdb
    from analysis.effect.matching import FAMILIES, GONE, family_codes

    path = Path(path)
    check_not_empty(path)
    suffix = path.suffix.lower()
    header = read_header(path)
    pnr, weeks, months = dream_columns(path, header)
    if background:
        absent = [c for c in BACKGROUND if c not in header]
        if absent:
            raise DataError(path, f"required column {absent[0]!r} is missing", column=absent[0],
                            more=len(absent) - 1)
    data_first, data_last = min(weeks), max(weeks)
    starts = sorted({int(s) for s in starts})
    uncovered = [s for s in starts if not data_first <= s - 1 <= data_last]
    if uncovered:
        raise DataError(path, f"the weeks run {week_label(data_first)} to {week_label(data_last)}, but the "
                              f"course start {week_label(uncovered[0])} needs its week 0 "
                              f"({week_label(uncovered[0] - 1)}): order the pool for the course's period",
                        more=len(uncovered) - 1)
    want_first, want_last = pool_window(starts)
    first, last = max(want_first, data_first), min(want_last, data_last)
    week_names = [weeks[i] for i in range(first, last + 1)]
    needed_months = sorted({month_of_week(i) for i in range(first, last + 1)})
    absent = [m for m in needed_months if m not in months]
    if absent:
        raise DataError(path, f"monthly employment column {month_column(*absent[0])} is missing; the weeks "
                              f"used run {week_label(first)} to {week_label(last)}", more=len(absent) - 1)
    month_names = [months[m] for m in needed_months]
    extra = list(BACKGROUND) if background else []

    config = {"preserve_insertion_order": True}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        config["temp_directory"] = temp_directory
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    try:
        columns = ", ".join(_quote(c) for c in [pnr] + week_names + month_names + extra)
        literal = "'" + str(path).replace("'", "''") + "'"
        if suffix == ".parquet":
            kind = con.sql(f"DESCRIBE SELECT {_quote(pnr)} FROM read_parquet({literal})").fetchall()[0][1]
            if kind not in TEXT_TYPES:
                raise DataError(path, f"{NUMERIC_ID} (the column is Parquet type {kind})", column=pnr)
            source = f"(SELECT file_row_number AS _row, {columns} FROM read_parquet({literal}, file_row_number = true))"
        else:
            check_utf8(path)
            separator = csv_separator(path)
            con.sql(f"CREATE TEMP TABLE csv_rows AS SELECT {columns} FROM read_csv({literal}, "
                    f"delim = '{separator}', header = true, all_varchar = true, quote = '\"')")
            source = f"(SELECT rowid AS _row, * FROM csv_rows)"
        rows_in_file = con.sql(f"SELECT count(*) FROM {source}").fetchall()[0][0]
        conditions = []
        if eligible_only:
            codes = "', '".join(sorted(family_codes(mapping)))
            eligible_weeks = sorted({weeks[s - 1] for s in starts})
            conditions.append("(" + " OR ".join(f"{_normalised(c)} IN ('{codes}')" for c in eligible_weeks) + ")")
        if ids is not None:
            con.register("wanted_ids", pd.DataFrame({"pid": pd.Series(sorted(ids), dtype=str)}))
            conditions.append(f"trim({_quote(pnr)}) IN (SELECT pid FROM wanted_ids)")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        query = f"SELECT * FROM {source}{where} ORDER BY _row"
        reader = con.sql(query).to_arrow_reader(BATCH_ROWS)
        decoder = _Decoder(path, mapping, family_codes(mapping), FAMILIES, GONE)
        parts = [decoder.batch(batch, pnr, week_names, month_names, first, extra) for batch in reader]
    finally:
        con.close()
    persons = pd.concat([p for p, _, _ in parts], ignore_index=True) if parts else \
        pd.DataFrame({"pid": pd.Series([], dtype=str), "row": pd.Series([], dtype=int)})
    n_weeks = len(week_names)
    scores = np.vstack([s for _, s, _ in parts]) if parts else np.empty((0, n_weeks), np.int8)
    family = np.vstack([f for _, _, f in parts]) if parts else np.empty((0, n_weeks), np.int8)
    _check_ids(path, persons, pnr)
    if extra:
        frame = persons.set_index(persons["row"] - 1)[extra]
        for column in extra:
            frame[column] = blank_missing(frame[column])
        validate_pool_background(frame, path)
    # pad to the window asked for: weeks before the file's first are absent (excluded)
    pad_before = first - want_first
    if pad_before:
        scores = np.hstack([np.full((len(scores), pad_before), EXCLUDED, np.int8), scores])
        family = np.hstack([np.zeros((len(family), pad_before), np.int8), family])
    return Pool(persons=persons, scores=scores, family=family, first_week=want_first, data_first=data_first,
                data_last=min(data_last, last), rows_in_file=int(rows_in_file), source=str(path), query=query)


def _check_ids(path: Path, persons: pd.DataFrame, pnr: str) -> None:
    blank = persons["pid"].map(is_missing).to_numpy(dtype=bool)
    if blank.any():
        raise DataError(path, "empty person id", row=int(persons["row"][blank].iloc[0]), column=pnr,
                        more=int(blank.sum()) - 1)
    dup = persons["pid"].duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(path, "duplicate PNR: the pool has one row per person", row=int(persons["row"][dup].iloc[0]),
                        column=pnr, more=int(dup.sum()) - 1)


class _Decoder:
    """Decodes Arrow batches: each distinct cell text once, with the readers' rules."""

    def __init__(self, path: Path, mapping: ScoreMapping, families: dict[str, str], family_names, gone):
        self.path, self.mapping = path, mapping
        self.family_index = {code: family_names.index(f) + 1 for code, f in families.items()}
        self.gone = gone
        self.weekly: dict[str, tuple[int, int]] = {}   # cell text -> (score or blank marker, family)
        self.monthly: dict[str, bool] = {}

    def _fail(self, err: str, name: str, column, bad: str, rows) -> None:
        import pyarrow.compute as pc
        hit = np.flatnonzero(np.asarray(pc.equal(column, bad)))
        raise DataError(self.path, err, row=int(rows[hit[0]]) + 1, column=name, more=len(hit) - 1)

    def _week(self, text: str, name: str, column, rows) -> tuple[int, int]:
        if text not in self.weekly:
            try:
                code = weekly_code(text)
            except ValueError as err:
                self._fail(str(err), name, column, text, rows)
            if code and code not in self.mapping.scores:
                self._fail(unknown_code(code), name, column, text, rows)
            score = self.mapping.scores[code] if code else -2          # -2: blank, see the month
            fam = self.gone if code in ("997", "999") else self.family_index.get(code, 0)
            self.weekly[text] = (score, fam)
        return self.weekly[text]

    def _month(self, text: str, name: str, column, rows) -> bool:
        if text not in self.monthly:
            try:
                self.monthly[text] = employment(text)
            except ValueError as err:
                self._fail(str(err), name, column, text, rows)
        return self.monthly[text]

    @staticmethod
    def _texts(column):
        import pyarrow as pa
        import pyarrow.compute as pc
        if not pa.types.is_string(column.type):
            column = pc.cast(column, pa.string())
        column = pc.fill_null(column, "")
        uniques = pc.unique(column)
        return column, uniques, np.asarray(pc.index_in(column, value_set=uniques))

    def batch(self, batch, pnr: str, week_names, month_names, first: int, extra):
        rows = np.asarray(batch.column("_row"))
        n = batch.num_rows
        employed_month = np.zeros((n, len(month_names)), dtype=bool)
        for j, name in enumerate(month_names):
            column, uniques, index = self._texts(batch.column(name))
            values = uniques.to_pylist()
            lookup = np.array([self._month(v, name, column, rows) for v in values], dtype=bool)
            employed_month[:, j] = lookup[index]
        month_pos = {m: j for j, m in enumerate(sorted({month_of_week(first + i) for i in range(len(week_names))}))}
        week_month = np.array([month_pos[month_of_week(first + i)] for i in range(len(week_names))])
        scores = np.empty((n, len(week_names)), dtype=np.int8)
        family = np.empty((n, len(week_names)), dtype=np.int8)
        for j, name in enumerate(week_names):
            column, uniques, index = self._texts(batch.column(name))
            decoded = [self._week(v, name, column, rows) for v in uniques.to_pylist()]
            score = np.array([d[0] for d in decoded], dtype=np.int8)[index]
            blank = score == -2
            if blank.any():
                job = employed_month[:, week_month[j]]
                score = np.where(blank, np.where(job, self.mapping.blank_employed,
                                                 self.mapping.blank_not_employed), score)
            scores[:, j] = score
            family[:, j] = np.array([d[1] for d in decoded], dtype=np.int8)[index]
        persons = pd.DataFrame({"pid": as_text(batch.column(pnr).to_pandas()).to_numpy(),
                                "row": rows.astype(np.int64) + 1})
        for column in extra:
            persons[column] = as_text(batch.column(column).to_pandas()).to_numpy()
        return persons, scores, family
