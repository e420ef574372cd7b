"""What a cell means, per column type: the documented "none" values, codes and ids.

Every reader (CSV, Excel, Parquet, SAS) hands over text (`analysis.readers.files`); this
module decides what that text means, so the four formats are read the same way. The rules
are documented in data/README.md ("Values that mean none"):

* every column type: empty (or only white space), a missing value of a typed file (Parquet
  null, SAS and Excel empty cell: the readers give ''), SAS's missing value `.`, its special
  missing values `.A`-`.Z` and `._` (any case), and the missing markers R and pandas write,
  `NA`, `NaN`, `nan`, `<NA>`;
* DREAM weekly codes (`y_YYWW`) and monthly employment (`branche_YYYY_MM`) also: zero
  written any way a number can be (`0`, `0.0`, `00`, `0,0`): DREAM has no code 0, and
  LOKE-style extracts write a week without benefit as 0 (../shared/spec/dream.md §3);
* survey answers: not zero, which is a real answer to a number question.

Numbers may be written with a decimal point or a decimal comma (`730`, `730.0`, `730,0`):
SAS and pandas write whole numbers stored as floats with `.0`, Danish Excel with `,0`.
"""
from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd

# missing in every column type (compared after stripping white space; SAS letters in any case)
SAS_MISSING = frozenset({".", "._"} | {f".{c}" for c in string.ascii_uppercase})
NA_MARKERS = frozenset({"NA", "NaN", "nan", "<NA>"})
MISSING = frozenset({""}) | SAS_MISSING | NA_MARKERS

_ZERO = re.compile(r"^[+-]?0+(?:[.,]0*)?$")
_WHOLE = re.compile(r"^\d+(?:[.,]0+)?$")
_DIGITS_AND_POINTS = re.compile(r"^\d[\d.,]*$")


def is_missing(text: str) -> bool:
    """True for the values that mean "missing" in every column type (see the module doc)."""
    value = text.strip()
    return value in MISSING or value.upper() in SAS_MISSING


def is_zero(text: str) -> bool:
    """True for zero written as a number: `0`, `0.0`, `00`, `0,0`, `-0`."""
    return bool(_ZERO.match(text.strip()))


def blank_missing(values: pd.Series) -> pd.Series:
    """`values` (text) with every missing value (`is_missing`) replaced by ''.

    Works on the distinct values, so it is cheap on long columns."""
    uniques = pd.unique(values.to_numpy())
    gone = [u for u in uniques if u != "" and is_missing(str(u))]
    return values.replace(gone, "") if gone else values


def whole_number(text: str) -> str | None:
    """'730', ' 730', '730.0', '730,0' -> '730'; None when `text` is not a whole number."""
    value = text.strip()
    if not _WHOLE.match(value):
        return None
    return re.split(r"[.,]", value, maxsplit=1)[0]


def weekly_code(text: str) -> str:
    """A DREAM weekly code as the score mapping spells it, '' for a week without a code.

    Raises ValueError with the reason when `text` is neither a code (a whole number) nor a
    "none" value; whether the code is in the mapping is checked by the caller."""
    if is_missing(text) or is_zero(text):
        return ""
    code = whole_number(text)
    if code is None:
        raise ValueError(f"value {text.strip()!r} is not a DREAM code (a whole number such as "
                         f"730) nor a value meaning 'no code' (empty, 0, SAS '.'; see data/README.md)")
    return code


def employment(text: str) -> bool:
    """Monthly employment (`branche_YYYY_MM`): True for an industry code, False for "none".

    An industry code is written with digits (and, from a float or DB07's dotted form,
    `.` or `,`); anything else raises ValueError with the reason."""
    if is_missing(text) or is_zero(text):
        return False
    if not _DIGITS_AND_POINTS.match(text.strip()):
        raise ValueError(f"value {text.strip()!r} is neither an industry code (digits, e.g. 479100) "
                         "nor a value meaning 'no employment' (empty, 0, 0.0, SAS '.'; see data/README.md)")
    return True


