"""The one error type for bad input: it names the file, row, column and reason."""
from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Input that breaks a data contract.

    `row` is the 1-based data row (the header is not counted; in a CSV file data
    row N is on line N + 1). Messages never contain a person identifier.
    """

    def __init__(self, file: str | Path, reason: str, row: int | None = None,
                 column: str | None = None, more: int = 0):
        self.file = str(file)
        self.reason = reason
        self.row = row
        self.column = column
        self.more = more
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            line = f", line {self.row + 1}" if self.file.endswith(".csv") else ""
            where.append(f"row {self.row}{line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ": ".join([", ".join(where), self.reason])
        if self.more:
            text += f" (and {self.more} more like it)"
        return text
