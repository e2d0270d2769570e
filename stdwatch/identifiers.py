"""Standard codes and WTO TBT document symbols: parse what real sources print, normalize, round-trip.

Sources print `GB/T 19001-2016`, `GBT 19001—2016`, `ＧＢ／Ｔ　１９００１`, `SS 578 : 2012`,
`CNS 4797-1 (2014)`, `G/TBT/N/TPKM/512/ADD.1` ... One parser turns all of them into one normalized form;
anything it cannot read is a `CodeError` naming the input, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache


class CodeError(ValueError):
    """A text that is not a standard code or TBT symbol we can read."""

    def __init__(self, text: str, what: str = "standard code", why: str = "") -> None:
        shown = repr(text) if len(text) <= 60 else repr(text[:40]) + f"... ({len(text)} characters)"
        super().__init__(f"cannot parse {what}: {shown}" + (f": {why}" if why else ""))
        self.text = text


class Region(StrEnum):
    CN = "cn"
    TW = "tw"
    SG = "sg"
    INTL = "intl"
    OTHER = "other"


class Family(StrEnum):
    GB = "GB"
    GB_T = "GB/T"
    GB_Z = "GB/Z"
    INDUSTRY = "industry"
    LOCAL = "local"
    GROUP = "group"
    ENTERPRISE = "enterprise"
    CNS = "CNS"
    SS = "SS"
    ISO = "ISO"
    IEC = "IEC"
    ISO_IEC = "ISO/IEC"
    OTHER = "other"


FAMILY_REGION: dict[Family, Region] = {
    Family.GB: Region.CN,
    Family.GB_T: Region.CN,
    Family.GB_Z: Region.CN,
    Family.INDUSTRY: Region.CN,
    Family.LOCAL: Region.CN,
    Family.GROUP: Region.CN,
    Family.ENTERPRISE: Region.CN,
    Family.CNS: Region.TW,
    Family.SS: Region.SG,
    Family.ISO: Region.INTL,
    Family.IEC: Region.INTL,
    Family.ISO_IEC: Region.INTL,
    Family.OTHER: Region.OTHER,
}

# PRC industry-standard sector codes (行业标准代号), used when a code has no "/T" to tell it is PRC.
INDUSTRY_SECTORS = frozenset(
    (
        "AQ BB CB CH CJ CY DA DB DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JR JT JY LB LD LS LY MH MT MZ "
        "NB NY QB QC QJ QX RB SB SC SF SH SJ SL SN SW SY TB TD TY WB WH WJ WM WS WW XB YB YC YD YS YY YZ ZY"
    ).split()
)

# Longest code or symbol accepted, as printed and after folding: real ones are under 50 characters; the cap
# keeps hostile input (a 500-digit "code" in a search box or a data file) away from the parsers and ids short.
MAX_CODE_LENGTH = 100

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－~～"), "-")


def clean(text: str) -> str:
    """Fold what sources vary on: full-width forms, dash kinds, runs of spaces, letter case."""
    folded = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return re.sub(r"\s+", " ", folded).strip().upper()


# ---------------------------------------------------------------------------------------------- standards
_PRC_RE = re.compile(
    r"^(?P<prefix>GB/[TZ]|GB[TZ]?|DB(?:\d{2}){1,2}(?:/T)?|T/[A-Z]{2,20}(?:-[A-Z]+)?|Q/[A-Z0-9-]{1,30}|[A-Z]{2,3}/T|[A-Z]{2})"
    r" ?(?P<number>\d+(?:\.\d+)*)(?: ?- ?(?P<year>\d{4}|\d{2}))?$"
)
_CNS_RE = re.compile(
    r"^CNS ?(?P<number>\d+(?:-\d+)*)(?: ?(?P<class1>[A-Z]\d{4,5}))?"
    r"(?: ?: ?(?P<year1>\d{4})| ?\((?P<year2>\d{4})\))?(?: (?P<class2>[A-Z]\d{4,5}))?$"
)
_COLON_PREFIXES = (
    "ISO/IEC/IEEE",
    "ISO/IEC TS",
    "ISO/IEC TR",
    "ISO/IEC",
    "ISO/ASTM",
    "ISO/TS",
    "ISO/TR",
    "ISO/PAS",
    "IEC/TS",
    "IEC/TR",
    "IEC/PAS",
    "ISO",
    "IEC",
    "SS ISO/IEC",
    "SS ISO",
    "SS IEC",
    "SS CP",
    "SS EN",
    "SS",
    "TR",
)
# Amendments (`+A1`, `+AMD 2`, `+A1-A3`) and corrigenda (`+C1`, `+COR1`), as printed after a code; a range
# is one item, written out in full, and no longer than MAX_RANGE (`A1-A999` is no real code).
_AMENDMENT = (
    r" ?\+ ?(?:(?:AMD|A) ?\d{1,3}(?: ?- ?(?:AMD|A) ?\d{1,3})?"
    r"|(?:CORR?|C) ?\d{1,3}(?: ?- ?(?:CORR?|C) ?\d{1,3})?)"
)
MAX_RANGE = 20
# Every repetition below is either bounded or separated from its neighbour by a character it cannot take, so
# the match runs in time linear in the input: one search box query must never stall the server (issue 10,
# item 1). An unseparated `\d+[A-Z0-9]*` or an unbounded run of prefix words made `A` + 500 digits + `!` take
# seconds. Amendments printed before the year (`BS 7671+A1-A3 : 2008`) are one branch that must end in the
# year, so the two runs of amendments never compete for the same text.
_COLON_RE = re.compile(
    r"^(?P<prefix>"
    + "|".join(re.escape(p) for p in sorted(_COLON_PREFIXES, key=len, reverse=True))
    + r"|[A-Z][A-Z0-9]{0,11}(?:[ /][A-Z][A-Z0-9]{0,11}){0,3}?) ?"
    r"(?P<number>[A-Z]?\d[A-Z0-9]*(?:[-.][A-Z0-9]+)*)"
    r"(?: ?: ?(?P<part>PARTS? ?[A-Z0-9]+(?: ?- ?[A-Z0-9]+)?))?"
    r"(?:(?P<before>(?:" + _AMENDMENT + r"){1,50}) ?: ?(?P<year1>\d{4})|(?: ?: ?(?P<year2>\d{4}))?)"
    r"(?P<amd>(?:" + _AMENDMENT + r"(?: ?: ?\d{4})?){0,50})"
    r"(?: ?\((?P<reaffirmed>\d{4})\))?$"
)
_AMENDMENT_RE = re.compile(
    r"\+ ?(AMD|A|CORR?|C) ?(\d{1,3})(?: ?- ?(AMD|A|CORR?|C) ?(\d{1,3}))?(?: ?: ?(\d{4}))?"
)


@dataclass(frozen=True, order=True)
class Amendment:
    """One amendment (`A`) or corrigendum (`C`) of an edition, with its year when printed."""

    kind: str
    number: int
    year: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}{self.number}" + (f":{self.year}" if self.year else "")


def _suffixes(text: str) -> tuple[Amendment, ...] | None:
    """`+C1:2020+A1-A3` -> C1:2020, A1, A2, A3 in printed order; None for a range that is backwards, mixes
    amendments with corrigenda, or is longer than MAX_RANGE (a year after a range belongs to its last item)."""
    found: list[Amendment] = []
    for kind, first, end_kind, last, year in _AMENDMENT_RE.findall(text):
        letter = kind[0]
        stop = int(last) if last else int(first)
        if (end_kind and end_kind[0] != letter) or not 0 <= stop - int(first) < MAX_RANGE:
            return None
        numbers = range(int(first), stop + 1)
        found += [Amendment(letter, n, year if n == stop and year else None) for n in numbers]
    return tuple(found)


@dataclass(frozen=True, order=True)
class StandardCode:
    """A parsed standard code. ``str()`` gives the normalized form, which parses back to an equal value."""

    prefix: str
    number: str
    year: str | None = None
    part: str | None = None
    amendments: tuple[Amendment, ...] = ()
    class_no: str | None = field(default=None, compare=False)
    # `SS 554:2016 (2021)`: the edition was reaffirmed in 2021. The same document, so not part of its identity.
    reaffirmed: str | None = field(default=None, compare=False)

    @property
    def family(self) -> Family:
        return _family_of(self.prefix)

    @property
    def region(self) -> Region:
        return FAMILY_REGION[self.family]

    @property
    def hyphen_year(self) -> bool:
        return self.family not in (
            Family.CNS,
            Family.SS,
            Family.ISO,
            Family.IEC,
            Family.ISO_IEC,
            Family.OTHER,
        )

    @property
    def key(self) -> str:
        """The code without its edition: every edition of one standard shares it (`GB/T 19001`)."""
        base = f"{self.prefix} {self.number}"
        return f"{base}:{self.part}" if self.part else base

    @property
    def edition(self) -> StandardCode:
        """This code without amendments, corrigenda or reaffirmation: the edition they apply to."""
        return replace(self, amendments=(), reaffirmed=None)

    @property
    def identity(self) -> StandardCode:
        """The code a record is stored under: without the CNS class number or the reaffirmation year."""
        return replace(self, class_no=None, reaffirmed=None)

    def __str__(self) -> str:
        text = self.key
        if self.year:
            text += f"-{self.year}" if self.hyphen_year else f":{self.year}"
        text += "".join(f"+{a}" for a in self.amendments)
        if self.reaffirmed:
            text += f" ({self.reaffirmed})"
        return f"{text} {self.class_no}" if self.class_no else text


@lru_cache(maxsize=4096)  # prefixes are few; every record read asks (family, region, its code's spelling)
def _family_of(prefix: str) -> Family:
    fixed = {
        "GB": Family.GB,
        "GB/T": Family.GB_T,
        "GB/Z": Family.GB_Z,
        "CNS": Family.CNS,
        "ISO/IEC": Family.ISO_IEC,
        "ISO": Family.ISO,
        "IEC": Family.IEC,
    }
    if prefix in fixed:
        return fixed[prefix]
    if prefix.startswith("ISO/IEC"):
        return Family.ISO_IEC
    if prefix.startswith(("ISO/", "ISO ")):
        return Family.ISO
    if prefix.startswith(("IEC/", "IEC ")):
        return Family.IEC
    if prefix == "TR" or prefix.startswith("SS"):
        return Family.SS
    if prefix.startswith("DB"):
        return Family.LOCAL
    if prefix.startswith("T/"):
        return Family.GROUP
    if prefix.startswith("Q/"):
        return Family.ENTERPRISE
    if re.fullmatch(r"[A-Z]{2,3}/T", prefix) or prefix in INDUSTRY_SECTORS:
        return Family.INDUSTRY
    return Family.OTHER


def _full_year(year: str | None) -> str | None:
    # Pre-1995 PRC codes are printed with two-digit years (GB 3100-93); the catalogue spells them out.
    if year is not None and len(year) == 2:
        return f"19{year}"
    return year


def _parse_prc(text: str) -> StandardCode | None:
    m = _PRC_RE.match(text)
    if not m:
        return None
    prefix = {"GBT": "GB/T", "GBZ": "GB/Z"}.get(m["prefix"], m["prefix"])
    if "/" not in prefix and not prefix.startswith(("GB", "DB")) and prefix not in INDUSTRY_SECTORS:
        return None
    return StandardCode(prefix, m["number"], _full_year(m["year"]))


def _parse_cns(text: str) -> StandardCode | None:
    m = _CNS_RE.match(text)
    if not m:
        return None
    number, year = m["number"], m["year1"] or m["year2"]
    tail = re.fullmatch(r"(.+)-((?:19|20)\d{2})", number)
    if year is None and tail and "-" in tail[1]:
        # `CNS 14964-22-2007`: a part number followed by the edition year.
        number, year = tail[1], tail[2]
    return StandardCode("CNS", number, year, class_no=m["class1"] or m["class2"])


def _parse_colon(text: str) -> StandardCode | None:
    m = _COLON_RE.match(text)
    if not m or m["prefix"] in ("G", "CNS") or FAMILY_REGION[_family_of(m["prefix"])] is Region.CN:
        return None  # PRC codes have their own grammar (hyphen year); a mismatch there is an error
    part = m["part"]
    if part:
        part = re.sub(r"^PART(S?) ?", lambda p: f"Part{p[1].lower()} ", part)
        part = part.replace(" - ", "-").replace(" -", "-")
        part = part.replace("- ", "-")
    year = m["year1"] or m["year2"]
    amendments = _suffixes((m["before"] or "") + (m["amd"] or ""))
    if amendments is None or (m["reaffirmed"] and not year):
        return None  # a reaffirmation year needs the edition year it follows (`SS 554:2016 (2021)`)
    return StandardCode(m["prefix"], m["number"], year, part, amendments, reaffirmed=m["reaffirmed"])


def _capped(text: str, what: str = "standard code") -> str:
    """The folded text, or CodeError when it is longer than any real code (checked before and after folding)."""
    if len(text) > MAX_CODE_LENGTH:
        raise CodeError(text, what, f"longer than {MAX_CODE_LENGTH} characters")
    cleaned = clean(text)
    if len(cleaned) > MAX_CODE_LENGTH:
        raise CodeError(text, what, f"longer than {MAX_CODE_LENGTH} characters")
    return cleaned


@lru_cache(maxsize=131072)
def parse_standard_code(text: str) -> StandardCode:
    """Parse a standard code as any real source prints it; raise CodeError if it is not one."""
    code = match_standard_code(_capped(text))
    if code is None:
        raise CodeError(text)
    if len(str(code)) > MAX_CODE_LENGTH:  # amendment ranges written out (`+A1-A20`) can pass the cap
        raise CodeError(text, why=f"longer than {MAX_CODE_LENGTH} characters once written out")
    return code


def match_standard_code(cleaned: str) -> StandardCode | None:
    """The grammar itself, on folded text of any length (linear time; the length cap lives in the callers)."""
    for parser in (_parse_cns, _parse_prc, _parse_colon):
        code = parser(cleaned)
        if code is not None:
            return code
    return None


def normalize_code(text: str) -> str:
    """The normalized spelling of a standard code."""
    return str(parse_standard_code(text))


# ---------------------------------------------------------------------------------------------- TBT symbols
_SUFFIX_NAMES = {"REV": "Rev", "ADD": "Add", "CORR": "Corr", "SUPPL": "Suppl"}
_TBT_RE = re.compile(
    r"^G/TBT/N/(?P<member>[A-Z]{2,4})/(?P<number>\d{1,6})(?P<suffixes>(?:/(?:REV|ADD|CORR|SUPPL)\.?\d{1,4})*)$"
)
_SUFFIX_RE = re.compile(r"/(REV|ADD|CORR|SUPPL)\.?(\d+)")


@dataclass(frozen=True, order=True)
class TbtSymbol:
    """A WTO TBT notification symbol such as G/TBT/N/CHN/1786/Add.1."""

    member: str
    number: int
    suffixes: tuple[tuple[str, int], ...] = ()

    @property
    def base(self) -> TbtSymbol:
        """The notification that addenda, revisions and corrigenda hang from."""
        return TbtSymbol(self.member, self.number)

    @property
    def is_base(self) -> bool:
        return not self.suffixes

    @property
    def relation(self) -> str | None:
        """What this document is to its base: addendum, revision, corrigendum or supplement."""
        if not self.suffixes:
            return None
        names = {"Add": "addendum", "Rev": "revision", "Corr": "corrigendum", "Suppl": "supplement"}
        return names[self.suffixes[-1][0]]

    def __str__(self) -> str:
        return f"G/TBT/N/{self.member}/{self.number}" + "".join(f"/{k}.{n}" for k, n in self.suffixes)


@lru_cache(maxsize=131072)
def parse_tbt_symbol(text: str) -> TbtSymbol:
    """Parse a TBT document symbol; raise CodeError if it is not one."""
    symbol = match_tbt_symbol(_capped(text, "TBT symbol"))
    if symbol is None:
        raise CodeError(text, "TBT symbol")
    return symbol


def match_tbt_symbol(cleaned: str) -> TbtSymbol | None:
    """The symbol grammar on folded text of any length (linear time; bounded numbers keep int() cheap)."""
    m = _TBT_RE.match(re.sub(r" ?([/.]) ?", r"\1", cleaned))
    if not m:
        return None
    suffixes = tuple((_SUFFIX_NAMES[k], int(n)) for k, n in _SUFFIX_RE.findall(m["suffixes"]))
    return TbtSymbol(m["member"], int(m["number"]), suffixes)


def parse_any(text: str) -> StandardCode | TbtSymbol:
    """A TBT symbol or a standard code, whichever the text is."""
    if clean(text).startswith("G/TBT"):
        return parse_tbt_symbol(text)
    return parse_standard_code(text)


# Notifying members by symbol code -> region, for the members StdWatch's users watch most.
MEMBER_REGION: dict[str, Region] = {"CHN": Region.CN, "TPKM": Region.TW, "SGP": Region.SG}


def member_region(member: str) -> Region:
    return MEMBER_REGION.get(member.upper(), Region.OTHER)


def slug(text: str) -> str:
    """A URL-safe stable id from a normalized code or symbol (`GB/T 19001-2016` -> `gb-t-19001-2016`)."""
    return re.sub(r"[^0-9a-z.:+]+", "-", text.lower()).strip("-")
