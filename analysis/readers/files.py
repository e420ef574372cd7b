"""Read input tables (CSV, Excel, Parquet, SAS) as text columns, with clear errors.

What is accepted (data/README.md, "Formats"):

* CSV: UTF-8 (a byte-order mark is allowed) with a header line; columns separated by `,` or
  `;` (found from the header line: Danish Excel writes `;`); values may be quoted and may
  then hold separators and line breaks. Any other separator is an error that names it.
* Excel workbook `.xlsx` (read with openpyxl): the table on one worksheet, header in row 1,
  so data row N is Excel row N + 1. Old or other spreadsheet formats (`.xls`, `.xlsb`,
  `.ods`) are named in the error when no supported file is there.
* Parquet (pyarrow) and SAS `.sas7bdat` (pyreadstat): typed columns; a number is turned
  into text (`730.0` -> `730`), a missing value into ''.

Every cell arrives as text: white space around it removed (for registrations and surveys),
Unicode in composed form (NFC), missing as ''. What a value *means* (the "none" values,
codes, ids) is decided by `analysis.readers.values`. Person ids must be text: an id column
stored as numbers loses leading zeros and is an error (`id_column=`).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DataError

# the formats of registrations and survey files, in the order they are named in messages
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".sas7bdat")
# DREAM comes from Statistics Denmark as SAS (or a CSV/Parquet made from it): no Excel
DREAM_SUFFIXES = (".csv", ".parquet", ".sas7bdat")
SUFFIXES = TABLE_SUFFIXES
SEPARATORS = (",", ";")
TEXT = pd.StringDtype(na_value=np.nan)     # pandas' default text type: what read_csv(dtype=str) gives
SEPARATOR_NAMES = {",": "comma ','", ";": "semicolon ';'", "\t": "tab", "|": "vertical bar '|'"}
NUMERIC_ID = ("person ids are stored as numbers, which loses leading zeros (0123456789 becomes "
              "123456789): store the id column as text")


# ---------------------------------------------------------------- checks on the file

def check_not_empty(path: Path) -> None:
    """DataError when `path` does not exist or has 0 bytes."""
    if not path.exists():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "the file is empty (0 bytes)")


def check_utf8(path: Path) -> None:
    """Fail on the first line that is not valid UTF-8 (e.g. a latin-1 export with æøå).

    The message quotes only the field that holds the bad byte, never the line, because a
    line starts with the person id."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                bad = raw[err.start:err.start + 1].hex()
                starts = [raw.rfind(sep.encode(), 0, err.start) for sep in SEPARATORS]
                ends = [raw.find(sep.encode(), err.start) for sep in SEPARATORS]
                begin = max(starts) + 1
                end = min([e for e in ends if e != -1], default=len(raw))
                field = raw[begin:end].decode("latin-1").strip()
                number = sum(raw.count(sep.encode(), 0, err.start) for sep in SEPARATORS) + 1
                hint = f" (field {number} reads {field[:40]!r} as latin-1)"
                raise DataError(
                    path,
                    f"not UTF-8: byte 0x{bad} at line {line_no}, position {err.start + 1}"
                    f"{hint}; save the file as UTF-8 (likely latin-1/Windows-1252 now)",
                    row=line_no - 1 if line_no > 1 else None, line=line_no)


