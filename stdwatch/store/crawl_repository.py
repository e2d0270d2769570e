"""SQL for what crawls leave behind: runs and their stats, quarantined pages, what each spider has seen."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, insert, select, update

from stdwatch.store.models import CrawlRun, QuarantinedPage, SourceSeen
from stdwatch.store.repository import utcnow

_RUNS = cast(Table, CrawlRun.__table__)
_QUARANTINE = cast(Table, QuarantinedPage.__table__)
_SEEN = cast(Table, SourceSeen.__table__)
# (source id, listing fingerprint, document id, record data as the source gave it)
SeenEntry = tuple[str, str, str | None, dict[str, Any] | None]
Snapshots = dict[str, dict[tuple[str, str], dict[str, Any]]]
RUN_COUNTERS = ("pages", "new", "updated", "unchanged", "quarantined", "blocked", "errors")


@dataclass(frozen=True)
class RunInfo:
    """One crawl run and its stats; GET /api/crawls returns it as it is."""

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


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    spider: str
    url: str
    reason: str
    body_hash: str
    body: str
    created_at: datetime


class CrawlRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------------------------------ runs
    def start_run(self, spider: str, args: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(_RUNS).values(
                    spider=spider, started_at=utcnow(), args=args, **dict.fromkeys(RUN_COUNTERS, 0)
                )
            )
            key = result.inserted_primary_key
            assert key is not None  # an INSERT of one row always has one
            return int(key[0])

    def finish_run(self, run_id: int, finish_reason: str, counters: dict[str, int]) -> None:
        values = {k: int(counters.get(k, 0)) for k in RUN_COUNTERS}
        with self.engine.begin() as conn:
            conn.execute(
                update(_RUNS)
                .where(_RUNS.c.id == run_id)
                .values(finished_at=utcnow(), finish_reason=finish_reason, **values)
            )

    def run(self, run_id: int) -> RunInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_RUNS).where(_RUNS.c.id == run_id)).first()
        return RunInfo(**row._mapping) if row else None

    def runs(self, limit: int = 50, spider: str | None = None) -> list[RunInfo]:
        query = select(_RUNS).order_by(_RUNS.c.id.desc()).limit(limit)
        if spider:
            query = query.where(_RUNS.c.spider == spider)
        with self.engine.connect() as conn:
            return [RunInfo(**row._mapping) for row in conn.execute(query)]

    def lookups(self, codes: Sequence[str]) -> dict[str, dict[str, str]]:
        """code -> {spider: finish reason of its latest look-up by that code} (`not_found`, `finished`, ...):
        what the watch-list refresh (or a user's `--code`) last got for each code at each source."""
        code = _RUNS.c.args["code"].as_string()
        query = select(code.label("code"), _RUNS.c.spider, _RUNS.c.finish_reason).order_by(_RUNS.c.id)
        found: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(codes), 500):
                rows = conn.execute(query.where(code.in_(codes[start : start + 500])))
                for row in rows:  # oldest first: the latest look-up wins
                    if row.finish_reason is not None:
                        found.setdefault(row.code, {})[row.spider] = row.finish_reason
        return found

    # ------------------------------------------------------------------------------------------ quarantine
    def quarantine(self, spider: str, url: str, reason: str, body: str) -> None:
        digest = hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()
        with self.engine.begin() as conn:
            conn.execute(
                insert(_QUARANTINE).values(
                    spider=spider,
                    url=url,
                    reason=reason[:2000],
                    body_hash=digest,
                    body=body,
                    created_at=utcnow(),
                )
            )

    def quarantined(self, spider: str | None = None, limit: int = 100) -> list[QuarantineEntry]:
        query = select(_QUARANTINE).order_by(_QUARANTINE.c.id.desc()).limit(limit)
        if spider:
            query = query.where(_QUARANTINE.c.spider == spider)
        with self.engine.connect() as conn:
            return [QuarantineEntry(**row._mapping) for row in conn.execute(query)]

    # ------------------------------------------------------------------------------------------ seen
    def seen(self, spider: str) -> dict[str, str]:
        """source id -> hash of what the source showed last time, for incremental crawls."""
        with self.engine.connect() as conn:
            query = select(_SEEN.c.source_id, _SEEN.c.content_hash).where(_SEEN.c.spider == spider)
            return {r.source_id: r.content_hash for r in conn.execute(query)}

    def mark_seen(self, spider: str, entries: Sequence[SeenEntry]) -> None:
        """Remember what each listed source id showed, and the record it gave."""
        if not entries:
            return
        now = utcnow()
        latest = {e[0]: e for e in entries}
        ids = list(latest)
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(
                    delete(_SEEN).where(
                        _SEEN.c.spider == spider, _SEEN.c.source_id.in_(ids[start : start + 500])
                    )
                )
            rows = [
                {
                    "spider": spider,
                    "source_id": s,
                    "content_hash": h,
                    "document_id": d,
                    "data": data,
                    "last_seen": now,
                }
                for s, h, d, data in latest.values()
            ]
            conn.execute(insert(_SEEN), rows)

    def snapshots(self, document_ids: Sequence[str]) -> Snapshots:
        """document id -> {(spider, source id): record data as that source page last gave it}."""
        found: Snapshots = {}
        columns = (_SEEN.c.document_id, _SEEN.c.spider, _SEEN.c.source_id, _SEEN.c.data)
        with self.engine.connect() as conn:
            for start in range(0, len(document_ids), 500):
                rows = conn.execute(
                    select(*columns).where(_SEEN.c.document_id.in_(document_ids[start : start + 500]))
                )
                for row in rows:
                    if row.data is not None:
                        found.setdefault(row.document_id, {})[(row.spider, row.source_id)] = row.data
        return found

    def latest_value(self, spider: str, key: str) -> str | None:
        """The greatest value of `key` in this spider's snapshots (e.g. the newest distribution date seen)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_SEEN.c.data).where(_SEEN.c.spider == spider))
            values = [str(r.data[key]) for r in rows if r.data and r.data.get(key)]
        return max(values) if values else None
