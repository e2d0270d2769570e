"""Standard codes and TBT symbols as real sources print them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdwatch.identifiers import (
    Amendment,
    CodeError,
    Family,
    Region,
    StandardCode,
    TbtSymbol,
    parse_any,
    parse_standard_code,
    parse_tbt_symbol,
    slug,
)

PRINTED = [
    ("GB/T 19001-2016", "GB/T 19001-2016", Family.GB_T, Region.CN),
    ("GB 4943.1—2022", "GB 4943.1-2022", Family.GB, Region.CN),
    ("GB/T 20000.2-2009", "GB/T 20000.2-2009", Family.GB_T, Region.CN),
    ("GB/Z 1234-2020", "GB/Z 1234-2020", Family.GB_Z, Region.CN),
    ("DB35/T 1234-2021", "DB35/T 1234-2021", Family.LOCAL, Region.CN),
    ("DB3502/T 001-2022", "DB3502/T 001-2022", Family.LOCAL, Region.CN),
    ("T/CAS 115-2005", "T/CAS 115-2005", Family.GROUP, Region.CN),
    ("T/GDAQI 036—2020", "T/GDAQI 036-2020", Family.GROUP, Region.CN),
    ("QC/T 1023-2015", "QC/T 1023-2015", Family.INDUSTRY, Region.CN),
    ("JB 8999-1999", "JB 8999-1999", Family.INDUSTRY, Region.CN),
    ("GB 3100-93", "GB 3100-1993", Family.GB, Region.CN),
    ("CNS 15598-1", "CNS 15598-1", Family.CNS, Region.TW),
    ("CNS 3 Z1002", "CNS 3 Z1002", Family.CNS, Region.TW),
    ("CNS 15598-1: 2020", "CNS 15598-1:2020", Family.CNS, Region.TW),
    ("CNS 4797-1 (2014)", "CNS 4797-1:2014", Family.CNS, Region.TW),
    ("CNS 14964-22-2007", "CNS 14964-22:2007", Family.CNS, Region.TW),
    ("SS 554:2016", "SS 554:2016", Family.SS, Region.SG),
    ("SS 578 : 2012", "SS 578:2012", Family.SS, Region.SG),
    ("TR 42 : 2015", "TR 42:2015", Family.SS, Region.SG),
    ("SS 5 : Parts G1-G4 : 2003", "SS 5:Parts G1-G4:2003", Family.SS, Region.SG),
    ("SS ISO/IEC 42001:2024", "SS ISO/IEC 42001:2024", Family.SS, Region.SG),
    ("ISO 9001:2015", "ISO 9001:2015", Family.ISO, Region.INTL),
    ("ISO/IEC 27001:2022", "ISO/IEC 27001:2022", Family.ISO_IEC, Region.INTL),
    ("IEC 60335-1:2020+A1:2023", "IEC 60335-1:2020+A1:2023", Family.IEC, Region.INTL),
    ("EN 71", "EN 71", Family.OTHER, Region.OTHER),
    ("ASTM F1487-01e1", "ASTM F1487-01E1", Family.OTHER, Region.OTHER),
]


@pytest.mark.parametrize(("printed", "normalized", "family", "region"), PRINTED)
def test_real_spellings_normalize(printed: str, normalized: str, family: Family, region: Region) -> None:
    code = parse_standard_code(printed)
    assert str(code) == normalized
    assert code.family is family
    assert code.region is region


@pytest.mark.parametrize(
    "spelling",
    [
        "GB/T19001-2016",
        "GBT 19001—2016",
        "ＧＢ／Ｔ　１９００１－２０１６",
        "gb/t 19001 - 2016",
        " GB/T  19001–2016 ",
    ],
)
def test_variant_spellings_are_one_code(spelling: str) -> None:
    assert parse_standard_code(spelling) == StandardCode("GB/T", "19001", "2016")


def test_key_drops_the_edition_and_amendments() -> None:
    assert parse_standard_code("GB/T 19001-2016").key == "GB/T 19001"
    assert parse_standard_code("IEC 60335-1:2020+A1:2023").key == "IEC 60335-1"
    assert parse_standard_code("IEC 60335-1:2020+A1:2023").amendments == (Amendment("A", 1, "2023"),)


# Singapore codes with corrigenda, amendments, reaffirmation years and the eShop's spacing (issue 10, item 11).
SINGAPORE = [
    (
        "SS 638:2018+C1:2020+A1:2022",
        "SS 638:2018+C1:2020+A1:2022",
        "SS 638",
        "2018",
        ("C1:2020", "A1:2022"),
        None,
    ),
    (
        "SS 638 : 2018 + C1 : 2020 + A1 : 2022",
        "SS 638:2018+C1:2020+A1:2022",
        "SS 638",
        "2018",
        ("C1:2020", "A1:2022"),
        None,
    ),
    ("SS 554:2016 (2021)", "SS 554:2016 (2021)", "SS 554", "2016", (), "2021"),
    ("SS 554 : 2016(2021)", "SS 554:2016 (2021)", "SS 554", "2016", (), "2021"),
    ("SS 638:2018+A1:2022 (2023)", "SS 638:2018+A1:2022 (2023)", "SS 638", "2018", ("A1:2022",), "2023"),
    ("BS 7671+A1-A3 : 2008", "BS 7671:2008+A1+A2+A3", "BS 7671", "2008", ("A1", "A2", "A3"), None),
    ("BS 7671:2008+A1-A3", "BS 7671:2008+A1+A2+A3", "BS 7671", "2008", ("A1", "A2", "A3"), None),
    ("SS ISO 9001:2015", "SS ISO 9001:2015", "SS ISO 9001", "2015", (), None),
    (
        "SS IEC 60335-1:2020+A1:2023",
        "SS IEC 60335-1:2020+A1:2023",
        "SS IEC 60335-1",
        "2020",
        ("A1:2023",),
        None,
    ),
    (
        "SS ISO/IEC 27001:2022+AMD 1:2024",
        "SS ISO/IEC 27001:2022+A1:2024",
        "SS ISO/IEC 27001",
        "2022",
        ("A1:2024",),
        None,
    ),
    ("SS EN 1176-1:2017", "SS EN 1176-1:2017", "SS EN 1176-1", "2017", (), None),
    ("SS CP 5:1998", "SS CP 5:1998", "SS CP 5", "1998", (), None),
    ("TR 25:2016+C1:2017", "TR 25:2016+C1:2017", "TR 25", "2016", ("C1:2017",), None),
    ("IEC 60335-1:2010+COR1:2011", "IEC 60335-1:2010+C1:2011", "IEC 60335-1", "2010", ("C1:2011",), None),
]


@pytest.mark.parametrize(("printed", "normalized", "key", "year", "amendments", "reaffirmed"), SINGAPORE)
def test_singapore_codes_with_amendments_corrigenda_and_reaffirmation(
    printed: str, normalized: str, key: str, year: str, amendments: tuple[str, ...], reaffirmed: str | None
) -> None:
    code = parse_standard_code(printed)
    assert str(code) == normalized
    assert (code.key, code.year, code.reaffirmed) == (key, year, reaffirmed)
    assert tuple(str(a) for a in code.amendments) == amendments
    assert parse_standard_code(str(code)) == code and str(parse_standard_code(str(code))) == normalized
    assert code.family is (Family.OTHER if key.startswith("BS") else code.family)
    if not key.startswith(("BS", "IEC")):
        assert (code.family, code.region) == (Family.SS, Region.SG)


def test_a_reaffirmation_is_the_same_edition_and_not_part_of_the_stored_code() -> None:
    reaffirmed = parse_standard_code("SS 554:2016 (2021)")
    assert reaffirmed == parse_standard_code("SS 554:2016")  # the same document
    assert str(reaffirmed.identity) == "SS 554:2016"
    assert str(parse_standard_code("SS 638:2018+C1:2020+A1:2022").edition) == "SS 638:2018"


def test_amendment_and_corrigendum_parts() -> None:
    code = parse_standard_code("SS 638:2018+C1:2020+A1-A2:2022")
    assert code.amendments == (Amendment("C", 1, "2020"), Amendment("A", 1), Amendment("A", 2, "2022"))


@pytest.mark.parametrize(
    "text",
    [
        "SS 554 (2021)",  # a reaffirmation year needs the edition year it follows
        "SS 638:2018+A3-A1",  # a range that runs backwards
        "SS 638:2018+A1-C3",  # a range from an amendment to a corrigendum
        "BS 7671+A1-A99:2008",  # a range longer than any real one
        "SS 638:2018+B1",
        "SS 638:2018+A1:22",
        "SS 638:2018 (21)",
    ],
)
def test_bad_singapore_suffixes_are_errors(text: str) -> None:
    with pytest.raises(CodeError):
        parse_standard_code(text)


def test_amendments_written_out_past_the_length_cap_are_an_error() -> None:
    code = "SS ISO/IEC 27001:2022" + "+A1-A19" * 4
    assert len(code) < 100
    with pytest.raises(CodeError, match="once written out"):
        parse_standard_code(code)


@pytest.mark.parametrize("text", ["hello", "GB/T", "12345", "", "GB/T 19001-16a", "锂电池"])
def test_unparseable_code_is_an_error_naming_the_input(text: str) -> None:
    with pytest.raises(CodeError) as err:
        parse_standard_code(text)
    assert repr(text) in str(err.value)


@pytest.mark.parametrize(
    ("printed", "normalized", "base", "relation"),
    [
        ("G/TBT/N/TPKM/512/Add.1", "G/TBT/N/TPKM/512/Add.1", "G/TBT/N/TPKM/512", "addendum"),
        ("g/tbt/n/chn/1786", "G/TBT/N/CHN/1786", "G/TBT/N/CHN/1786", None),
        ("G/TBT/N/CHN/327/REV.1", "G/TBT/N/CHN/327/Rev.1", "G/TBT/N/CHN/327", "revision"),
        ("G/TBT/N/USA/1964/Rev.1/Add. 3", "G/TBT/N/USA/1964/Rev.1/Add.3", "G/TBT/N/USA/1964", "addendum"),
        (
            "Ｇ／ＴＢＴ／Ｎ／ＥＵ／１０００／Ｃｏｒｒ．１",
            "G/TBT/N/EU/1000/Corr.1",
            "G/TBT/N/EU/1000",
            "corrigendum",
        ),
        ("G/TBT/N/SGP/70/Suppl.2", "G/TBT/N/SGP/70/Suppl.2", "G/TBT/N/SGP/70", "supplement"),
    ],
)
def test_tbt_symbols(printed: str, normalized: str, base: str, relation: str | None) -> None:
    symbol = parse_tbt_symbol(printed)
    assert str(symbol) == normalized
    assert str(symbol.base) == base
    assert symbol.relation == relation


@pytest.mark.parametrize("text", ["G/TBT/N/1/2", "G/SPS/N/CHN/1", "G/TBT/N/CHN/", "G/TBT/N/CHN/12/Foo.1"])
def test_bad_tbt_symbol_is_an_error(text: str) -> None:
    with pytest.raises(CodeError, match="TBT symbol"):
        parse_tbt_symbol(text)


def test_parse_any_tells_symbols_from_codes() -> None:
    assert isinstance(parse_any("G/TBT/N/CHN/1786"), TbtSymbol)
    assert isinstance(parse_any("GB/T 1.1-2020"), StandardCode)


def test_slug_is_url_safe_and_distinct() -> None:
    assert slug("GB/T 19001-2016") == "gb-t-19001-2016"
    assert slug("GB 19001-2016") != slug("GB/T 19001-2016")
    assert slug("G/TBT/N/CHN/1786/Add.1") == "g-tbt-n-chn-1786-add.1"


# ------------------------------------------------------------------------------------------ properties
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/-:."}
prc_prefixes = st.sampled_from(
    ["GB", "GB/T", "GB/Z", "QC/T", "JB/T", "SJ/T", "DB35/T", "DB3502", "T/CAS", "FZ/T"]
)
numbers = st.builds(
    lambda n, part: f"{n}{part}", st.integers(1, 99999).map(str), st.sampled_from(["", ".1", ".2", ".11"])
)
years = st.integers(1950, 2035).map(str)
dashes = st.sampled_from(["-", "—", "–", "－", " - ", "―"])
spaces = st.sampled_from(["", " ", "  ", "\u3000"])


def _maybe_full_width(text: str, wide: bool) -> str:
    return text.translate(_FULL_WIDTH) if wide else text


@given(prc_prefixes, numbers, years, dashes, spaces, st.booleans())
def test_prc_codes_parse_in_any_printed_form(
    prefix: str, number: str, year: str, dash: str, space: str, wide: bool
) -> None:
    if prefix.startswith("DB") and "/" not in prefix and not space.strip(" "):
        space = " "  # `DB350210-2020` is ambiguous (DB35 0210? DB3502 10?); sources print a space there
    printed = _maybe_full_width(f"{prefix}{space}{number}{dash}{year}", wide)
    code = parse_standard_code(printed)
    assert (code.prefix, code.number, code.year) == (prefix, number, year)
    assert parse_standard_code(str(code)) == code


@given(
    st.sampled_from(["ISO", "IEC", "ISO/IEC", "SS", "TR"]),
    st.builds(lambda a, b: f"{a}{b}", st.integers(1, 99999).map(str), st.sampled_from(["", "-1", "-2-34"])),
    st.one_of(st.none(), years),
    st.sampled_from([":", " : ", ": "]),
    st.booleans(),
)
def test_colon_codes_round_trip(prefix: str, number: str, year: str | None, colon: str, wide: bool) -> None:
    printed = _maybe_full_width(f"{prefix} {number}" + (f"{colon}{year}" if year else ""), wide)
    code = parse_standard_code(printed)
    assert (code.prefix, code.number, code.year) == (prefix, number, year)
    assert str(parse_standard_code(str(code))) == str(code)


amendment_items = st.builds(
    lambda kind, n, span, year: (kind, n, n + span if span else None, year),
    st.sampled_from(["A", "C", "AMD", "COR"]),
    st.integers(1, 9),
    st.sampled_from([0, 0, 1, 2]),
    st.one_of(st.none(), years),
)


def _printed_amendment(item: tuple[str, int, int | None, str | None], plus: str, colon: str) -> str:
    kind, first, last, year = item
    text = f"{plus}{kind}{first}" + (f"-{kind}{last}" if last else "")
    return text + (f"{colon}{year}" if year else "")


@given(
    st.sampled_from(["SS", "SS ISO", "SS IEC", "SS ISO/IEC", "SS EN", "SS CP", "TR", "IEC", "BS"]),
    st.integers(1, 9999).map(str),
    years,
    st.lists(amendment_items, max_size=3),
    st.one_of(st.none(), years),
    st.sampled_from([":", " : ", ": "]),
    st.sampled_from(["+", " + ", "+ "]),
    st.booleans(),
)
def test_singapore_suffixes_round_trip(
    prefix: str,
    number: str,
    year: str,
    items: list[tuple[str, int, int | None, str | None]],
    reaffirmed: str | None,
    colon: str,
    plus: str,
    wide: bool,
) -> None:
    tail = "".join(_printed_amendment(item, plus, colon) for item in items)
    printed = f"{prefix} {number}{colon}{year}{tail}" + (f" ({reaffirmed})" if reaffirmed else "")
    code = parse_standard_code(_maybe_full_width(printed, wide))
    expected = [
        Amendment(kind[0], n, y if n == (last or first) else None)
        for kind, first, last, y in items
        for n in range(first, (last or first) + 1)
    ]
    assert (code.prefix, code.number, code.year, code.reaffirmed) == (prefix, number, year, reaffirmed)
    assert list(code.amendments) == expected
    assert code.key == f"{prefix} {number}"
    again = parse_standard_code(str(code))
    assert again == code and again.reaffirmed == code.reaffirmed and str(again) == str(code)


@given(
    st.sampled_from(["CHN", "TPKM", "SGP", "USA", "EU", "JPN"]),
    st.integers(1, 3000),
    st.lists(st.tuples(st.sampled_from(["Rev", "Add", "Corr", "Suppl"]), st.integers(1, 12)), max_size=2),
    st.booleans(),
)
def test_tbt_symbols_round_trip(
    member: str, number: int, suffixes: list[tuple[str, int]], wide: bool
) -> None:
    printed = f"G/TBT/N/{member}/{number}" + "".join(f"/{k.upper()}.{n}" for k, n in suffixes)
    symbol = parse_tbt_symbol(_maybe_full_width(printed, wide))
    assert symbol == TbtSymbol(member, number, tuple(suffixes))
    assert parse_tbt_symbol(str(symbol)) == symbol


@given(st.text(max_size=30))
def test_parser_never_guesses(text: str) -> None:
    """Any text either parses to a code whose normal form is stable, or is a CodeError; nothing else."""
    try:
        code = parse_any(text)
    except CodeError:
        return
    assert str(parse_any(str(code))) == str(code)