def csv_separator(path: Path) -> str:
    """The column separator of a CSV file, `,` or `;`, found from its header line.

    The candidate (`,` `;` tab `|`) that splits the header (quotes respected) into the most
    columns wins; a header of one column counts as `,`. Raises DataError naming the
    separator when it is neither `,` nor `;`."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise DataError(path, "the file has no header line (the first line is empty)")
    counts = {sep: len(next(csv.reader([first], delimiter=sep))) for sep in SEPARATOR_NAMES}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    if counts[best] == 1:
        return ","
    if best not in SEPARATORS:
        raise DataError(path, f"the header line is separated by {SEPARATOR_NAMES[best]}; save the file "
                              "as CSV with ',' or ';' between the columns")
    return best


def csv_line(path: str | Path, row: int) -> int | None:
    """The line of a CSV file on which data row `row` (1-based) starts, counting the line
    breaks inside quoted values and skipping blank lines as the reader does; None if the
    file has fewer rows or cannot be read."""
    path = Path(path)
    try:
        separator = csv_separator(path)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=separator)
            next(reader)
            seen, start = 0, reader.line_num + 1
            for record in reader:
                if record:
                    seen += 1
                    if seen == row:
                        return start
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration, DataError):
        return None
    return None


# ---------------------------------------------------------------- finding the files

def find_one(data_dir: Path, stem: str, suffixes: tuple[str, ...] = TABLE_SUFFIXES,
             required: bool = True) -> Path | None:
    """The single file `stem.<suffix>` in `data_dir` (suffix in any case).

    Raises DataError when there are several, and when there is none and `required` (else
    returns None); either message names the files beside it that look like it but cannot be
    read (`registrations.xls`, `Registrations.xlsx`, `dream.xlsx`)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(data_dir, "data directory not found")
    found, neighbours = [], []
    for path in sorted(data_dir.iterdir()):
        name = path.name
        if name.startswith(("~$", ".~lock")) or not path.is_file():
            continue                     # Excel's and LibreOffice's lock files
        base, _, suffix = name.partition(".")
        if base.casefold() != stem.casefold():
            continue
        if base == stem and f".{suffix.lower()}" in suffixes:
            found.append(path)
        else:
            neighbours.append(name)
    if len(found) > 1:
        raise DataError(data_dir, f"more than one {stem} file: {', '.join(p.name for p in found)}; keep one")
    if found:
        return found[0]
    if neighbours or required:
        names = [f"{stem}{s}" for s in suffixes]
        reason = f"no {', '.join(names[:-1])} or {names[-1]} in the data directory"
        if neighbours:
            excel = "; Excel files as .xlsx workbooks" if ".xlsx" in suffixes else ""
            reason += (f"; found {', '.join(neighbours)}, which cannot be read: save it as "
                       f"{' or '.join(f'{stem}{s}' for s in suffixes[:2])} "
                       f"(file names are lower case{excel})")
        raise DataError(data_dir, reason)
    return None


# ---------------------------------------------------------------- text columns

def _nfc(series: pd.Series) -> pd.Series:
    """Unicode in composed form (NFC), so 'Å' typed as A + ring equals 'Å'."""
    if bool(series.str.isascii().all()):
        return series
    return series.str.normalize("NFC")


