"""Rounding as the printed reports round: a half away from zero, on the number as written.

Python's round() works on the binary number (1.45 is stored as 1.4499999999999999556 and
rounds to 1.4) and sends exact halves to the even neighbour (12.5 -> 12); the reports print
1,5 and 13 (seed 001's headline shares are sums of percentages rounded half up,
../shared/spec/seed000-001.md §5.2). Used wherever a number is rounded for publication: the
statistics bundle (analysis.bundle.store), the page's text (analysis.report.book.number) and
seed 001's sums of rounded parts (analysis.survey.stats.sum_of_rounded)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# float noise below this many decimals is not part of the number as written (100 * 29 / 20
# may come out as 1.4499999999999999 by another order of operations)
NOISE_DECIMALS = 10


def half_up(value: float, decimals: int = 0) -> float:
    """`value` rounded to `decimals` with a half away from zero, on its decimal form: 1.45 ->
    1.5, 2.675 -> 2.68, 12.5 -> 13, -1.45 -> -1.5, 1.4499 -> 1.4. Raises ValueError for a
    value that is not finite."""
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"cannot round {value!r}")
    written = Decimal(repr(round(number, NOISE_DECIMALS)))
    return float(written.quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)) + 0.0
