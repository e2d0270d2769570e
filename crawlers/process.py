"""The crawl process: `python -m crawlers.process` reads one job as JSON on stdin, runs it, and prints the
id of the run it recorded as JSON on stdout. The runner starts one per crawl (Twisted's reactor cannot
restart); settings, secrets among them, travel on stdin, never on the command line."""

from __future__ import annotations

import json
import sys
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawlers.extensions import RUN_ID_STAT


def project_settings(overrides: dict[str, Any]) -> ScrapySettings:
    settings = ScrapySettings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def recorded_run(crawler: Crawler) -> int | None:
    try:
        run_id = crawler.stats.get_value(RUN_ID_STAT)
    except RuntimeError:  # the crawl failed before it had stats, so before it recorded a run
        return None
    return int(run_id) if run_id is not None else None


def run(job: dict[str, Any]) -> tuple[int, int | None]:
    """Crawl with the job's spider, arguments and Scrapy settings; (exit status, run id)."""
    process = CrawlerProcess(project_settings(job["settings"]))
    crawler = process.create_crawler(job["spider"])
    process.crawl(crawler, **job["args"])
    process.start()
    return (1 if process.bootstrap_failed else 0), recorded_run(crawler)


def main() -> None:
    status, run_id = run(json.load(sys.stdin))
    print(json.dumps({"run_id": run_id}))
    sys.exit(status)


if __name__ == "__main__":
    main()
