"""Statistics Denmark's export rule: no published cell may rest on fewer than `min_n` persons.

Used on every table and subgroup:
* `merge_small_groups`: groups under the minimum are merged with a neighbour along a
  declared order (as the reports merged Hold 1 + 3 or the oldest age groups).
* `suppress_counts`: count cells under the minimum are suppressed, plus cells beside them
  (`secondary`) when the column's total would narrow a hidden cell to under the minimum.
* `suppress_nested`: the same for a group beside a larger group that contains it.
* `check_persons`: the writer's last check over every number of persons it publishes.
Zeros are not suppressed but marked differently from suppressed cells.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DEFAULT_MIN_CELL = 3
ZERO = "–"
SUPPRESSED = "x"
# the certificate's rule (disclosure.csv) for a share of several options shown as their
# rounded total where the report sums the options' rounded shares (seed 001), since a part
# is hidden (analysis.survey.stats.DisclosedDistribution.sums_rounded_parts)
ROUNDED_TOTAL = ("shown as the rounded total of its options: the sum of their separately rounded shares "
                 "(the report's convention) would tell how its hidden options split")


def legend(min_n: int = DEFAULT_MIN_CELL) -> str:
    return (f"{ZERO}: ingen personer. {SUPPRESSED}: skjult, fordi cellen bygger på færre end "
            f"{min_n} personer eller ellers kunne udledes af totalen.")


class DisclosureError(Exception):
    pass


def merge_small_groups(counts: pd.Series, min_n: int = DEFAULT_MIN_CELL,
                       joiner: str = " + ") -> dict[str, str]:
    """Map each group label to the (possibly merged) group it is published in.

    `counts` is indexed by group label in the declared merge order. A non-empty group
    under `min_n` is merged with its smaller neighbour in that order (the earlier one on a
    tie), repeatedly, until every non-empty group reaches `min_n`. Empty groups keep their
    label. Raises DisclosureError if all persons together are fewer than `min_n`.
    """
    labels = [str(i) for i in counts.index]
    blocks: list[list[str]] = [[label] for label in labels if counts[label] > 0]
    sizes = [int(counts[b[0]]) for b in blocks]
    if blocks and sum(sizes) < min_n:
        raise DisclosureError(f"only {sum(sizes)} persons in all: under the minimum of {min_n}")
    while True:
        small = [i for i, n in enumerate(sizes) if n < min_n]
        if not small:
            break
        i = min(small, key=lambda k: (sizes[k], k))
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(blocks)]
        j = min(neighbours, key=lambda k: (sizes[k], k))
        lo, hi = sorted((i, j))
        blocks[lo] = blocks[lo] + blocks[hi]
        sizes[lo] = sizes[lo] + sizes[hi]
        del blocks[hi], sizes[hi]
    mapping = {label: label for label in labels}
    for block in blocks:
        for label in block:
            mapping[label] = joiner.join(block)
    return mapping


@dataclass
class Disclosed:
    """A count table after suppression: the values and which cells are hidden."""
    values: pd.DataFrame
    suppressed: pd.DataFrame  # bool, same shape

    def render(self, fmt=lambda v: f"{int(v)}") -> pd.DataFrame:
        out = self.values.astype(object).copy()
        for col in out.columns:
            out[col] = [SUPPRESSED if hidden else ZERO if v == 0 else fmt(v)
                        for v, hidden in zip(self.values[col], self.suppressed[col])]
        return out


def secondary(values: pd.Series, hidden: pd.Series, min_n: int) -> pd.Series:
    """Secondary suppression in a column whose total is shown: the hidden cells' sum H is
    then known, and each hidden cell holds at least one person (a zero is printed '–'), so
    each is at most H - (k - 1) with k hidden cells. Hide the smallest shown non-zero cells
    until that reaches `min_n` (a single hidden cell would be H itself).

    Raises DisclosureError when every non-zero cell is hidden and that still does not
    hold while the column's total reaches `min_n` (it will be printed): the column cannot
    be protected within itself (its total must be hidden, or its groups merged). A total
    under `min_n` is itself a small count, hidden where it is published. Rule: issue 11, kind 5; the interval argument of Hundepool et al.,
    Statistical Disclosure Control (2012), §4.2 (protection intervals)."""
    hidden = hidden.copy()
    while hidden.any():
        k, total = int(hidden.sum()), float(values[hidden].sum())
        if k > 1 and total - (k - 1) >= min_n:
            break
        candidates = values[~hidden & (values > 0)]
        if candidates.empty and float(values.sum()) < min_n:
            break
        if candidates.empty:
            raise DisclosureError(
                f"{values.name!r}: the hidden cells ({k}, {total:g} persons in all) can be derived "
                f"as under {min_n} persons from the column's total, and no cell is left to hide "
                "beside them: hide the total or merge the groups")
        hidden[candidates.idxmin()] = True
    return hidden


def suppress_counts(table: pd.DataFrame, min_n: int = DEFAULT_MIN_CELL,
                    totals_shown: bool = True) -> Disclosed:
    """Hide count cells with 0 < n < min_n; with totals shown, also hide cells beside them
    (`secondary`) until no hidden cell can be narrowed to under min_n persons from the
    column's total. Issue 11's case: two hidden cells of 1 with the total shown are both 1."""
    values = table.astype(float)
    hidden = (values > 0) & (values < min_n)
    if totals_shown:
        for col in values.columns:
            hidden[col] = secondary(values[col], hidden[col], min_n)
    return Disclosed(values=table, suppressed=hidden)


def suppress_nested(table: pd.DataFrame, part: str, whole: str, min_n: int = DEFAULT_MIN_CELL) -> Disclosed:
    """Counts of a group (`part`) beside a larger group that contains it (`whole`), e.g.
    the register sample beside all registered citizens. Besides the cells under the
    minimum, a `whole` cell is hidden when whole - part is under the minimum (it would
    reveal the few persons outside the part); then each column gets its second
    suppression so the column total does not give the hidden cell away."""
    values = table[[part, whole]].astype(float)
    hidden = (values > 0) & (values < min_n)
    outside = values[whole] - values[part]
    hidden[whole] |= (outside > 0) & (outside < min_n)
    for col in hidden.columns:
        hidden[col] = secondary(values[col], hidden[col], min_n)
    return Disclosed(values=table[[part, whole]], suppressed=hidden)


# Whole-number results (analysis/compute/results.py) that do not count persons, and what
# they count. Every other whole number is taken as a number of persons and checked against
# the minimum: a count is of persons unless it says otherwise (issue 11: a check that read
# only keys matching a pattern let a count of 2 under an unmatched key through).
NOT_PERSONS = {".hold.count": "teams", "tabel1.last_week.": "a week number", "_last_week": "a week number",
               "text.modal_score": "a score"}


def counted(key: str) -> str:
    """What the whole-number result `key` counts: 'persons', or the thing of NOT_PERSONS."""
    return next((thing for pattern, thing in NOT_PERSONS.items() if pattern in key), "persons")


def check_persons(frame, min_n: int = DEFAULT_MIN_CELL, what: str = "bundle") -> None:
    """Fail if any shown row of a bundle file (columns key or table/row/column, persons,
    status) rests on fewer than `min_n` persons (and more than none)."""
    shown = frame[frame["status"].eq("shown") & frame["persons"].notna()]
    small = shown[(shown["persons"] > 0) & (shown["persons"] < min_n)]
    if len(small):
        first = small.iloc[0]
        name = ", ".join(f"{c} {first[c]}" for c in ("key", "table", "row", "column", "figure", "series", "x")
                         if c in small.columns)
        raise DisclosureError(f"{what}: {name} rests on {int(first['persons'])} persons, under the minimum "
                              f"cell size {min_n}" + (f" (and {len(small) - 1} more)" if len(small) > 1 else ""))