def as_text(series: pd.Series, strip: bool = True) -> pd.Series:
    """A column as text: 730.0 -> '730', missing -> '', text in NFC (stripped if `strip`)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("Float64")
        whole = values.round().eq(values).fillna(True)
        if bool(whole.all()):
            values = values.astype("Int64")
        return values.astype("string").fillna("").astype(TEXT)
    if series.dtype != TEXT:
        series = series.astype("string").fillna("").astype(TEXT)
    text = series.fillna("")
    return _nfc(text.str.strip() if strip else text)


def _check_numeric_id(path: Path, suffix: str, id_column: str | None) -> None:
    """DataError when a typed file (Parquet, SAS) stores the id column as numbers."""
    if id_column is None:
        return
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        schema = pq.read_schema(path)
        if id_column in schema.names:
            kind = schema.field(id_column).type
            if not _is_text_type(kind):
                raise DataError(path, f"{NUMERIC_ID} (the column is Parquet type {kind})", column=id_column)
    elif suffix == ".sas7bdat":
        import pyreadstat
        _, meta = pyreadstat.read_sas7bdat(str(path), metadataonly=True)
        if meta.readstat_variable_types.get(id_column, "string") != "string":
            raise DataError(path, f"{NUMERIC_ID} (the column is a SAS numeric variable; make it a "
                                  "character variable)", column=id_column)


def _is_text_type(kind) -> bool:
    """True for Parquet/Arrow text types (a dictionary of text counts as text)."""
    import pyarrow as pa
    view = getattr(pa.types, "is_string_view", lambda _: False)
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or view(kind)
            or (pa.types.is_dictionary(kind) and _is_text_type(kind.value_type)))


def _excel_frame(path: Path, id_column: str | None) -> pd.DataFrame:
    """The table on the one worksheet of an .xlsx workbook that has data, as text.

    Row 1 is the header (columns with an empty header cell are ignored, like other extra
    columns); trailing empty rows are dropped, empty rows in between kept (they fail the
    contract with their row number). A number in the id column is a DataError naming the
    Excel row."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    import zipfile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise DataError(path, f"cannot be opened as an Excel workbook (.xlsx): {err}") from None
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(min_row=1, values_only=True)]
            while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
                rows.pop()
            if rows:
                sheets.append((sheet.title, rows))
    finally:
        book.close()
    if not sheets:
        raise DataError(path, "the workbook has no data")
    if len(sheets) > 1:
        raise DataError(path, f"{len(sheets)} worksheets have data ({', '.join(repr(t) for t, _ in sheets)}): "
                              "put the table on one worksheet")
    title, rows = sheets[0]
    header = rows[0]
    if all(v is None for v in header):
        raise DataError(path, f"row 1 of worksheet {title!r} is empty: the header must be in row 1")
    keep = [j for j, v in enumerate(header) if v is not None and str(v).strip()]
    names = [str(header[j]).strip() for j in keep]
    width = len(header)
    body = [r + [None] * (width - len(r)) for r in rows[1:]]
    if id_column in names:
        j = keep[names.index(id_column)]
        numeric = [i for i, r in enumerate(body, start=1)
                   if isinstance(r[j], (int, float)) and not isinstance(r[j], bool)]
        if numeric:
            raise DataError(path, f"{NUMERIC_ID} (Excel: format the column as Text before typing the ids)",
                            row=numeric[0], column=id_column, more=len(numeric) - 1)

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    columns = {name: pd.Series([text(r[j]) for r in body], dtype=TEXT)
               for name, j in zip(names, keep)}
    _check_unique(path, names)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(body)))


