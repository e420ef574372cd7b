"""Data contracts (pandera) for the inputs, turned into DataError messages."""
from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.errors import DataError, raise_at_first
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
    keys = frame["hold"].map(team_key)
    spellings = frame.groupby(keys)["hold"].nunique()
    if (spellings > 1).any():
        names = sorted(frame.loc[keys == spellings.index[spellings > 1][0], "hold"].unique())
        rows = [int(i) + 1 for i in frame.index[frame["hold"].eq(names[1])]]
        raise DataError(path, f"team written in more than one way ({', '.join(repr(n) for n in names)}): one team, "
                        "one spelling", row=rows[0], column="hold", more=len(rows) - 1)
    # a team has one start week and one phase: the rows that differ from most of the team's
    for column, what in (("kursusstart", "course start week"), ("fase", "phase")):
        usual = frame.groupby("hold")[column].transform(lambda values: values.mode().iloc[0])
        odd = frame[column].ne(usual)
        if odd.any():
            first = odd.idxmax()
            team = frame.at[first, "hold"]
            raise_at_first(path, odd & frame["hold"].eq(team), column,
                           f"team {team!r} has more than one {what}: most of its rows say {usual[first]!r}")
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


# ---------------------------------------------------------------- the registration tool

REGISTRATION_TOOL_SPEC = Path(__file__).resolve().parents[2] / "data" / "reference" / "registration_tool.yml"


def registration_tool_spec(path: Path = REGISTRATION_TOOL_SPEC) -> dict:
    """The registration tool's values (data/reference/registration_tool.yml): `praktik_status`
    (allowed statuses), `screening` (item column -> Danish wording), `screening_scale` and
    `age_bounds` ([low, high], whole numbers)."""
    import yaml
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def team_key(name: str) -> str:
    """A team name as a reader takes it: case, spaces, punctuation and leading zeros aside
    ('hold 02', 'Hold2', 'Hold-2' and 'Hold 2' are one team; 'Hold 1+3' and 'Hold 13' are
    not): its words and numbers, in order."""
    parts = re.findall(r"[^\W\d_]+|\d+", str(name).casefold())
    return " ".join(str(int(p)) if p.isdigit() else p for p in parts)


def validate_registration_tool(frame: pd.DataFrame, path: Path, registrations: pd.DataFrame) -> pd.DataFrame:
    """Check `registration_tool.*` (data/README.md): one row per registered citizen (`pnr`
    enrolled with registreret = ja, once), `alder` a whole number within the spec's age
    bounds, `praktik_status` one of the spec's statuses or blank, every screening item a
    whole number on the scale or blank, and a citizen's screening answered in full or not at
    all. Returns the frame with `alder` and the items as Int64; DataError (file, row, column,
    reason, never a person id) on the first fault. Source: seed 001 l.148-161, l.199-274."""
    spec = registration_tool_spec()
    items = list(spec["screening"])
    for column in ["pnr", "alder", "praktik_status", *items]:
        if column not in frame.columns:
            raise DataError(path, f"required column {column!r} is missing")
    if frame.empty:
        raise DataError(path, "the file has a header but no rows")

    first_bad = partial(raise_at_first, path)

    registered = set(registrations.loc[registrations["registreret"].eq("ja"), "pnr"])
    enrolled = set(registrations["pnr"])
    first_bad(~frame["pnr"].isin(enrolled), "pnr", "citizen is not among the enrolled (no row with this pnr "
              "in registrations)")
    first_bad(~frame["pnr"].isin(registered), "pnr", "citizen is enrolled with registreret = nej; the "
              "registration tool holds the registered citizens")
    first_bad(frame["pnr"].duplicated(), "pnr", "citizen appears more than once")

    def whole(column: str, low: int, high: int, blank_ok: bool) -> pd.Series:
        text = frame[column].str.replace(",", ".", regex=False)
        number = pd.to_numeric(text.where(text != ""), errors="coerce")
        given = text != ""
        first_bad(~given & (not blank_ok), column, "must not be empty")
        first_bad(given & (number.isna() | (number != number.round())), column, "must be a whole number")
        first_bad(given & ((number < low) | (number > high)), column, f"must be between {low} and {high}")
        return number.astype("Int64")

    out = frame.copy()
    out["alder"] = whole("alder", *spec["age_bounds"], blank_ok=False)
    allowed = list(spec["praktik_status"])
    first_bad(~frame["praktik_status"].isin(allowed + [""]), "praktik_status",
              f"must be one of {', '.join(repr(v) for v in allowed)} or empty")
    for item in items:
        out[item] = whole(item, *spec["screening_scale"], blank_ok=True)
    answered = out[items].notna()
    partly = answered.any(axis=1) & ~answered.all(axis=1)
    if partly.any():
        row = partly.idxmax()
        missing = next(item for item in items if not answered.loc[row, item])
        first_bad(partly, missing, "screening answered in part: a screening talk gives every item or none")
    return out
