"""From API shapes to a checked StudyContent and back; standards resolved to stored records at read time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError

from api.studies.schemas import (
    CellOut,
    ItemOut,
    RequirementOut,
    StandardRefOut,
    StudyIn,
    StudyListItem,
    StudyOut,
    StudyPatch,
    StudyRefOut,
)
from stdwatch.accounts import Role
from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.store import DocumentRepository, StoredDocument
from stdwatch.store.accounts import UserInfo
from stdwatch.store.studies import Editor, StoredStudy, StudyConflict, StudyRepository, code_and_key
from stdwatch.studies.codec import content_from_dict, content_to_dict
from stdwatch.studies.judging import Cell, StudyError, judge, summary
from stdwatch.studies.model import Requirement, Status, StudyContent
from stdwatch.studies.workflow import WorkflowError

PUBLIC = (Status.PUBLISHED, Status.WITHDRAWN)


def unprocessable(field: str, message: str) -> RequestValidationError:
    """The API's 422 naming the field (`items[2].counterparts[0].reason: ...`)."""
    return RequestValidationError([{"loc": ("body",), "msg": f"{field}: {message}", "type": "value_error"}])


@contextmanager
def answers() -> Iterator[None]:
    """Domain refusals as HTTP answers: bad content 422, a forbidden move 403, a lost race 409."""
    try:
        yield
    except StudyError as exc:
        raise unprocessable(exc.field, exc.message) from None
    except WorkflowError as exc:
        raise HTTPException(403, str(exc)) from None
    except StudyConflict as exc:
        raise HTTPException(409, str(exc)) from None


def editor(user: UserInfo) -> Editor:
    return Editor(user.id, user.email)


def is_curator(user: UserInfo | None) -> bool:
    return user is not None and user.role.allows(Role.CURATOR)


def _codes(field: str, codes: list[str]) -> tuple[str, ...]:
    """Normalized codes; a code that is not one is a 422 naming it (it must resolve once crawled)."""
    normalized = []
    for i, text in enumerate(codes):
        try:
            normalized.append(str(parse_standard_code(text)))
        except CodeError as exc:
            raise StudyError(f"{field}[{i}]", str(exc)) from None
    if len(set(normalized)) != len(normalized):
        raise StudyError(field, "names the same standard twice")
    return tuple(normalized)


def checked(data: dict[str, Any]) -> StudyContent:
    """The content of a study from its JSON form, codes normalized, every item judged (StudyError if not)."""
    data = {**data, "domestic": _codes("domestic", data["domestic"])}
    data["counterparts"] = _codes("counterparts", data["counterparts"])
    if set(data["domestic"]) & set(data["counterparts"]):
        raise StudyError("counterparts", "a standard cannot be compared with itself")
    content = content_from_dict(data)
    judge(content)
    return content


def from_input(data: StudyIn) -> StudyContent:
    return checked(data.model_dump(mode="json"))


def patched(current: StudyContent, patch: StudyPatch) -> StudyContent:
    changes = patch.model_dump(mode="json", exclude_unset=True)
    if changes.get("title", "") is None:
        raise StudyError("title", "cannot be null")
    for name in ("domestic", "counterparts"):
        if name in changes and changes[name] is None:
            raise StudyError(name, "cannot be null")
    base = content_to_dict(current)
    for name, value in changes.items():
        # null clears a field: text to "", lists to [], the degree to none
        base[name] = _EMPTY.get(name, "") if value is None else value
    return checked(base)


_EMPTY: dict[str, Any] = {"degree": None, "illustrative": False, "authors": [], "reviewers": [], "items": []}


# ---------------------------------------------------------------------------------------------- output
def _requirement(req: Requirement | None) -> RequirementOut | None:
    if req is None:
        return None
    return RequirementOut(
        text=req.text, kind=req.kind, value=req.value, value_max=req.value_max, unit=req.unit
    )


def _ref(repo: DocumentRepository, text: str) -> StandardRefOut:
    code, key = code_and_key(text)
    found = repo.find_by_code(code, key)
    if not found:
        return StandardRefOut(code=code, document_id=None, title=None, status=None)
    doc = max(found, key=lambda d: d.code)  # cited without an edition: the newest edition stands for it
    data = doc.data
    title = data.get("title_zh") or data.get("title_zh_hant") or data.get("title_en")
    return StandardRefOut(code=code, document_id=doc.id, title=title, status=data.get("status"))


def cells(study: StoredStudy) -> list[list[Cell]]:
    with answers():
        return judge(study.content)


def to_out(study: StoredStudy, repo: DocumentRepository) -> StudyOut:
    c = study.content
    judged = cells(study)
    items = [
        ItemOut(
            position=i + 1,
            clause=item.clause,
            indicator=item.indicator,
            domestic=_requirement(item.domestic),
            counterparts=[
                CellOut(
                    requirement=_requirement(cp.requirement),
                    computed=cell.computed,
                    judgment=cell.judgment,
                    overridden=cell.overridden,
                    reason=cell.reason,
                )
                for cp, cell in zip(item.counterparts, row, strict=True)
            ],
            note=item.note,
        )
        for i, (item, row) in enumerate(zip(c.items, judged, strict=True))
    ]
    return StudyOut(
        id=study.id,
        status=study.status,
        revision=study.revision,
        title=c.title,
        purpose=c.purpose,
        scope=c.scope,
        degree=c.degree,
        method=c.method,
        conclusion=c.conclusion,
        recommendations=c.recommendations,
        authors=list(c.authors),
        reviewers=list(c.reviewers),
        illustrative=c.illustrative,
        domestic=[_ref(repo, code) for code in c.domestic],
        counterparts=[_ref(repo, code) for code in c.counterparts],
        items=items,
        summary=summary(judged),
        created_by=study.created_by,
        created_at=study.created_at,
        updated_at=study.updated_at,
        submitted_by=study.submitted_by,
        submitted_at=study.submitted_at,
        published_by=study.published_by,
        published_at=study.published_at,
        withdrawn_by=study.withdrawn_by,
        withdrawn_at=study.withdrawn_at,
    )


def to_list_item(study: StoredStudy) -> StudyListItem:
    c = study.content
    return StudyListItem(
        id=study.id,
        title=c.title,
        status=study.status,
        degree=c.degree,
        illustrative=c.illustrative,
        domestic=list(c.domestic),
        counterparts=list(c.counterparts),
        summary=summary(cells(study)),
        updated_at=study.updated_at,
        published_at=study.published_at,
    )


def citing(repo: DocumentRepository, doc: StoredDocument) -> list[StudyRefOut]:
    """The published (and withdrawn) studies naming a document: this edition, or the standard without one."""
    found = StudyRepository(repo.engine).citing(doc.code, doc.code_key, PUBLIC)
    refs = []
    for study in found:
        domestic = {k for text in study.content.domestic for k in code_and_key(text)}
        side = "domestic" if doc.code in domestic or doc.code_key in domestic else "counterpart"
        refs.append(
            StudyRefOut(
                id=study.id,
                title=study.content.title,
                status=study.status,
                side=side,
                illustrative=study.content.illustrative,
            )
        )
    return refs