def decode_columns(frame: pd.DataFrame, decode, path, rows: np.ndarray | None = None
                   ) -> tuple[np.ndarray, list]:
    """Decode every cell of `frame` (text) with `decode` (text -> value, ValueError with the
    reason on a bad value), once per distinct value: returns (`inverse`, `values`), an int32
    array of `frame`'s shape and the distinct decoded values it indexes.

    On the first bad value raises DataError naming `path`, the data row (`rows`: the 0-based
    file row of each of `frame`'s rows; default its position) and the column."""
    from analysis.errors import DataError

    vocabulary: dict[object, int] = {}
    inverse = np.empty(frame.shape, dtype=np.int32)
    for j, name in enumerate(frame.columns):
        codes, uniques = pd.factorize(frame[name])
        lookup = []
        for position, value in enumerate(uniques):
            try:
                decoded = decode(str(value))
            except ValueError as err:
                bad = np.flatnonzero(codes == position)
                first = int(rows[bad[0]]) if rows is not None else int(bad[0])
                raise DataError(path, str(err), row=first + 1, column=name, more=len(bad) - 1) from None
            lookup.append(vocabulary.setdefault(decoded, len(vocabulary)))
        inverse[:, j] = np.asarray(lookup, dtype=np.int32)[codes]
    return inverse, list(vocabulary)


# ---------------------------------------------------------------- person ids

def id_keys(ids: pd.Series) -> pd.Series:
    """The ids with case, white space and leading zeros ignored: what a near match compares
    (ids arrive in NFC from the readers)."""
    return ids.astype(str).str.replace(r"\s+", "", regex=True).str.lower().str.lstrip("0")


def near_match_kinds(left: str, right: str) -> list[str]:
    """How two different ids with the same key (`id_keys`) differ: 'white space', 'case',
    'leading zeros'."""
    kinds = []
    a, b = re.sub(r"\s+", "", left), re.sub(r"\s+", "", right)
    if (a, b) != (left, right):
        kinds.append("white space")
    if a.lstrip("0") != b.lstrip("0"):
        kinds.append("case")          # the keys are equal, so only case is left
    if len(a) - len(a.lstrip("0")) != len(b) - len(b.lstrip("0")):
        kinds.append("leading zeros")
    return kinds


def near_matches(unmatched: set[str], others: set[str] | pd.Series) -> tuple[int, list[str]]:
    """How many ids of `unmatched` equal an id of `others` once case, white space and
    leading zeros are ignored, and in which of those ways they differ (ordered). `others`
    may be long (a national DREAM file): its keys are computed vectorised."""
    if not unmatched:
        return 0, []
    mine = pd.Series(sorted(unmatched))
    mine_keys = id_keys(mine)
    others = pd.Series(list(others) if isinstance(others, (set, frozenset)) else others, dtype=object)
    other_keys = id_keys(others)
    hit = other_keys.isin(set(mine_keys))
    partner = dict(zip(other_keys[hit], others[hit]))
    count, kinds = 0, []
    for value, key in zip(mine, mine_keys):
        if key in partner:
            count += 1
            for kind in near_match_kinds(value, partner[key]):
                if kind not in kinds:
                    kinds.append(kind)
    order = ["leading zeros", "case", "white space"]
    return count, sorted(kinds, key=order.index)


ID_ADVICE = {
    "leading zeros": "ids stored as numbers lose their leading zeros: keep ids as text in every file",
    "case": "ids must have the same upper and lower case letters in every file",
    "white space": "ids must not contain spaces",
}


def describe_near_matches(count: int, kinds: list[str]) -> str:
    """The sentence after 'N ... would match' in an id error: the ways and what to do."""
    ways = " or ".join(kinds)
    advice = "; ".join(ID_ADVICE[k] for k in kinds)
    return f"if {ways} were ignored ({advice})"
