"""Code parsing is linear in its input (issue 10, item 1): `A` + 498 digits + `!` once froze the API for 9 s.

The cost is compared at two lengths over a generated hostile corpus (every prefix family x long runs x
trailing junk), with CPU time of this thread, so a busy machine does not make the test flaky: linear parsing
costs about 8x for 8x the length, quadratic 64x, cubic 512x.
"""

from __future__ import annotations

import time

import pytest

from stdwatch.identifiers import (
    _COLON_PREFIXES,
    MAX_CODE_LENGTH,
    CodeError,
    clean,
    match_standard_code,
    match_tbt_symbol,
    parse_any,
    parse_standard_code,
    parse_tbt_symbol,
)

PREFIXES = [
    *_COLON_PREFIXES,
    "GB",
    "GB/T",
    "GBT",
    "GB/Z",
    "DB35",
    "DB3502/T",
    "T/CECS",
    "Q/ABC",
    "JB/T",
    "QC",
    "CNS",
    "A",
    "AB CD",
    "X/Y",
    "G/TBT/N/CHN/",
    "G/TBT/N/CHN/1/ADD",
    # Singapore codes with their suffixes: the amendment runs must stay linear too (issue 10, item 11)
    "SS 638",
    "SS 638:2018",
    "SS 638:2018+C1:2020",
    "SS 554:2016 (2021)",
    "BS 7671+A1-A3",
]
RUNS = [
    "1",
    "1.",
    "1-",
    "A1",
    "1 ",
    ":1",
    "+A1",
    "1:",
    "-1",
    "/1",
    ".1",
    "1A",
    "+C1",
    "+A1-A2",
    "+A1:2020",
    " + C1 : 2020",
    "+AMD1-",
    "(2021)",
    "+A",
]
JUNK = ["!", " ", ":", "-", "+", ".", "X", "/", "锂", ")", "(", " (2021)"]
SHORT, LONG = 100, 800


def _corpus(length: int) -> list[str]:
    return [
        clean(f"{prefix} {run * (length // len(run))}{junk}")
        for prefix in PREFIXES
        for run in RUNS
        for junk in JUNK
    ]


def _cost(texts: list[str]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for text in texts:
            match_standard_code(text)
            match_tbt_symbol(text)
        best = min(best, time.thread_time() - start)
    return best


def test_parsing_cost_grows_linearly_over_a_hostile_corpus() -> None:
    short, long = _corpus(SHORT), _corpus(LONG)
    assert len(short) == len(PREFIXES) * len(RUNS) * len(JUNK)
    ratio = _cost(long) / max(_cost(short), 1e-6)
    assert ratio < 20, f"parsing {LONG // SHORT}x longer input cost {ratio:.1f}x: super-linear"


def test_the_reported_query_is_rejected_at_once() -> None:
    text = "A" + "1" * 498 + "!"
    start = time.thread_time()
    with pytest.raises(CodeError, match=f"longer than {MAX_CODE_LENGTH} characters"):
        parse_standard_code(text)
    with pytest.raises(CodeError):
        parse_any(text)
    assert time.thread_time() - start < 0.05


@pytest.mark.parametrize(
    "text", ["G/TBT/N/USA/" + "1" * 5000, "G/TBT/N/USA/12345678", "G/TBT/N/USA/1/Add.123456"]
)
def test_symbols_with_absurd_numbers_are_code_errors_not_value_errors(text: str) -> None:
    with pytest.raises(CodeError, match="TBT symbol"):
        parse_tbt_symbol(text)


def test_codes_at_the_length_cap_still_parse() -> None:
    code = "ISO/IEC 27001:2022+A1:2024"
    padded = code + " " * (MAX_CODE_LENGTH - len(code))
    assert str(parse_standard_code(padded)) == code
    with pytest.raises(CodeError, match="longer than"):
        parse_standard_code(padded + "  ")
