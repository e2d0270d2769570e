"""A study's content as plain JSON data (what the store keeps, what the demo file holds) and back."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from stdwatch.studies.model import Counterpart, Degree, Item, Judgment, Kind, Requirement, StudyContent


def requirement_to_dict(req: Requirement | None) -> dict[str, Any] | None:
    if req is None:
        return None
    return {k: (str(v) if isinstance(v, Kind) else v) for k, v in asdict(req).items()}


def _excel_precision(value: float | None) -> float | None:
    """Values keep 15 significant digits, as many as a spreadsheet holds, so a study survives export ->
    edit in Excel -> import unchanged (no standard states a limit more precisely)."""
    return None if value is None else float(f"{value:.15g}")


def requirement_from_dict(data: dict[str, Any] | None) -> Requirement | None:
    """None also for a requirement that states nothing: a sheet cannot tell it from an empty cell, and it
    means the standard does not cover the item."""
    if data is None or not any(data.get(k) not in (None, "") for k in ("text", "kind", "value", "unit")):
        return None
    kind = data.get("kind")
    return Requirement(
        text=data.get("text") or "",
        kind=Kind(kind) if kind else None,
        value=_excel_precision(data.get("value")),
        value_max=_excel_precision(data.get("value_max")),
        unit=data.get("unit") or "",
    )


def item_to_dict(item: Item) -> dict[str, Any]:
    return {
        "clause": item.clause,
        "indicator": item.indicator,
        "domestic": requirement_to_dict(item.domestic),
        "counterparts": [
            {
                "requirement": requirement_to_dict(cp.requirement),
                "judgment": str(cp.judgment) if cp.judgment else None,
                "reason": cp.reason,
            }
            for cp in item.counterparts
        ],
        "note": item.note,
    }


def item_from_dict(data: dict[str, Any]) -> Item:
    return Item(
        clause=data.get("clause") or "",
        indicator=data.get("indicator") or "",
        domestic=requirement_from_dict(data.get("domestic")),
        counterparts=tuple(
            Counterpart(
                requirement=requirement_from_dict(cp.get("requirement")),
                judgment=Judgment(cp["judgment"]) if cp.get("judgment") else None,
                reason=cp.get("reason") or "",
            )
            for cp in data.get("counterparts") or []
        ),
        note=data.get("note") or "",
    )


def content_to_dict(content: StudyContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "domestic": list(content.domestic),
        "counterparts": list(content.counterparts),
        "purpose": content.purpose,
        "scope": content.scope,
        "degree": str(content.degree) if content.degree else None,
        "method": content.method,
        "conclusion": content.conclusion,
        "recommendations": content.recommendations,
        "authors": list(content.authors),
        "reviewers": list(content.reviewers),
        "illustrative": content.illustrative,
        "items": [item_to_dict(i) for i in content.items],
    }


def content_from_dict(data: dict[str, Any]) -> StudyContent:
    degree = data.get("degree")
    return StudyContent(
        title=data["title"],
        domestic=tuple(data.get("domestic") or ()),
        counterparts=tuple(data.get("counterparts") or ()),
        purpose=data.get("purpose") or "",
        scope=data.get("scope") or "",
        degree=Degree(degree) if degree else None,
        method=data.get("method") or "",
        conclusion=data.get("conclusion") or "",
        recommendations=data.get("recommendations") or "",
        authors=tuple(data.get("authors") or ()),
        reviewers=tuple(data.get("reviewers") or ()),
        illustrative=bool(data.get("illustrative")),
        items=tuple(item_from_dict(i) for i in data.get("items") or []),
    )
