"""Runs a spider in a fresh process (Twisted's reactor cannot restart), so the CLI and the scheduler can crawl
again and again. The process gets everything from the Settings object it is given, never from this process's
environment. An interrupted crawl keeps its Scrapy job folder and resumes from it next time."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import Settings
from crawlers.config import scrapy_settings
from crawlers.extensions import NOT_FOUND
from crawlers.sources import source, spider_names
from stdwatch.store import CrawlRepository, create_engine_for
from stdwatch.store.crawl_repository import RunInfo

SPIDERS = spider_names()


@dataclass(frozen=True)
class CrawlRequest:
    spider: str
    base_url: str | None = None
    code: str | None = None
    full: bool = False
    max_pages: int | None = None
    delay: float | None = None
    settings: tuple[str, ...] = ()  # extra Scrapy settings, NAME=VALUE
    spider_args: tuple[str, ...] = ()  # extra spider arguments, NAME=VALUE

    def job_dir(self, settings: Settings) -> Path:
        """One resumable job per spider and argument set."""
        key = hashlib.sha1(f"{self.base_url}|{self.code}|{self.full}|{self.spider_args}".encode())
        return settings.data_path / "crawl-jobs" / f"{self.spider}-{key.hexdigest()[:10]}"


def _pairs(items: Iterable[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} takes NAME=VALUE, got {item!r}")
        pairs[name.strip()] = value
    return pairs


def crawl_job(request: CrawlRequest, settings: Settings, job_dir: Path) -> dict[str, Any]:
    """What the crawl process runs (crawlers/process.py): spider, arguments, Scrapy settings."""
    given = {
        "base_url": request.base_url,
        "code": request.code,
        "max_pages": request.max_pages,
        "full": request.full or None,
    }
    args = {name: str(value) for name, value in given.items() if value is not None}
    overrides: dict[str, Any] = {**scrapy_settings(settings), "JOBDIR": str(job_dir)}
    if request.delay is not None:
        overrides |= {"DOWNLOAD_DELAY": request.delay, "AUTOTHROTTLE_ENABLED": request.delay != 0}
    return {
        "spider": request.spider,
        "args": args | _pairs(request.spider_args, "--arg"),
        "settings": overrides | _pairs(request.settings, "--set"),
    }


def _recorded_run(settings: Settings, run_id: int | None) -> RunInfo | None:
    if run_id is None:
        return None
    engine = create_engine_for(settings.resolved_database_url)
    try:
        return CrawlRepository(engine).run(run_id)
    finally:
        engine.dispose()


def _run_id(stdout: str) -> int | None:
    """The run the crawl process says it recorded; None when it ended before saying so."""
    lines = stdout.strip().splitlines()
    try:
        run_id = json.loads(lines[-1])["run_id"] if lines else None
    except (ValueError, KeyError, TypeError):
        return None
    return int(run_id) if run_id is not None else None


def run_crawl(request: CrawlRequest, settings: Settings) -> tuple[int, RunInfo | None]:
    """Run one spider to its end with these settings; returns the process exit code and the run it recorded in
    the store of record these settings name. ValueError for an unknown spider or a malformed NAME=VALUE."""
    source(request.spider)
    job_dir = request.job_dir(settings)
    job = crawl_job(request, settings, job_dir)
    job_dir.parent.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [sys.executable, "-m", "crawlers.process"],
        input=json.dumps(job),
        text=True,
        stdout=subprocess.PIPE,
        check=False,
    )
    run = _recorded_run(settings, _run_id(completed.stdout))
    if run is not None and run.finish_reason in ("finished", NOT_FOUND):
        shutil.rmtree(job_dir, ignore_errors=True)  # done: the next run starts afresh, not from this job
    return completed.returncode, run
