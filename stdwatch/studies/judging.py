"""A study's items judged: computed judgments, curators' overrides (each with its reason), summary counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from stdwatch.studies.compare import CompareError, item_judgments
from stdwatch.studies.model import Item, Judgment, StudyContent

UNJUDGED = "unjudged"


@dataclass(frozen=True)
class Cell:
    """One item against one counterpart: what the program computed and what the study says."""

    computed: Judgment | None
    judgment: Judgment | None  # the curator's when given, else the computed one
    overridden: bool
    reason: str


class StudyError(ValueError):
    """Content a study cannot hold; `field` says where (`items[2].counterparts[0].judgment`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def item_cells(item: Item, index: int, names: tuple[str, ...], label: str = "") -> list[Cell]:
    """Judge one item (`index` from 0; `label` names it in messages, `item <n>` by default); StudyError for a
    pair that cannot be compared or an override without a reason."""
    if item.domestic is None and all(cp.requirement is None for cp in item.counterparts):
        raise StudyError(
            f"items[{index}]", "neither the domestic standard nor a counterpart states a requirement"
        )
    try:
        computed = item_judgments(item, label or f"item {index + 1}", names)
    except CompareError as exc:
        raise StudyError(f"items[{index}]", str(exc)) from None
    cells = []
    for j, (cp, auto) in enumerate(zip(item.counterparts, computed, strict=True)):
        overridden = cp.judgment is not None and auto is not None and cp.judgment is not auto
        if overridden and not cp.reason.strip():
            raise StudyError(
                f"items[{index}].counterparts[{j}].reason",
                f"the computed judgment is {auto}; overriding it with {cp.judgment} needs a reason",
            )
        cells.append(Cell(auto, cp.judgment or auto, overridden, cp.reason))
    return cells


def judge(content: StudyContent) -> list[list[Cell]]:
    """Every item's cells; StudyError on the first item that is wrong (an item naming more or fewer
    counterparts than the study has, a pair that cannot be compared, an override without a reason)."""
    width = len(content.counterparts)
    rows = []
    for i, item in enumerate(content.items):
        if len(item.counterparts) != width:
            raise StudyError(
                f"items[{i}].counterparts",
                f"has {len(item.counterparts)} entries; the study has {width} counterpart standard(s)",
            )
        rows.append(item_cells(item, i, content.counterparts))
    return rows


def summary(cells: list[list[Cell]]) -> dict[str, int]:
    """Counts by judgment over every item x counterpart, with `unjudged` for text a curator has not judged."""
    counts = Counter(str(c.judgment) if c.judgment else UNJUDGED for row in cells for c in row)
    order = [str(j) for j in Judgment] + [UNJUDGED]
    return {name: counts.get(name, 0) for name in order}
