"""A comparison study in the domain: requirements, items, judgments, workflow states (no I/O here).

Judgments read from the domestic standard's side: `stricter` means the domestic requirement admits fewer
products than the counterpart's. Numeric judgments are computed (stdwatch/studies/compare.py); a curator's
judgment that differs from the computed one is an override and needs a reason, which the study keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    UPPER_LIMIT = "upper_limit"  # value <= limit
    LOWER_LIMIT = "lower_limit"  # value >= limit
    RANGE = "range"  # value <= x <= value_max
    EXACT = "exact"  # x == value
    PRESENCE = "presence"  # the feature/marking/test must be there; no value


class Judgment(StrEnum):
    STRICTER = "stricter"
    EQUIVALENT = "equivalent"
    LOOSER = "looser"
    NOT_COVERED_DOMESTIC = "not_covered_domestic"  # only the counterpart has the requirement
    NOT_COVERED_COUNTERPART = "not_covered_counterpart"  # only the domestic standard has it
    DIFFERENT_APPROACH = "different_approach"


# Seen from the other side: what swapping domestic and counterpart does to a judgment.
MIRROR = {
    Judgment.STRICTER: Judgment.LOOSER,
    Judgment.LOOSER: Judgment.STRICTER,
    Judgment.EQUIVALENT: Judgment.EQUIVALENT,
    Judgment.NOT_COVERED_DOMESTIC: Judgment.NOT_COVERED_COUNTERPART,
    Judgment.NOT_COVERED_COUNTERPART: Judgment.NOT_COVERED_DOMESTIC,
    Judgment.DIFFERENT_APPROACH: Judgment.DIFFERENT_APPROACH,
}


class Degree(StrEnum):
    """Degree of correspondence (ISO/IEC Guide 21-1, GB/T 20000.2)."""

    IDT = "IDT"
    MOD = "MOD"
    NEQ = "NEQ"


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Requirement:
    """One side's requirement. Without a kind it is text only and a curator judges it."""

    text: str = ""
    kind: Kind | None = None
    value: float | None = None
    value_max: float | None = None  # the upper end of a range
    unit: str = ""


@dataclass(frozen=True)
class Counterpart:
    """A counterpart standard's requirement for one item, and the curator's judgment if they gave one."""

    requirement: Requirement | None = None  # None: the counterpart standard does not cover the item
    judgment: Judgment | None = None  # the curator's; must differ from the computed one only with a reason
    reason: str = ""


@dataclass(frozen=True)
class Item:
    clause: str = ""
    indicator: str = ""
    domestic: Requirement | None = None
    counterparts: tuple[Counterpart, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class StudyContent:
    """What curators write; workflow facts (status, who, when) live with the stored study."""

    title: str
    domestic: tuple[str, ...]
    counterparts: tuple[str, ...]
    purpose: str = ""
    scope: str = ""
    degree: Degree | None = None
    method: str = ""
    conclusion: str = ""
    recommendations: str = ""
    authors: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    illustrative: bool = False  # the items are examples, not quotations of the standards' texts
    items: tuple[Item, ...] = field(default_factory=tuple)
