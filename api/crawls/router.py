"""GET /api/crawls: recent crawl runs and their stats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ServicesDep
from stdwatch.store import CrawlRepository

router = APIRouter(prefix="/api", tags=["crawls"])


class CrawlRunOut(BaseModel):
    id: int
    spider: str
    started_at: datetime
    finished_at: datetime | None
    finish_reason: str | None
    pages: int
    new: int
    updated: int
    unchanged: int
    quarantined: int
    blocked: int
    errors: int
    args: dict[str, Any]


@router.get("/crawls", response_model=list[CrawlRunOut])
def crawls(services: ServicesDep, spider: str | None = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[CrawlRunOut]:
    """Most recent crawl runs first."""
    runs = CrawlRepository(services.repo.engine).runs(limit, spider)
    return [CrawlRunOut(**run.__dict__) for run in runs]
