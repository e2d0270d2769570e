"""The computed comparison of two requirements, and of a product's value against a requirement.

Each numeric requirement admits a set of values, an interval: an upper limit (-inf, v], a lower limit [v, inf),
a range [v, value_max], an exact value [v, v]. After converting the counterpart into the domestic unit, the
domestic requirement is `stricter` when its interval lies inside the counterpart's (it admits fewer products),
`looser` the other way round, `equivalent` when both hold, and a `different_approach` when neither does (an
upper limit against a lower limit, two exact values that differ). Presence against presence is equivalent;
presence against a number is a different approach. A text-only requirement is judged by the curator (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stdwatch.studies.model import Item, Judgment, Kind, Requirement
from stdwatch.studies.units import UnitError, check_comparable, convert

# Values converted between units pick up binary rounding (0.1 mg/kg -> 100.00000000000001 µg/kg).
_REL_TOL = 1e-9


class CompareError(ValueError):
    """A requirement pair that cannot be compared; the message names the row (item and counterpart)."""


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def within(self, other: Interval) -> bool:
        return _le(other.low, self.low) and _le(self.high, other.high)


def _le(a: float, b: float) -> bool:
    return a <= b or math.isclose(a, b, rel_tol=_REL_TOL)


def check(req: Requirement) -> str | None:
    """What is wrong with a requirement's fields, or None (a kind needs its value; a range needs both ends)."""
    if req.kind is None or req.kind is Kind.PRESENCE:
        if req.value is not None or req.value_max is not None:
            return "a value needs a numeric kind (upper_limit, lower_limit, range, exact)"
        return None
    if req.value is None or not math.isfinite(req.value):
        return f"a requirement of kind {req.kind.value} needs a finite value"
    if req.kind is Kind.RANGE:
        if req.value_max is None or not math.isfinite(req.value_max):
            return "a range needs value_max, its upper end"
        if req.value_max < req.value:
            return f"a range's value_max ({req.value_max:g}) is below its value ({req.value:g})"
    elif req.value_max is not None:
        return "value_max belongs to a range only"
    return None


def interval(req: Requirement, unit: str) -> Interval:
    """The values a numeric requirement admits, in `unit` (UnitError when the units measure different things)."""
    assert req.value is not None
    low = convert(req.value, req.unit, unit)
    if req.kind is Kind.UPPER_LIMIT:
        return Interval(-math.inf, low)
    if req.kind is Kind.LOWER_LIMIT:
        return Interval(low, math.inf)
    if req.kind is Kind.RANGE:
        assert req.value_max is not None
        return Interval(low, convert(req.value_max, req.unit, unit))
    return Interval(low, low)


def _by_sets(mine: Interval, theirs: Interval) -> Judgment:
    inside, outside = mine.within(theirs), theirs.within(mine)
    if inside and outside:
        return Judgment.EQUIVALENT
    if inside:
        return Judgment.STRICTER
    if outside:
        return Judgment.LOOSER
    return Judgment.DIFFERENT_APPROACH


def compare(domestic: Requirement | None, counterpart: Requirement | None, row: str) -> Judgment | None:
    """The computed judgment of the domestic requirement against a counterpart's; None when a curator must
    judge (text on either side). No requirement admits every product, so neither side stating one is
    equivalent. CompareError names `row` for a pair that cannot be compared."""
    if domestic is None and counterpart is None:
        return Judgment.EQUIVALENT  # neither requires anything (another counterpart of the item does)
    if domestic is None:
        return Judgment.NOT_COVERED_DOMESTIC
    if counterpart is None:
        return Judgment.NOT_COVERED_COUNTERPART
    for side, req in (("domestic", domestic), ("counterpart", counterpart)):
        if problem := check(req):
            raise CompareError(f"{row}: {side}: {problem}")
    if domestic.kind is None or counterpart.kind is None:
        return None
    if Kind.PRESENCE in (domestic.kind, counterpart.kind):
        same = domestic.kind is counterpart.kind
        return Judgment.EQUIVALENT if same else Judgment.DIFFERENT_APPROACH
    try:
        check_comparable(domestic.unit, counterpart.unit)
        theirs = interval(counterpart, domestic.unit)
        mine = interval(domestic, domestic.unit)
    except UnitError as exc:
        raise CompareError(f"{row}: {exc}") from None
    return _by_sets(mine, theirs)


def item_judgments(item: Item, row: str, names: tuple[str, ...] = ()) -> list[Judgment | None]:
    """The computed judgment against each counterpart of an item (rows named `row, <counterpart>`)."""
    found = []
    for i, cp in enumerate(item.counterparts):
        name = names[i] if i < len(names) else f"counterpart {i + 1}"
        found.append(compare(item.domestic, cp.requirement, f"{row}, {name}"))
    return found


def satisfies(req: Requirement, value: float, unit: str, row: str) -> bool | None:
    """Does a product's measured value meet a requirement? None for a requirement with no value to test
    (text or presence). CompareError names `row` when the units cannot be compared."""
    if req.kind is None or req.kind is Kind.PRESENCE:
        return None
    if problem := check(req):
        raise CompareError(f"{row}: {problem}")
    try:
        admitted = interval(req, unit)
    except UnitError as exc:
        raise CompareError(f"{row}: {exc}") from None
    return Interval(value, value).within(admitted)
