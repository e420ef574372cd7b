"""Data contracts (pandera) for the inputs, turned into DataError messages."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.errors import DataError
from analysis.readers.printable import check_printable
from analysis.weeks import ISO_WEEK_TEXT

PHASES = ("pilot", "udbredelse")
STATUSES = ("gennemført", "afmeldt")
GENDERS = ("mand", "kvinde")
AGE_GROUPS = ("Under 25 år", "25-35 år", "36-45 år", "46-55 år", "Over 55 år")
VISITATION = ("Akt. kontanthjælp", "Akt. udd.hjælp", "Ressourceforløb", "Andet")
YES_NO = ("ja", "nej")

REGISTRATION_COLUMNS = ("pnr", "hold", "kommune", "fase", "kursusstart", "status",
                        "samtykke", "registreret", "koen", "aldersgruppe",
                        "visitationskategori")
# background columns that are empty when registreret = nej: a missing value of any kind
# (analysis.readers.values.MISSING: SAS '.', NA, ...) reads as empty
OPTIONAL_COLUMNS = ("koen", "aldersgruppe", "visitationskategori")
# free text the report prints as given: it must be printable in the PDF
PRINTED_COLUMNS = ("hold", "kommune")


def _text(checks=(), nullable=False):
    return pa.Column(str, checks=list(checks), nullable=nullable, coerce=True)


def _one_of(values, allow_blank=False):
    allowed = list(values) + ([""] if allow_blank else [])
    return pa.Check.isin(allowed, error=f"must be one of {', '.join(repr(v) for v in allowed)}")


NON_EMPTY = pa.Check.str_length(min_value=1, error="must not be empty")

REGISTRATIONS = pa.DataFrameSchema(
    {
        "pnr": _text([NON_EMPTY]),
        "hold": _text([NON_EMPTY]),
        "kommune": _text([NON_EMPTY]),
        "fase": _text([_one_of(PHASES)]),
        "kursusstart": _text([pa.Check.str_matches(ISO_WEEK_TEXT.pattern,
                                                   error="must be an ISO week YYYY-Www, e.g. 2024-W07")]),
        "status": _text([_one_of(STATUSES)]),
        "samtykke": _text([_one_of(YES_NO)]),
        "registreret": _text([_one_of(YES_NO)]),
        "koen": _text([_one_of(GENDERS, allow_blank=True)]),
        "aldersgruppe": _text([_one_of(AGE_GROUPS, allow_blank=True)]),
        "visitationskategori": _text([_one_of(VISITATION, allow_blank=True)]),
    },
    strict=False,
    ordered=False,
)


def raise_first(path: Path, err: pa.errors.SchemaErrors) -> None:
    cases = err.failure_cases
    cases = cases[cases["index"].notna()] if cases["index"].notna().any() else cases
    first = cases.iloc[0]
    row = int(first["index"]) + 1 if pd.notna(first["index"]) else None
    column = first["column"] if pd.notna(first["column"]) else None
    value = first["failure_case"]
    reason = str(first["check"])
    if reason.startswith("column_in_dataframe"):
        raise DataError(path, f"required column {value!r} is missing", more=len(cases) - 1)
    raise DataError(path, f"value {value!r} {reason}", row=row, column=column, more=len(cases) - 1)


def validate_registrations(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check the registrations contract (data/README.md); return the frame unchanged or
    raise DataError naming the file, row, column and reason of the first fault."""
    if frame.empty:
        raise DataError(path, "the file has a header but no rows")
    try:
        REGISTRATIONS.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise_first(path, err)
    check_printable(frame, PRINTED_COLUMNS, path)
    duplicated = frame["pnr"].duplicated(keep="first")
    if duplicated.any():
        rows = [int(i) + 1 for i in frame.index[duplicated]]
        raise DataError(path, "duplicate person id (pnr): each enrolled citizen must appear once",
                        row=rows[0], column="pnr", more=len(rows) - 1)
    registered = frame["registreret"].eq("ja")
    for column in ("koen", "aldersgruppe", "visitationskategori"):
        missing = registered & frame[column].eq("")
        if missing.any():
            rows = [int(i) + 1 for i in frame.index[missing]]
            raise DataError(path, "registered by the municipality (registreret = ja) but empty",
                            row=rows[0], column=column, more=len(rows) - 1)
    starts = frame.groupby("hold")["kursusstart"].nunique()
    if (starts > 1).any():
        team = starts.index[starts > 1][0]
        rows = [int(i) + 1 for i in frame.index[frame["hold"].eq(team)]]
        raise DataError(path, f"team {team!r} has more than one course start week",
                        row=rows[0], column="kursusstart")
    phases = frame.groupby("hold")["fase"].nunique()
    if (phases > 1).any():
        team = phases.index[phases > 1][0]
        raise DataError(path, f"team {team!r} is in more than one phase", column="fase")
    return frame


# the background columns of a comparison pool (dream_pool.*, data/README.md): the values of
# the registrations' koen and aldersgruppe (never empty: the exact-match cells need them)
POOL_BACKGROUND = pa.DataFrameSchema(
    {
        "koen": _text([_one_of(GENDERS)]),
        "aldersgruppe": _text([_one_of(AGE_GROUPS)]),
        "kommune": _text([NON_EMPTY]),
    },
    strict=False,
    ordered=False,
)


def validate_pool_background(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Check koen, aldersgruppe and kommune of a comparison pool (data/README.md,
    "dream_pool"); the frame's index is the 0-based data row of the file. Returns the frame
    or raises DataError naming the file, row, column and reason of the first fault."""
    try:
        POOL_BACKGROUND.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise_first(path, err)
    return frame
