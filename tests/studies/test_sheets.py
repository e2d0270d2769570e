"""Items from .xlsx sheets and studies to .xlsx: bad rows named with their reason, good rows kept, and
export -> import gives the same items for any study (hypothesis)."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from stdwatch.studies.codec import content_from_dict, content_to_dict
from stdwatch.studies.judging import judge
from stdwatch.studies.model import Counterpart, Item, Judgment, Kind, Requirement, StudyContent
from stdwatch.studies.sheets import SheetError, export_study, import_items
from tests.studies.conftest import sheet

CPS = ("CNS 4797-3:2015", "EN 71-3:2019")
text = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=30).map(
    str.strip
)
values = st.floats(min_value=0.001, max_value=1e6, allow_nan=False)
UNITS = ["mg/kg", "µg/kg", "g/kg"]


@st.composite
def requirements(draw: st.DrawFn) -> Requirement | None:
    kind = draw(st.sampled_from([*Kind, None, "missing"]))
    if kind == "missing":
        return None
    if kind is None:  # text only: a requirement stating nothing means "not covered" (None)
        return Requirement(draw(text.filter(bool)), kind)
    if kind is Kind.PRESENCE:
        return Requirement(draw(text), kind)
    low = draw(values)
    high = low + draw(values) if kind is Kind.RANGE else None
    return Requirement(draw(text), kind, low, high, draw(st.sampled_from(UNITS)))


@st.composite
def items(draw: st.DrawFn) -> Item:
    domestic = draw(requirements())
    counterparts = []
    for _ in CPS:
        req = draw(requirements())
        judgment = draw(st.sampled_from([None, *Judgment]))
        counterparts.append(Counterpart(req, judgment, draw(text) or "because" if judgment else ""))
    if domestic is None and all(cp.requirement is None for cp in counterparts):
        domestic = Requirement("x", Kind.PRESENCE)
    return Item(draw(text), draw(text), domestic, tuple(counterparts), draw(text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items(), min_size=1, max_size=6))
def test_export_then_import_gives_the_same_items(generated: list[Item]) -> None:
    # as stored: values hold the 15 significant digits a spreadsheet holds
    content = content_from_dict(
        content_to_dict(StudyContent("round trip", ("GB 6675.4-2014",), CPS, items=tuple(generated)))
    )
    data = export_study(content, judge(content), "draft", "")
    result = import_items(data, CPS)
    assert result.rejected == []
    assert result.items == list(content.items)


def test_text_that_looks_like_a_formula_stays_text() -> None:
    item = Item(
        "=1+1", '=HYPERLINK("x")', Requirement("=2", Kind.PRESENCE), (Counterpart(None), Counterpart(None))
    )
    content = StudyContent("=t", ("GB 6675.4-2014",), CPS, items=(item,))
    data = export_study(content, judge(content), "draft", "")
    row = next(load_workbook(io.BytesIO(data))["items"].iter_rows(min_row=2, values_only=True))
    assert row[:3] == ("=1+1", '=HYPERLINK("x")', "=2")
    assert import_items(data, CPS).items == [item]


HEADER = ["indicator", "domestic_kind", "domestic_value", "domestic_value_max", "domestic_unit", "c1_kind",
          "c1_value", "c1_unit", "c1_judgment", "c1_reason"]  # fmt: skip


def test_each_bad_row_is_named_with_its_reason_and_the_good_rows_are_kept() -> None:
    rows = [
        HEADER,
        ["Pb", "upper_limit", 90, None, "mg/kg", "≤", 0.09, "g/kg"],
        ["Cd", "upper_limit", "ninety", None, "mg/kg", "upper_limit", 1, "mg/kg"],
        ["Cr", "maximum", 60, None, "mg/kg", "upper_limit", 1, "mg/kg"],
        ["Hg", "range", 60, None, "mg/kg", "upper_limit", 1, "mg/kg"],
        ["As", "upper_limit", 25, None, "mg/kg", "upper_limit", 25, "mg/kg", "严于"],
        [None, None, None, None, None, None, None, None],  # an empty row is skipped, not an error
        ["Se", "upper_limit", 500, None, "mg/kg", "upper_limit", 500, "kg"],
        ["Ba", "下限", 1, None, "mg/kg", "upper_limit", 1, "mg/kg", "方法不同", "limits point opposite ways"],
    ]
    result = import_items(sheet(rows), CPS)
    assert [i.indicator for i in result.items] == ["Pb", "Ba"]
    assert result.items[1].domestic == Requirement("", Kind.LOWER_LIMIT, 1, None, "mg/kg")
    reasons = {r.row: r.reason for r in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 8]
    assert reasons[3] == "domestic_value: 'ninety' is not a number"
    assert reasons[4].startswith("domestic_kind: 'maximum' is not one of upper_limit")
    assert "needs value_max" in reasons[5]
    assert "overriding it with stricter needs a reason" in reasons[6]
    assert "'mg/kg' (domestic) and 'kg' (counterpart) cannot be compared" in reasons[8]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a spreadsheet", "not a readable .xlsx file"),
        (sheet([["indicator", "c3_value"]]), "row 1: unknown column(s) ['c3_value']"),
        (sheet([[None, None], ["Pb", 1]]), "row 1: the header row is empty"),
        (sheet([["indicator", "Indicator"]]), "named twice"),
    ],
)
def test_a_file_that_is_not_such_a_sheet_is_refused_whole(data: bytes, message: str) -> None:
    with pytest.raises(SheetError) as caught:
        import_items(data, CPS)
    assert message in str(caught.value)
