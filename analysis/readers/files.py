"""Read input tables (CSV, Parquet, SAS) as text columns, with clear errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DataError

SUFFIXES = (".csv", ".parquet", ".sas7bdat")


def check_not_empty(path: Path) -> None:
    if not path.exists():
        raise DataError(path, "file not found")
    if path.stat().st_size == 0:
        raise DataError(path, "the file is empty (0 bytes)")


def check_utf8(path: Path) -> None:
    """Fail on the first line that is not valid UTF-8 (e.g. a latin-1 export with æøå)."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                bad = raw[err.start:err.start + 1].hex()
                # quote only the field holding the bad byte: a line starts with the person id
                begin = raw.rfind(b",", 0, err.start) + 1
                end = raw.find(b",", err.start)
                field = raw[begin:end if end != -1 else len(raw)].decode("latin-1").strip()
                hint = f" (field {raw.count(b',', 0, err.start) + 1} reads {field[:40]!r} as latin-1)"
                row = line_no - 1 if line_no > 1 else None
                raise DataError(
                    path,
                    f"not UTF-8: byte 0x{bad} at line {line_no}, position {err.start + 1}"
                    f"{hint}; save the file as UTF-8 (likely latin-1/Windows-1252 now)",
                    row=row if row else None)


def read_header(path: Path) -> list[str]:
    """Column names of a table without reading its rows."""
    check_not_empty(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        check_utf8(path)
        with path.open(encoding="utf-8-sig") as handle:
            first = handle.readline().strip()
        if not first:
            raise DataError(path, "the file has no header line")
        import csv
        with path.open(encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle))
        seen = set()
        for name in names:
            if name in seen:
                raise DataError(path, f"column {name!r} appears more than once in the header", column=name)
            seen.add(name)
        return names
    if suffix == ".parquet":
        import pyarrow.parquet as pq
        return list(pq.read_schema(path).names)
    if suffix == ".sas7bdat":
        import pyreadstat
        _, meta = pyreadstat.read_sas7bdat(str(path), metadataonly=True)
        return list(meta.column_names)
    raise DataError(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")


def _as_text(series: pd.Series) -> pd.Series:
    """Codes as text: 730.0 -> '730', missing -> ''."""
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("Float64")
        whole = values.round().eq(values).fillna(True)
        if bool(whole.all()):
            return values.astype("Int64").astype("string").fillna("")
        return values.astype("string").fillna("")
    return series.astype("string").fillna("").str.strip()


def read_table(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All (or the given) columns as stripped text, missing as ''."""
    check_not_empty(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        check_utf8(path)
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns,
                            encoding="utf-8-sig")
    elif suffix == ".parquet":
        frame = pd.read_parquet(path, columns=columns)
    elif suffix == ".sas7bdat":
        import pyreadstat
        frame, _ = pyreadstat.read_sas7bdat(str(path), usecols=columns)
    else:
        raise DataError(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")
    if columns is not None:
        frame = frame[columns]
    for name in frame.columns:
        if suffix != ".csv" or not pd.api.types.is_string_dtype(frame[name]):
            frame[name] = _as_text(frame[name])
    return frame.reset_index(drop=True)


def find_one(data_dir: Path, stem: str) -> Path:
    """The single file `stem.<csv|parquet|sas7bdat>` in `data_dir`."""
    if not data_dir.is_dir():
        raise DataError(data_dir, "data directory not found")
    found = [data_dir / f"{stem}{s}" for s in SUFFIXES if (data_dir / f"{stem}{s}").exists()]
    if not found:
        raise DataError(data_dir, f"no {stem}.csv, {stem}.parquet or {stem}.sas7bdat in the data directory")
    if len(found) > 1:
        raise DataError(data_dir, f"more than one {stem} file: {', '.join(p.name for p in found)}; keep one")
    return found[0]


def read_rows(path: Path, columns: list[str], id_column: str, keep: set[str],
              chunksize: int = 50_000) -> pd.DataFrame:
    """The given columns of the rows whose `id_column` is in `keep`, read in chunks so a
    national-size file never sits in memory whole. Adds `_row`, the 1-based data row."""
    check_not_empty(path)
    suffix = path.suffix.lower()
    if id_column not in columns:
        columns = [id_column] + columns
    if suffix == ".csv":
        check_utf8(path)
        chunks = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=columns,
                             encoding="utf-8-sig", chunksize=chunksize)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq
        parquet = pq.ParquetFile(path)
        chunks = (batch.to_pandas() for batch in parquet.iter_batches(batch_size=chunksize, columns=columns))
    elif suffix == ".sas7bdat":
        import pyreadstat
        chunks = (frame for frame, _ in pyreadstat.read_file_in_chunks(
            pyreadstat.read_sas7bdat, str(path), chunksize=chunksize, usecols=columns))
    else:
        raise DataError(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")
    kept, offset = [], 0
    for chunk in chunks:
        chunk = chunk.reset_index(drop=True)
        ids = _as_text(chunk[id_column])
        rows = ids.isin(keep).to_numpy()
        part = chunk[rows][columns].copy()
        part[id_column] = ids[rows].to_numpy()
        part["_row"] = np.flatnonzero(rows) + offset + 1
        kept.append(part)
        offset += len(chunk)
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=columns + ["_row"])
    for name in columns:
        if suffix != ".csv" or not pd.api.types.is_string_dtype(frame[name]):
            frame[name] = _as_text(frame[name])
    return frame
