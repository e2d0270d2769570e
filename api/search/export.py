"""GET /api/search/export: the whole result set of a search (every hit, not one page) as CSV or .xlsx, streamed.

It takes the search parameters of /api/search (search.params) plus `format`; `page` and `size` make no sense
for an export and are refused. The total is checked before the answer starts, so a refusal is a 4xx, not a
broken download.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.deps import ServicesDep
from api.errors import BadRequest, error_responses
from api.search.request import checked_query, raw_params
from search.export import MEDIA_TYPES, ExportFormat, ExportTooLarge, checked_total, export_chunks
from search.params import openapi_parameters

router = APIRouter()
_NOT_FOR_EXPORT = ("page", "size")


def _parameters() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "csv (UTF-8 with BOM, opens in Excel) or xlsx.",
            "schema": {"type": "string", "enum": [f.value for f in ExportFormat], "default": "csv"},
        }
    ]
    return out + [p for p in openapi_parameters() if p["name"] not in _NOT_FOR_EXPORT]


def _format(params: dict[str, list[str]]) -> ExportFormat:
    values = params.pop("format", ["csv"])
    if len(values) != 1 or values[0].strip().lower() not in {f.value for f in ExportFormat}:
        raise BadRequest(f"format: give one of {[f.value for f in ExportFormat]}")
    return ExportFormat(values[0].strip().lower())


@router.get(
    "/search/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Every hit of the search, in its order, one row each (with a header row).",
            "content": {
                MEDIA_TYPES[ExportFormat.CSV]: {"schema": {"type": "string"}},
                MEDIA_TYPES[ExportFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **error_responses(400, 503),
    },
    openapi_extra={"parameters": _parameters()},
)
def export(request: Request, services: ServicesDep) -> StreamingResponse:
    """The whole result set of a search as a file (streamed; at most 100,000 rows)."""
    params = raw_params(request)
    fmt = _format(params)
    if refused := [name for name in _NOT_FOR_EXPORT if name in params]:
        raise BadRequest(f"{refused[0]}: an export holds every hit; leave out page and size")
    query = checked_query(params)
    try:
        checked_total(services.backend, query)
    except ExportTooLarge as exc:
        raise BadRequest(str(exc)) from None
    filename = f"stdwatch-search-{date.today().isoformat()}.{fmt.value}"
    return StreamingResponse(
        export_chunks(services.backend, query, fmt, services.settings.public_url),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