def _check_unique(path: Path, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(path, f"column {name!r} appears more than once in the header", column=name)
        seen.add(name)


# ---------------------------------------------------------------- reading

def read_header(path: Path) -> list[str]:
    """Column names of a table without reading its rows (NFC, stripped for CSV and Excel)."""
    check_not_empty(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        check_utf8(path)
        return _csv_header(path, csv_separator(path))
    if suffix == ".xlsx":
        return list(_excel_frame(path, None).columns)
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        return list(pq.read_schema(path).names)
    if suffix == ".sas7bdat":
        import pyreadstat
        _, meta = pyreadstat.read_sas7bdat(str(path), metadataonly=True)
        return list(meta.column_names)
    raise DataError(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")


def _csv_header(path: Path, separator: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        names = [unicodedata.normalize("NFC", n).strip() for n in next(csv.reader(handle, delimiter=separator))]
    _check_unique(path, names)
    return names


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _csv_chunks(path: Path, columns: list[str] | None, chunksize: int | None):
    """pandas' CSV reader (all text, nothing read as NA), with its errors made ours."""
    check_utf8(path)
    separator = csv_separator(path)
    header = _csv_header(path, separator)
    if columns is not None:
        absent = [c for c in columns if c not in header]
        if absent:
            raise DataError(path, f"column {absent[0]!r} is missing", column=absent[0], more=len(absent) - 1)
    try:
        wanted = None if columns is None else set(columns)
        reader = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False,
                             usecols=None if wanted is None else
                             (lambda c: unicodedata.normalize("NFC", c).strip() in wanted),
                             encoding="utf-8-sig", chunksize=chunksize)
        if chunksize is None:
            reader = [reader]
        for chunk in reader:
            chunk.columns = [unicodedata.normalize("NFC", c).strip() for c in chunk.columns]
            yield chunk
    except pd.errors.ParserError as err:
        match = _FIELDS.search(str(err))
        if not match:
            raise DataError(path, f"cannot be read as CSV: {err}") from None
        expected, record, saw = (int(g) for g in match.groups())
        raise DataError(path, f"the row has {saw} fields, the header {expected}: a value holding the "
                              f"separator {separator!r} must be in double quotes",
                        row=record - 1) from None


def _chunks(path: Path, columns: list[str] | None, chunksize: int | None, id_column: str | None):
    """The table in row chunks as pandas frames (types as the file stores them)."""
    suffix = path.suffix.lower()
    _check_numeric_id(path, suffix, id_column)
    if suffix == ".csv":
        yield from _csv_chunks(path, columns, chunksize)
    elif suffix == ".xlsx":
        frame = _excel_frame(path, id_column)
        absent = [c for c in columns or [] if c not in frame.columns]
        if absent:
            raise DataError(path, f"column {absent[0]!r} is missing", column=absent[0], more=len(absent) - 1)
        yield frame if columns is None else frame[columns]
    elif suffix == ".parquet":
        import pyarrow.parquet as pq
        if chunksize is None:
            yield pd.read_parquet(path, columns=columns)
        else:
            parquet = pq.ParquetFile(path)
            for batch in parquet.iter_batches(batch_size=chunksize, columns=columns):
                yield batch.to_pandas()
    elif suffix == ".sas7bdat":
        import pyreadstat
        if chunksize is None:
            yield pyreadstat.read_sas7bdat(str(path), usecols=columns)[0]
        else:
            for frame, _ in pyreadstat.read_file_in_chunks(pyreadstat.read_sas7bdat, str(path),
                                                           chunksize=chunksize, usecols=columns):
                yield frame
    else:
        raise DataError(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")


def read_table(path: Path, columns: list[str] | None = None, id_column: str | None = None) -> pd.DataFrame:
    """All (or the given) columns of a table as text: stripped, NFC, missing as ''.

    Rows keep their order, index 0..n-1 (data row N is index N-1). Raises DataError for an
    empty or unreadable file, a bad separator, a missing column in `columns`, and an
    `id_column` stored as numbers."""
    check_not_empty(path)
    frame = pd.concat(list(_chunks(path, columns, None, id_column)), ignore_index=True)
    if columns is not None:
        frame = frame[columns]
    for name in frame.columns:
        frame[name] = as_text(frame[name])
    return frame.reset_index(drop=True)


def read_rows(path: Path, columns: list[str], id_column: str, keep: set[str],
              chunksize: int = 50_000) -> pd.DataFrame:
    """The given columns of the rows whose `id_column` is in `keep`, read in chunks so a
    national-size file never sits in memory whole. Adds `_row`, the 1-based data row.

    Ids are stripped and NFC; the other columns are text as stored (CSV) or converted from
    numbers (`730.0` -> `730`), not stripped. Raises DataError as `read_table` does."""
    check_not_empty(path)
    if id_column not in columns:
        columns = [id_column] + columns
    from_csv = path.suffix.lower() == ".csv"
    kept, offset = [], 0
    for chunk in _chunks(path, columns, chunksize, id_column):
        chunk = chunk.reset_index(drop=True)
        ids = as_text(chunk[id_column])
        rows = ids.isin(keep).to_numpy()
        part = chunk[rows][columns].copy()
        part[id_column] = ids[rows].to_numpy()
        part["_row"] = np.flatnonzero(rows) + offset + 1
        kept.append(part)
        offset += len(chunk)
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=columns + ["_row"])
    for name in columns:
        if not from_csv or not pd.api.types.is_string_dtype(frame[name]):
            frame[name] = as_text(frame[name], strip=False)
    return frame
