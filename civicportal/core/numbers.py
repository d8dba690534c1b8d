"""Numbers as people read them: rounded half up, the way they learnt at school.

Django's ``number_format`` cuts a Decimal at ``decimal_pos`` (66.666... shows as "66.6"),
and Python's ``round`` rounds a float half to even and meets binary fractions (6.25 -> 6.2).
Round here first, then format.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rounded(value: Decimal | int | float | str, places: int = 0) -> Decimal:
    """``value`` rounded half up to ``places`` decimals: 66.65 -> 66.7, 2.5 -> 3."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part: Decimal | int | float, whole: Decimal | int | float, places: int = 1) -> Decimal:
    """``part`` as a percentage of a non-zero ``whole``, rounded half up: 16 of 24 -> 66.7.

    Computed on exact decimals, so the rounding sees the true value, not a binary fraction.
    """
    exact = Decimal(str(part)) * 100 / Decimal(str(whole))
    return rounded(exact, places)
