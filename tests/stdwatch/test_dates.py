from datetime import date

import pytest

from stdwatch.dates import parse_date, resolve_relative_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-04-25", date(2025, 4, 25)),
        ("2025/4/5", date(2025, 4, 5)),
        ("2025年4月25日", date(2025, 4, 25)),
        ("２０２５－０４－２５", date(2025, 4, 25)),
        (1518105600000, date(2018, 2, 9)),
        ("2019-01-01 00:00:00", date(2019, 1, 1)),
        (None, None),
        ("", None),
    ],
)
def test_dates_as_sources_print_them(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["待定", "2025-02-30", "next year"])
def test_non_dates_are_errors(value: str) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


def test_relative_dates_count_from_notification_only() -> None:
    day = date(2025, 1, 1)
    assert resolve_relative_date("通报后60天", day) == date(2025, 3, 2)
    assert resolve_relative_date("60 days from notification", day) == date(2025, 3, 2)
    assert resolve_relative_date("批准后6个月", day) is None
    assert resolve_relative_date("通报后60天", None) is None
