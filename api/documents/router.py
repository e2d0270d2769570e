"""GET /api/documents/{id}: the full record, its version history and related documents."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from api.deps import ServicesDep
from api.documents.schemas import ChainOut, DocumentOut, RelatedOut, VersionOut
from api.documents.service import Related, document_detail
from api.errors import error_responses, only_params
from api.studies.service import citing

router = APIRouter(prefix="/api", tags=["documents"])


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentOut,
    responses=error_responses(400, 404, 422),
    dependencies=[Depends(only_params())],
)
def get_document(doc_id: str, services: ServicesDep) -> DocumentOut:
    """One standard or notification with every version it has had and what it relates to."""
    detail = document_detail(services.repo, doc_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no document with id {doc_id!r}")
    doc = detail.document
    return DocumentOut(
        id=doc.id,
        kind=doc.kind,
        code=doc.code,
        version=doc.version,
        content_hash=doc.content_hash,
        first_seen=doc.first_seen,
        last_seen=doc.last_seen,
        updated_at=doc.updated_at,
        record=doc.data,
        history=[
            VersionOut(
                version=v.version,
                recorded_at=v.recorded_at,
                content_hash=v.content_hash,
                changed_fields=v.changed_fields,
                record=v.data,
            )
            for v in detail.history
        ],
        related=[_related(r) for r in detail.related],
        notification_chain=ChainOut(
            base=detail.chain.base,
            documents=[_related(r) for r in detail.chain.documents],
            current=detail.chain.current,
        )
        if detail.chain
        else None,
        studies=citing(services.repo, doc),
    )


def _related(item: Related) -> RelatedOut:
    return RelatedOut(relation=item.relation, code=item.code, id=item.id, kind=item.kind, title=item.title)
