"""The computed comparison: every kind against every kind, unit conversion, incommensurable units named by row,
and properties that hold for any pair (swapping sides mirrors the judgment; a unit change changes nothing)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdwatch.studies.compare import CompareError, compare, satisfies
from stdwatch.studies.model import MIRROR, Judgment, Kind, Requirement

U, L, R, E, P = Kind.UPPER_LIMIT, Kind.LOWER_LIMIT, Kind.RANGE, Kind.EXACT, Kind.PRESENCE
S, EQ, LO, D = Judgment.STRICTER, Judgment.EQUIVALENT, Judgment.LOOSER, Judgment.DIFFERENT_APPROACH


def req(
    kind: Kind | None, value: float | None = None, unit: str = "", value_max: float | None = None
) -> Requirement:
    return Requirement(text="t", kind=kind, value=value, value_max=value_max, unit=unit)


# (domestic, counterpart, expected judgment of the domestic requirement)
PAIRS = [
    # the issue's own example, both ways round, and other spellings of micro
    (req(U, 0.1, "mg/kg"), req(U, 100, "µg/kg"), EQ),
    (req(U, 100, "μg/kg"), req(U, 0.1, "mg/kg"), EQ),
    (req(U, 100, "ug/kg"), req(U, 0.1, "毫克/千克"), EQ),
    # upper limits
    (req(U, 90, "mg/kg"), req(U, 100, "mg/kg"), S),
    (req(U, 90, "mg/kg"), req(U, 0.05, "g/kg"), LO),
    (req(U, 1, "mA"), req(U, 0.001, "A"), EQ),
    (req(U, 5, "%"), req(U, 0.04, ""), LO),
    (req(U, 60, "degC"), req(U, 140, "degF"), EQ),
    (req(U, 60, "℃"), req(U, 150, "degF"), S),
    # lower limits
    (req(L, 10, "N"), req(L, 5, "N"), S),
    (req(L, 1, "kN"), req(L, 1000, "N"), EQ),
    (req(L, 500, "mm"), req(L, 1, "m"), LO),
    (req(L, 2000, "mAh"), req(L, 2.5, "A*h"), LO),
    # ranges
    (req(R, 4, "mm", 6), req(R, 3, "mm", 7), S),
    (req(R, 3, "mm", 7), req(R, 0.4, "cm", 0.6), LO),
    (req(R, 0.4, "cm", 0.6), req(R, 4, "mm", 6), EQ),
    (req(R, 2, "V", 5), req(R, 3, "V", 6), D),
    # exact values
    (req(E, 220, "V"), req(E, 0.22, "kV"), EQ),
    (req(E, 220, "V"), req(E, 230, "V"), D),
    # mixed numeric kinds
    (req(R, 1, "mg/L", 2), req(U, 2, "mg/L"), S),
    (req(U, 2, "mg/L"), req(R, 1, "mg/L", 2), LO),
    (req(R, 1, "mg/L", 3), req(U, 2, "mg/L"), D),
    (req(E, 5, "kg"), req(U, 6, "kg"), S),
    (req(E, 7, "kg"), req(U, 6, "kg"), D),
    (req(L, 5, "s"), req(R, 1, "min", 2), LO),
    (req(R, 60, "s", 120), req(L, 0.5, "min"), S),
    (req(U, 10, "W"), req(L, 5, "W"), D),
    (req(L, 10, "W"), req(E, 12, "W"), LO),
    # presence
    (req(P), req(P), EQ),
    (req(P), req(U, 1, "mg"), D),
    (req(L, 1, "mg"), req(P), D),
    # not covered on one side
    (None, req(U, 1, "mg"), Judgment.NOT_COVERED_DOMESTIC),
    (req(P), None, Judgment.NOT_COVERED_COUNTERPART),
    (None, req(None), Judgment.NOT_COVERED_DOMESTIC),
]


def test_the_table_covers_every_kind_pair_the_issue_names() -> None:
    numeric = {(d.kind, c.kind) for d, c, _ in PAIRS if d and c}
    assert len(PAIRS) >= 30
    assert {U, L, R, E, P} <= {k for pair in numeric for k in pair}
    assert {U, L, R, E} <= {d for d, c in numeric if c is not d}  # each numeric kind against another kind
    assert {j for *_, j in PAIRS} == set(Judgment)


@pytest.mark.parametrize(("domestic", "counterpart", "expected"), PAIRS)
def test_generated_pair(
    domestic: Requirement | None, counterpart: Requirement | None, expected: Judgment
) -> None:
    assert compare(domestic, counterpart, "item 1") is expected


@pytest.mark.parametrize(
    ("domestic", "counterpart", "named"),
    [
        (req(U, 0.1, "mg/kg"), req(U, 5, "V"), "units 'mg/kg' (domestic) and 'V' (counterpart) cannot be"),
        (req(L, 1, "m"), req(L, 1, "kg"), "units 'm' (domestic) and 'kg' (counterpart)"),
        (req(R, 1, "s", 2), req(E, 1, "A"), "'s' (domestic) and 'A' (counterpart)"),
        (req(U, 1, "%"), req(U, 1, "mg"), "'%' (domestic) and 'mg' (counterpart)"),
        (req(U, 1, "mg"), req(U, 1, ""), "'mg' (domestic) and 'none' (counterpart)"),
        (req(U, 1, "mg"), req(U, 1, "wibbles"), "counterpart: unknown unit 'wibbles'"),
    ],
)
def test_incommensurable_units_are_an_error_naming_the_row(
    domestic: Requirement, counterpart: Requirement, named: str
) -> None:
    with pytest.raises(CompareError) as caught:
        compare(domestic, counterpart, "item 7, IEC 62368-1:2018")
    assert str(caught.value).startswith("item 7, IEC 62368-1:2018: ")
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (req(U), "needs a finite value"),
        (req(R, 5, "mm"), "needs value_max"),
        (req(R, 5, "mm", 4), "below its value"),
        (req(U, 5, "mm", 9), "range only"),
        (req(P, 1), "needs a numeric kind"),
        (req(U, math.nan, "mm"), "finite"),
    ],
)
def test_malformed_requirements_are_named(bad: Requirement, why: str) -> None:
    with pytest.raises(CompareError, match=why):
        compare(bad, req(U, 1, "mm"), "item 2")


def test_text_requirements_are_left_to_the_curator() -> None:
    assert compare(req(None), req(U, 1, "mg"), "item 1") is None
    assert compare(None, None, "item 3") is EQ  # neither requires anything; another counterpart does


# ---------------------------------------------------------------------------------------------- properties
UNITS = {"mg/kg": 1.0, "ug/kg": 1000.0, "g/kg": 0.001}  # how many of each unit make 1 mg/kg
values = st.floats(min_value=0.001, max_value=1e6, allow_nan=False)


@st.composite
def requirements(draw: st.DrawFn) -> Requirement | None:
    kind = draw(st.sampled_from([*Kind, None]))
    unit = draw(st.sampled_from(sorted(UNITS)))
    if kind is None:
        return None if draw(st.booleans()) else req(None)
    if kind is P:
        return req(P)
    low = draw(values)
    high = low + draw(values) if kind is R else None
    return req(kind, low, unit, high)


def _in_unit(r: Requirement, unit: str) -> Requirement:
    factor = UNITS[unit] / UNITS[r.unit]
    high = r.value_max * factor if r.value_max is not None else None
    return req(r.kind, (r.value or 0) * factor, unit, high)


@given(requirements(), requirements())
def test_swapping_sides_mirrors_the_judgment(a: Requirement | None, b: Requirement | None) -> None:
    forward, backward = compare(a, b, "r"), compare(b, a, "r")
    assert backward == (MIRROR[forward] if forward else None)


@given(requirements())
def test_a_requirement_is_equivalent_to_itself(a: Requirement | None) -> None:
    if a is not None and a.kind is not None:
        assert compare(a, a, "r") is EQ


@given(requirements(), requirements(), st.sampled_from(sorted(UNITS)))
def test_expressing_a_side_in_another_unit_changes_nothing(
    a: Requirement | None, b: Requirement | None, unit: str
) -> None:
    if a is None or b is None or b.kind in (None, P):
        return
    assert compare(a, _in_unit(b, unit), "r") == compare(a, b, "r")


@given(st.sampled_from([U, L]), values, values)
def test_a_tighter_limit_is_stricter(kind: Kind, limit: float, gap: float) -> None:
    tighter = limit - gap if kind is U else limit + gap
    if math.isclose(tighter, limit, rel_tol=1e-6):
        return
    assert compare(req(kind, tighter, "mg/kg"), req(kind, limit, "mg/kg"), "r") is S


def test_a_product_value_is_tested_against_each_kind() -> None:
    assert satisfies(req(U, 0.1, "mg/kg"), 90, "µg/kg", "row 2") is True
    assert satisfies(req(U, 0.1, "mg/kg"), 0.2, "mg/kg", "row 2") is False
    assert satisfies(req(L, 2, "A*h"), 2000, "mAh", "row 2") is True
    assert satisfies(req(R, 4, "mm", 6), 0.7, "cm", "row 2") is False
    assert satisfies(req(E, 220, "V"), 0.22, "kV", "row 2") is True
    assert satisfies(req(P), 1, "", "row 2") is None
    with pytest.raises(CompareError, match="row 2: units"):
        satisfies(req(U, 1, "mg"), 1, "V", "row 2")
