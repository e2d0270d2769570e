"""/api/studies: comparison studies. Reading published (and withdrawn) studies is open like search; drafts and
studies in review are seen and changed by curators only (others get 404 for them, as if they did not exist);
publishing is the four-eyes step (stdwatch/studies/workflow.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, File, HTTPException, Path, Query, Response, UploadFile

from api.auth import OptionalUser, auth_responses, require_role, search_access
from api.deps import ServicesDep
from api.errors import error_responses, only_params
from api.studies.schemas import (
    ChangeOut,
    ImportOut,
    MoveIn,
    RejectedRow,
    StudyIn,
    StudyOut,
    StudyPage,
    StudyPatch,
    SuggestionOut,
)
from api.studies.search import search_studies
from api.studies.service import (
    PUBLIC,
    answers,
    cells,
    editor,
    from_input,
    is_curator,
    patched,
    to_list_item,
    to_out,
)
from api.studies.suggest import suggest
from search.factory import analyzer_for
from stdwatch.accounts import Role
from stdwatch.store.accounts import UserInfo
from stdwatch.store.studies import StoredStudy, StudyRepository, code_and_key
from stdwatch.studies.benchmark import benchmark, benchmark_xlsx
from stdwatch.studies.judging import UNJUDGED, summary
from stdwatch.studies.model import Status
from stdwatch.studies.report import ReportFacts, render
from stdwatch.studies.sheets import SheetError, export_study, import_items
from stdwatch.studies.workflow import Action, Actor, check_edit, next_status

router = APIRouter(prefix="/api/studies", tags=["studies"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024
StudyId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The study's id.")]
CuratorUser = Annotated[UserInfo, Depends(require_role(Role.CURATOR))]
_READ = [Depends(search_access)]
_READ_ERRORS = {**auth_responses(401), **error_responses(400, 404, 422)}
_WRITE_ERRORS = {**auth_responses(401, 403), **error_responses(404, 409, 422)}
_UPLOAD_ERRORS = {**_WRITE_ERRORS, **error_responses(400)}  # 400: a multipart body that does not parse


def studies(services: ServicesDep) -> StudyRepository:
    return StudyRepository(services.repo.engine)


StudiesDep = Annotated[StudyRepository, Depends(studies)]


def _visible(repo: StudyRepository, study_id: int, user: UserInfo | None) -> StoredStudy:
    found = repo.get(study_id)
    if found is None or (found.status not in PUBLIC and not is_curator(user)):
        raise HTTPException(
            404, f"no study {study_id}" + ("" if is_curator(user) else " among published studies")
        )
    return found


def _actor(user: UserInfo) -> Actor:
    return Actor(user.id, user.role)


@router.get(
    "",
    response_model=StudyPage,
    responses={**_READ_ERRORS, **auth_responses(403)},
    dependencies=[*_READ, Depends(only_params("q", "status", "limit", "offset"))],
)
def list_studies(
    services: ServicesDep,
    repo: StudiesDep,
    user: OptionalUser,
    q: Annotated[str | None, Query(max_length=500, description="Words or a standard code.")] = None,
    status: Annotated[list[Status] | None, Query(description="Default: published.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> StudyPage:
    """Studies, most recently changed first, or those matching `q` (the documents' analyzer: Chinese in
    simplified or traditional characters, English, codes in any spelling), best first."""
    wanted = status or [Status.PUBLISHED]
    if not is_curator(user) and any(s not in PUBLIC for s in wanted):
        raise HTTPException(403, "drafts and studies in review are listed for curators only")
    found = repo.in_status(wanted)
    if q and q.strip():
        found = search_studies(analyzer_for(services.settings), found, q)
    page = found[offset : offset + limit]
    return StudyPage(total=len(found), studies=[to_list_item(s) for s in page])


@router.get(
    "/suggestions",
    response_model=list[SuggestionOut],
    responses=_READ_ERRORS,
    dependencies=[*_READ, Depends(only_params("document"))],
)
def counterpart_suggestions(
    services: ServicesDep,
    document: Annotated[str, Query(min_length=1, max_length=200, description="A document id or a code.")],
) -> list[SuggestionOut]:
    """Counterparts to compare a domestic standard with: from its adopted-standard metadata first, then by
    similarity of titles across regions (Chinese and English), each with the reason."""
    doc = services.repo.get(document)
    if doc is None:
        code, key = code_and_key(document)
        stored = services.repo.find_by_code(code, key)
        doc = max(stored, key=lambda d: d.code) if stored else None
    if doc is None:
        raise HTTPException(404, f"no stored standard with id or code {document!r}")
    found = suggest(services.repo, analyzer_for(services.settings), doc)
    return [SuggestionOut(**s.__dict__) for s in found]


@router.post("", response_model=StudyOut, status_code=201, responses=_WRITE_ERRORS)
def create_study(data: StudyIn, user: CuratorUser, repo: StudiesDep, services: ServicesDep) -> StudyOut:
    """Start a draft study (curators)."""
    with answers():
        content = from_input(data)
    return to_out(repo.create(content, editor(user)), services.repo)


@router.get("/{study_id}", response_model=StudyOut, responses=_READ_ERRORS, dependencies=_READ)
def get_study(study_id: StudyId, repo: StudiesDep, services: ServicesDep, user: OptionalUser) -> StudyOut:
    """A study with its items, computed judgments, summary counts and the standards it names (linked to their
    stored records once crawled)."""
    return to_out(_visible(repo, study_id, user), services.repo)


@router.patch("/{study_id}", response_model=StudyOut, responses=_WRITE_ERRORS)
def update_study(
    study_id: StudyId, patch: StudyPatch, user: CuratorUser, repo: StudiesDep, services: ServicesDep
) -> StudyOut:
    """Change a draft or a study in review (curators); every change is kept in its history."""
    current = _visible(repo, study_id, user)
    with answers():
        check_edit(current.status, _actor(user))
        updated = repo.update(study_id, patched(current.content, patch), editor(user), current)
    return to_out(updated, services.repo)


@router.delete("/{study_id}", status_code=204, responses=_WRITE_ERRORS)
def delete_study(study_id: StudyId, user: CuratorUser, repo: StudiesDep) -> Response:
    """Delete a draft (curators); its history stays. Published studies are withdrawn, not deleted."""
    current = _visible(repo, study_id, user)
    if current.status is not Status.DRAFT:
        raise HTTPException(409, f"only drafts are deleted; this study is {current.status} (withdraw it)")
    with answers():
        repo.delete(current, editor(user))
    return Response(status_code=204)


def _move(action: Action, study_id: int, user: UserInfo, repo: StudyRepository, note: str) -> StoredStudy:
    current = _visible(repo, study_id, user)
    with answers():
        target = next_status(current.status, action, _actor(user), current.created_by, current.submitted_by)
        if target is Status.PUBLISHED and summary(cells(current))[UNJUDGED]:
            raise HTTPException(409, "every item needs a judgment before publishing: judge the text items")
        if target is Status.PUBLISHED and not current.content.items:
            raise HTTPException(409, "a study without items is not published")
        return repo.move(current, target, str(action), editor(user), note)


def _move_route(action: Action, summary_text: str) -> None:
    @router.post(
        f"/{{study_id}}/{action.value}",
        response_model=StudyOut,
        responses=_WRITE_ERRORS,
        summary=summary_text,
        name=f"{action.value}_study",
    )
    def move(
        study_id: StudyId,
        user: CuratorUser,
        repo: StudiesDep,
        services: ServicesDep,
        body: Annotated[MoveIn | None, Body()] = None,
    ) -> StudyOut:
        return to_out(_move(action, study_id, user, repo, body.note if body else ""), services.repo)


_move_route(Action.SUBMIT, "Send a draft to review")
_move_route(Action.RETURN, "Send a study in review back to draft")
_move_route(Action.PUBLISH, "Publish (a curator other than its author and submitter, or an admin)")
_move_route(Action.WITHDRAW, "Withdraw a published study")


@router.get("/{study_id}/history", response_model=list[ChangeOut], responses=_WRITE_ERRORS)
def study_history(study_id: StudyId, user: CuratorUser, repo: StudiesDep) -> list[ChangeOut]:
    """Every change: who, when, what action, the status after it (curators)."""
    changes = repo.history(study_id)
    if not changes:
        raise HTTPException(404, f"no study {study_id}")
    return [
        ChangeOut(
            revision=c.revision,
            action=c.action,
            status=c.status,
            user_id=c.user_id,
            user_email=c.user_email,
            at=c.at,
            note=c.note,
        )
        for c in changes
    ]


async def _upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(422, f"file: larger than {MAX_UPLOAD // (1024 * 1024)} MiB")
    return data


@router.post("/{study_id}/items/import", response_model=ImportOut, responses=_UPLOAD_ERRORS)
async def import_study_items(
    study_id: StudyId,
    user: CuratorUser,
    repo: StudiesDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="An .xlsx sheet; the header row names the fields.")],
    mode: Annotated[
        Literal["append", "replace"], Query(description="Add to the items or replace them.")
    ] = "append",
) -> ImportOut:
    """Import items from an .xlsx sheet (curators): good rows are kept, each bad row is reported with its row
    number and reason. Columns: see the items sheet of an export."""
    current = _visible(repo, study_id, user)
    data = await _upload(file)
    with answers():
        check_edit(current.status, _actor(user))
        try:
            result = import_items(data, current.content.counterparts)
        except SheetError as exc:
            raise HTTPException(422, f"file: {exc}") from None
        kept = () if mode == "replace" else current.content.items
        content = replace(current.content, items=(*kept, *result.items))
        updated = repo.update(study_id, content, editor(user), current)
    return ImportOut(
        imported=len(result.items),
        rejected=[RejectedRow(row=r.row, reason=r.reason) for r in result.rejected],
        study=to_out(updated, services.repo),
    )


@router.get(
    "/{study_id}/export.xlsx",
    response_class=Response,
    responses={**_READ_ERRORS, 200: {"content": {XLSX: {}}, "description": "The study as .xlsx"}},
    dependencies=_READ,
)
def export_study_xlsx(study_id: StudyId, repo: StudiesDep, user: OptionalUser) -> Response:
    """The study as .xlsx: a summary sheet and an items sheet (the same columns import reads)."""
    study = _visible(repo, study_id, user)
    published = study.published_at.date().isoformat() if study.published_at else ""
    data = export_study(study.content, cells(study), str(study.status), published)
    return Response(data, media_type=XLSX, headers=_attachment(f"study-{study_id}.xlsx"))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/{study_id}/report",
    response_class=Response,
    responses={
        **_READ_ERRORS,
        200: {"content": {"text/markdown": {}, "text/html": {}}, "description": "The printable report"},
    },
    dependencies=[*_READ, Depends(only_params("format"))],
)
def study_report(
    study_id: StudyId,
    repo: StudiesDep,
    user: OptionalUser,
    format: Annotated[Literal["md", "html"], Query(description="Markdown or printable HTML.")] = "html",
) -> Response:
    """The study as a printable report with the summary table: HTML (print styles) or Markdown."""
    study = _visible(repo, study_id, user)
    published = study.published_at.date().isoformat() if study.published_at else ""
    facts = ReportFacts(study.id, str(study.status), published)
    text = render(study.content, cells(study), facts, html=format == "html")
    media = "text/html; charset=utf-8" if format == "html" else "text/markdown; charset=utf-8"
    return Response(text, media_type=media)


@router.post(
    "/{study_id}/benchmark",
    response_class=Response,
    responses={
        **_READ_ERRORS,
        200: {"content": {XLSX: {}}, "description": "Each indicator judged, as .xlsx"},
    },
    dependencies=_READ,
)
async def benchmark_product(
    study_id: StudyId,
    repo: StudiesDep,
    user: OptionalUser,
    file: Annotated[
        UploadFile, File(description="An .xlsx sheet: indicator, value, unit (clause optional).")
    ],
) -> Response:
    """对标达标: a product's measured indicators judged against the domestic and each counterpart requirement
    of a published study (meets / does not meet / check by hand), as .xlsx. Nothing uploaded is stored."""
    study = _visible(repo, study_id, None)
    if study.status is not Status.PUBLISHED:
        raise HTTPException(
            409, f"products are benchmarked against published studies; this one is {study.status}"
        )
    data = await _upload(file)
    try:
        lines = benchmark(study.content, data)
    except SheetError as exc:
        raise HTTPException(422, f"file: {exc}") from None
    report = benchmark_xlsx(study.content, study.id, lines)
    return Response(report, media_type=XLSX, headers=_attachment(f"benchmark-study-{study_id}.xlsx"))
