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

The kept rows are streamed to Arrow in batches of BATCH_ROWS and decoded column by column
with the readers' own rules, once per distinct value (`analysis.readers.values.weekly_code`,
`employment`), so a bad value stops with the file, row, column and reason as in `dream.*`:

* **typed columns** (Parquet integers, or floats that are whole numbers): DuckDB hands over
  the numbers; each distinct number is checked against the score mapping. The format to use
  at scale (data/README.md: convert DREAM once, codes as SMALLINT, months as INTEGER);
* **text columns** (CSV, or Parquet text): each distinct text of a column and batch is
  checked with `weekly_code`/`employment`; slower (about 3x), fine for small files.

Parquet (`file_row_number` gives the row) and CSV (`,` or `;`; loaded into a DuckDB table
first, whose `rowid` is the row) are accepted.
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
from analysis.readers.values import MISSING, blank_missing, employment, is_missing, weekly_code
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
    if suffix not in (".parquet", ".csv"):
        raise DataError(path, "the comparison design reads DREAM-layout files with DuckDB, which reads "
                              "Parquet and CSV: convert the file once to Parquet (e.g. with pyreadstat)")
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
    con.execute("SET enable_progress_bar = false")
    try:
        columns = ", ".join(_quote(c) for c in [pnr] + week_names + month_names + extra)
        literal = "'" + str(path).replace("'", "''") + "'"
        if suffix == ".parquet":
            types = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT {columns} FROM read_parquet({literal})").fetchall()}
            if types[pnr] not in TEXT_TYPES:
                raise DataError(path, f"{NUMERIC_ID} (the column is Parquet type {types[pnr]})", column=pnr)
            source = f"(SELECT file_row_number AS _row, {columns} FROM read_parquet({literal}, file_row_number = true))"
            rows_in_file = con.sql(f"SELECT count(*) FROM read_parquet({literal})").fetchall()[0][0]
        else:
            check_utf8(path)
            separator = csv_separator(path)
            con.sql(f"CREATE TEMP TABLE csv_rows AS SELECT {columns} FROM read_csv({literal}, "
                    f"delim = '{separator}', header = true, all_varchar = true, quote = '\"')")
            types = {c: "VARCHAR" for c in [pnr] + week_names + month_names + extra}
            source = "(SELECT rowid AS _row, * FROM csv_rows)"
            rows_in_file = con.sql("SELECT count(*) FROM csv_rows").fetchall()[0][0]
        conditions = []
        if eligible_only:
            # a superset test (the first three characters of the code as text): rows it keeps
            # that are not eligible are decoded, validated and left out by the matching
            codes = "', '".join(sorted(family_codes(mapping)))
            eligible_weeks = sorted({weeks[s - 1] for s in starts})
            numbers = codes.replace("'", "")
            conditions.append("(" + " OR ".join(
                f"{_quote(c)} IN ({numbers})" if types[c] in INTEGER_TYPES + ("FLOAT", "DOUBLE")
                else f"left(trim(CAST({_quote(c)} AS VARCHAR)), 3) IN ('{codes}')" for c in eligible_weeks) + ")")
        if ids is not None:
            con.register("wanted_ids", pd.DataFrame({"pid": pd.Series(sorted(ids), dtype=str)}))
            conditions.append(f"trim({_quote(pnr)}) IN (SELECT pid FROM wanted_ids)")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        select = ", ".join([_quote(pnr), "_row"] + [_quote(c) for c in extra]
                           + [_cell_sql(c, types[c]) for c in week_names + month_names])
        query = f"SELECT {select} FROM {source}{where}"
        decoder = _Decoder(path, mapping, family_codes(mapping), FAMILIES, GONE)
        month_pos = {m: j for j, m in enumerate(needed_months)}
        week_month = np.array([month_pos[month_of_week(w)] for w in range(first, last + 1)])
        people, score_parts, family_parts = [], [], []
        for batch in con.sql(query).to_arrow_reader(BATCH_ROWS):
            rows = np.asarray(batch.column(1)).astype(np.int64)
            offset = 2 + len(extra)
            codes = np.column_stack([decoder.week(batch.column(offset + j), name, rows)
                                     for j, name in enumerate(week_names)])
            employed = np.column_stack([decoder.month(batch.column(offset + len(week_names) + j), name, rows)
                                        for j, name in enumerate(month_names)])
            score = decoder.score[codes]
            blank = codes == 0
            score[blank] = np.where(employed[:, week_month], mapping.blank_employed,
                                    mapping.blank_not_employed)[blank]
            score_parts.append(score)
            family_parts.append(decoder.family[codes])
            frame = pd.DataFrame({"pid": as_text(batch.column(0).to_pandas()).to_numpy(), "row": rows + 1})
            for j, column in enumerate(extra):
                frame[column] = as_text(batch.column(2 + j).to_pandas()).to_numpy()
            people.append(frame)
    finally:
        con.close()
    n_weeks = len(week_names)
    persons = pd.concat(people, ignore_index=True) if people else \
        pd.DataFrame({"pid": pd.Series([], dtype=str), "row": pd.Series([], dtype=np.int64)})
    scores = np.vstack(score_parts) if score_parts else np.empty((0, n_weeks), np.int8)
    family = np.vstack(family_parts) if family_parts else np.empty((0, n_weeks), np.int8)
    order = np.argsort(persons["row"].to_numpy(), kind="stable")      # file order, whatever the scan did
    if not np.array_equal(order, np.arange(len(order))):
        persons, scores, family = persons.iloc[order].reset_index(drop=True), scores[order], family[order]
    if eligible_only:       # the SQL test keeps a superset: now exactly the eligible
        eligible = (family[:, [s - 1 - first for s in starts]] > 0).any(axis=1)
        if not eligible.all():
            persons, scores, family = persons[eligible].reset_index(drop=True), scores[eligible], family[eligible]
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
    """Person ids of the kept rows: none empty (the readers' "none" values), none twice."""
    ids = persons["pid"]
    short = ids.str.len().to_numpy() <= max(len(m) for m in MISSING)     # only these can be "none"
    blank = np.zeros(len(ids), dtype=bool)
    blank[short] = ids[short].map(is_missing).to_numpy(dtype=bool)
    if blank.any():
        raise DataError(path, "empty person id", row=int(persons["row"][blank].iloc[0]), column=pnr,
                        more=int(blank.sum()) - 1)
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        raise DataError(path, "duplicate PNR: the pool has one row per person", row=int(persons["row"][dup].iloc[0]),
                        column=pnr, more=int(dup.sum()) - 1)


INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "HUGEINT")
NOT_WHOLE = -1      # a typed cell that is no whole number (e.g. 730.5, -3): looked at again


def _cell_sql(name: str, kind: str) -> str:
    """SQL for a code or month cell: an integer column as INTEGER (missing = 0: DREAM has no
    code 0, data/README.md), a floating-point one the same when whole and >= 0, else
    NOT_WHOLE; a text column as it is (decoded per distinct text in Python)."""
    column = _quote(name)
    if kind in INTEGER_TYPES:
        return f"CAST(coalesce({column}, 0) AS INTEGER) AS {column}"
    if kind in ("FLOAT", "DOUBLE") or kind.startswith("DECIMAL"):
        return (f"CAST(CASE WHEN {column} IS NULL THEN 0 WHEN {column} >= 0 AND {column} = trunc({column}) "
                f"THEN {column} ELSE {NOT_WHOLE} END AS INTEGER) AS {column}")
    return f"CAST({column} AS VARCHAR) AS {column}"


class _Decoder:
    """Cells of a batch -> numeric DREAM codes (0 = no code) and employment, with the readers'
    rules (analysis.readers.values.weekly_code, employment) applied once per distinct value;
    `score`/`family` give each code's score (0-10, EXCLUDED) and family (0, i + 1 for
    FAMILIES[i], GONE for 997/999)."""

    def __init__(self, path: Path, mapping: ScoreMapping, families: dict[str, str], family_names, gone: int):
        self.path, self.mapping = path, mapping
        self.score = np.full(1000, EXCLUDED, dtype=np.int8)
        self.family = np.zeros(1000, dtype=np.int8)
        self.known = np.zeros(1000, dtype=bool)
        self.known[0] = True
        for code, value in mapping.scores.items():
            if code.isdigit() and int(code) < 1000:
                self.score[int(code)], self.known[int(code)] = value, True
        for code, fam in families.items():
            self.family[int(code)] = family_names.index(fam) + 1
        self.family[[997, 999]] = gone
        self.texts: dict[str, int] = {}
        # known_ext[v + 1]: the number v is a code of the mapping or 0 (v = -1 and v >= 1000: no)
        self.known_ext = np.concatenate([[False], self.known, [False]])

    def _fail(self, reason: str, name: str, column, bad, rows) -> None:
        import pyarrow.compute as pc
        hit = np.flatnonzero(np.asarray(pc.fill_null(pc.equal(column, bad), False)))
        raise DataError(self.path, reason, row=int(rows[hit[0]]) + 1, column=name, more=len(hit) - 1)

    def _code(self, text: str, name: str, column, rows) -> int:
        try:
            code = weekly_code(text)
        except ValueError as err:
            self._fail(str(err), name, column, text, rows)
        if code and (len(code) > 3 or not self.known[int(code)]):
            self._fail(unknown_code(code), name, column, text, rows)
        return int(code or 0)

    def week(self, column, name: str, rows) -> np.ndarray:
        """The numeric codes (int16) of one weekly column of a batch."""
        import pyarrow as pa
        import pyarrow.compute as pc
        if pa.types.is_integer(column.type):
            values = np.asarray(column)
            ok = self.known_ext[np.clip(values.astype(np.int32) + 1, 0, 1001)]
            if ok.all():
                return values.astype(np.int16)
            for v in np.unique(values[~ok]):
                if v == NOT_WHOLE:
                    raise DataError(self.path, "a value that is no whole number >= 0 (e.g. 730.5 or -1): "
                                               "not a DREAM code (a whole number such as 730)", column=name,
                                    row=int(rows[np.flatnonzero(values == v)[0]]) + 1)
                self._fail(unknown_code(str(v)), name, column, int(v), rows)
            return values.astype(np.int16)
        column = pc.fill_null(column, "")
        uniques = pc.unique(column)
        lookup = np.array([self.texts[t] if t in self.texts else self.texts.setdefault(t, self._code(t, name, column, rows))
                           for t in uniques.to_pylist()], dtype=np.int16)
        return lookup[np.asarray(pc.index_in(column, value_set=uniques))]

    def month(self, column, name: str, rows) -> np.ndarray:
        """Employment (bool) in one monthly column of a batch."""
        import pyarrow as pa
        import pyarrow.compute as pc
        if pa.types.is_integer(column.type):
            values = np.asarray(column)
            if (values < 0).any():
                raise DataError(self.path, "a value that is not a whole number >= 0: neither an industry code "
                                           "nor a value meaning 'no employment'", column=name,
                                row=int(rows[np.flatnonzero(values < 0)[0]]) + 1)
            return values != 0
        column = pc.fill_null(column, "")
        uniques = pc.unique(column)
        lookup = []
        for text in uniques.to_pylist():
            try:
                lookup.append(employment(text))
            except ValueError as err:
                self._fail(str(err), name, column, text, rows)
        return np.array(lookup, dtype=bool)[np.asarray(pc.index_in(column, value_set=uniques))]
