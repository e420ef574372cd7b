"""Text from the inputs that reaches the report must be printable in its PDF.

The PDF is typeset by pdflatex with T1 fonts (the book's `_config.yml`), which stops on a
character it has no glyph or definition for (`≥`, `→` in some fonts, emoji, CJK ...). The
characters it can print are listed in data/reference/latex_characters.txt, written from the
real LaTeX setup by scripts/latex_characters.py. Validation rejects any other character in
a value the report prints (team and municipality names), naming file, row, column, the
character and its code point; nothing is replaced, so the HTML and the PDF print the value
exactly as the input has it.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.editions import REPO
from analysis.errors import DataError

CHARACTERS = REPO / "data" / "reference" / "latex_characters.txt"


@lru_cache(maxsize=1)
def printable_characters(path: Path = CHARACTERS) -> frozenset[str]:
    """The characters of `path` (lines `XXXX` or `XXXX-YYYY`, hex code points; `#` comments)."""
    chars: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        low, _, high = line.partition("-")
        chars.update(chr(c) for c in range(int(low, 16), int(high or low, 16) + 1))
    return frozenset(chars)


def check_printable(frame: pd.DataFrame, columns, path: Path) -> None:
    """DataError on the first value of `columns` holding a character the PDF cannot print,
    naming the row, column, character and code point (and how many more values have one)."""
    allowed = printable_characters()
    for column in columns:
        if column not in frame.columns:
            continue
        values = frame[column].astype(str)
        bad_values = {v for v in values.unique() if not set(v) <= allowed}
        if not bad_values:
            continue
        bad = values.isin(bad_values).to_numpy()
        first = int(bad.nonzero()[0][0])
        value = values.iloc[first]
        char = next(c for c in value if c not in allowed)
        name = unicodedata.name(char, "a control character" if unicodedata.category(char).startswith("C")
                                else "no name")
        raise DataError(path, f"value {value!r} has the character {char!r} (U+{ord(char):04X}, {name}), which "
                              "the report's PDF cannot print (data/reference/latex_characters.txt): "
                              "write it with other characters", row=first + 1, column=column,
                        more=int(bad.sum()) - 1)
