"""Runs a spider in a fresh process (Twisted's reactor cannot restart), so the CLI and the scheduler can crawl
again and again. An interrupted crawl keeps its Scrapy job folder and resumes from it next time."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from crawlers.store import repositories
from stdwatch.store.crawl_repository import RunInfo

SPIDERS = ("samr_openstd", "samr_std", "sacinfo_hbba", "sacinfo_dbba", "ttbz_group", "wto_eping", "tbt_sps_cn", "cns",
           "sg_standards")


@dataclass(frozen=True)
class CrawlRequest:
    spider: str
    base_url: str | None = None
    code: str | None = None
    full: bool = False
    max_pages: int | None = None
    delay: float | None = None
    settings: tuple[str, ...] = ()
    spider_args: tuple[str, ...] = ()

    def job_dir(self, settings: Settings) -> Path:
        """One resumable job per spider and argument set."""
        key = hashlib.sha1(f"{self.base_url}|{self.code}|{self.full}|{self.spider_args}".encode()).hexdigest()[:10]
        return settings.data_path / "crawl-jobs" / f"{self.spider}-{key}"


def command(request: CrawlRequest, job_dir: Path) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", request.spider, "-s", f"JOBDIR={job_dir}"]
    for name, value in (("base_url", request.base_url), ("code", request.code),
                        ("max_pages", request.max_pages), ("full", "1" if request.full else None)):
        if value is not None:
            args += ["-a", f"{name}={value}"]
    if request.delay is not None:
        args += ["-s", f"DOWNLOAD_DELAY={request.delay}", "-s", "AUTOTHROTTLE_ENABLED=0" if request.delay == 0
                 else "AUTOTHROTTLE_ENABLED=1"]
    for setting in request.settings:
        args += ["-s", setting]
    for spider_arg in request.spider_args:
        args += ["-a", spider_arg]
    return args


def run_crawl(request: CrawlRequest, settings: Settings) -> tuple[int, RunInfo | None]:
    """Run one spider to its end; returns the process exit code and the run it recorded."""
    if request.spider not in SPIDERS:
        raise ValueError(f"unknown spider {request.spider!r}; known: {', '.join(SPIDERS)}")
    job_dir = request.job_dir(settings)
    job_dir.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawlers.settings"}
    completed = subprocess.run(command(request, job_dir), env=env, check=False)
    runs = repositories()[1].runs(limit=1, spider=request.spider)
    run = runs[0] if runs else None
    if run is not None and run.finish_reason == "finished":
        shutil.rmtree(job_dir, ignore_errors=True)  # done: the next run starts afresh, not from this job
    return completed.returncode, run
