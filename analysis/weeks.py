"""ISO weeks as integer indices, and the DREAM column names built from them.

A week is represented by a *week index*: the number of whole weeks since the
Monday 0001-01-01, so consecutive ISO weeks differ by exactly 1 across year
boundaries and 53-week years.
"""
from __future__ import annotations

import re
from datetime import date

WEEK_COLUMN = re.compile(r"^y_(\d{2})(\d{2})$")
MONTH_COLUMN = re.compile(r"^branche_(\d{4})_(\d{2})$")
ISO_WEEK_TEXT = re.compile(r"^(\d{4})-W(\d{2})$")


def week_index(year: int, week: int) -> int:
    """Index of ISO week `week` of ISO year `year`; ValueError if it does not exist."""
    return (date.fromisocalendar(year, week, 1).toordinal() - 1) // 7


def iso_year_week(index: int) -> tuple[int, int]:
    iso = date.fromordinal(index * 7 + 1).isocalendar()
    return iso.year, iso.week


def week_label(index: int) -> str:
    """'2024-W07' style label of a week index."""
    year, week = iso_year_week(index)
    return f"{year}-W{week:02d}"


def parse_week_label(text: str) -> int:
    """Parse '2024-W07' into a week index; ValueError with the reason if invalid."""
    match = ISO_WEEK_TEXT.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO week written as YYYY-Www (e.g. 2024-W07)")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return week_index(year, week)
    except ValueError:
        raise ValueError(f"{text!r}: ISO year {year} has no week {week}") from None


def two_digit_year(yy: int) -> int:
    """DREAM's two-digit years: 90-99 are 1990s, 00-89 are 2000s (as DST's own code reads them)."""
    return 1900 + yy if yy >= 90 else 2000 + yy


def week_column(index: int) -> str:
    year, week = iso_year_week(index)
    return f"y_{year % 100:02d}{week:02d}"


def parse_week_column(name: str) -> int:
    """Week index of a DREAM weekly column `y_YYWW`; ValueError if malformed."""
    match = WEEK_COLUMN.match(name.lower())
    if not match:
        raise ValueError(f"column {name!r} starts with 'y_' but is not y_YYWW (two-digit ISO year and week)")
    year, week = two_digit_year(int(match.group(1))), int(match.group(2))
    try:
        return week_index(year, week)
    except ValueError:
        raise ValueError(f"column {name!r}: ISO year {year} has no week {week}") from None


def month_of_week(index: int) -> tuple[int, int]:
    """(year, month) the week belongs to: the month of its Thursday (DST/STAR convention)."""
    thursday = date.fromordinal(index * 7 + 1 + 3)
    return thursday.year, thursday.month


def month_column(year: int, month: int) -> str:
    return f"branche_{year:04d}_{month:02d}"


def parse_month_column(name: str) -> tuple[int, int]:
    match = MONTH_COLUMN.match(name.lower())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"column {name!r} starts with 'branche_' but is not branche_YYYY_MM")
    return int(match.group(1)), int(match.group(2))


def week_columns(first: int, last: int) -> list[str]:
    """All weekly column names from week index `first` to `last` inclusive."""
    return [week_column(i) for i in range(first, last + 1)]
