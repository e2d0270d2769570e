
"""Standard codes and TBT symbols as real sources print them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stdwatch.identifiers import (
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
    assert parse_standard_code("IEC 60335-1:2020+A1:2023").amendments == ("A1:2023",)


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
