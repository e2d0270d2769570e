"""GET /api/crawls: recent crawl runs and their stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ServicesDep
from api.errors import error_responses, only_params
from stdwatch.store import CrawlRepository
from stdwatch.store.crawl_repository import RunInfo

router = APIRouter(prefix="/api", tags=["crawls"])


@router.get(
    "/crawls",
    response_model=list[RunInfo],
    responses=error_responses(400, 422),
    dependencies=[Depends(only_params("spider", "limit"))],
)
def crawls(
    services: ServicesDep, spider: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[RunInfo]:
    """Most recent crawl runs first."""
    return CrawlRepository(services.repo.engine).runs(limit, spider)
