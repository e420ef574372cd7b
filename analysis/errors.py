"""The one error type for bad input: it names the file, row, line, column and reason."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def raise_at_first(file: str | Path, mask, column: str, reason: str) -> None:
    """DataError at the first True of `mask` (a boolean pandas Series whose index is the
    0-based data row), naming how many more rows are like it; nothing when none is True."""
    bad = mask.index[np.asarray(mask.to_numpy(), dtype=bool)]
    if len(bad):
        raise DataError(file, reason, row=int(bad[0]) + 1, column=column, more=len(bad) - 1)


class DataError(Exception):
    """Input that breaks a data contract.

    `row` is the 1-based data row (the header is not counted). The message also names where
    a person finds the row in the file: in a CSV file the line it starts on (data row N is
    line N + 1 unless a quoted value above it holds line breaks; computed from the file when
    not given as `line`), in an Excel workbook the Excel row (header in row 1, so data row N
    is Excel row N + 1). Messages never contain a person identifier.
    """

    def __init__(self, file: str | Path, reason: str, row: int | None = None,
                 column: str | None = None, more: int = 0, line: int | None = None):
        self.file = str(file)
        self.reason = reason
        self.row = row
        self.column = column
        self.more = more
        if line is None and row is not None and self.file.lower().endswith(".csv"):
            from analysis.readers.files import csv_line
            line = csv_line(self.file, row)
            if line is None:
                line = row + 1
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            text = f"row {self.row}"
            if self.line is not None:
                text += f", line {self.line}"
            elif self.file.lower().endswith(".xlsx"):
                text += f", Excel row {self.row + 1}"
            where.append(text)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ": ".join([", ".join(where), self.reason])
        if self.more:
            text += f" (and {self.more} more like it)"
        return text
