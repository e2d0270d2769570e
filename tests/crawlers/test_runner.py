"""The runner hands each crawl the Settings object it is given, through Scrapy's settings: two crawls with
two Settings in one process write only to their own data folders, whatever the environment names;
`scrapy crawl` run by hand takes them from the environment instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings
from crawlers.runner import CrawlRequest, run_crawl
from stdwatch.store import CrawlRepository, DocumentRepository, create_engine_for
from tests.conftest import ROOT
from tests.crawlers import sites
from tests.crawlers.replay import ReplayServer

TTBZ_CODE, TTBZ_DOC = "T/GZAEPI 001—2018", "t-gzaepi-001-2018"
HBBA_CODE, HBBA_DOC = "JB/T 13368-2018", "jb-t-13368-2018"


def _store(settings: Settings) -> tuple[DocumentRepository, CrawlRepository]:
    engine = create_engine_for(settings.resolved_database_url)
    return DocumentRepository(engine), CrawlRepository(engine)


def _agents(replay: ReplayServer, paths: tuple[str, ...]) -> set[str]:
    return {hit.headers["User-Agent"] for hit in replay.hits if hit.path.startswith(paths)}


def test_two_crawls_with_two_settings_write_only_to_their_own_store(
    replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = tmp_path / "from-env"  # where anything reading the environment instead would write
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(from_env))
    monkeypatch.setenv("STDWATCH_CRAWL_CONTACT", "mailto:env@example.org")
    sites.serve_ttbz(replay)
    sites.serve_hbba(replay)
    first = Settings(data_dir=tmp_path / "a", crawl_contact="mailto:a@example.org", crawl_http_cache=True)
    second = Settings(data_dir=tmp_path / "b", crawl_contact="mailto:b@example.org")

    code_a, run_a = run_crawl(CrawlRequest("ttbz_group", replay.base_url, TTBZ_CODE, delay=0), first)
    code_b, run_b = run_crawl(CrawlRequest("sacinfo_hbba", replay.base_url, HBBA_CODE, delay=0), second)

    assert (code_a, code_b) == (0, 0)
    assert run_a is not None and (run_a.id, run_a.spider, run_a.new) == (1, "ttbz_group", 1)
    assert run_b is not None and (run_b.id, run_b.spider, run_b.new) == (1, "sacinfo_hbba", 1)
    (docs_a, crawls_a), (docs_b, crawls_b) = _store(first), _store(second)
    assert docs_a.get(TTBZ_DOC) is not None and docs_a.get(HBBA_DOC) is None
    assert docs_b.get(HBBA_DOC) is not None and docs_b.get(TTBZ_DOC) is None
    assert [r.spider for r in crawls_a.runs()] == ["ttbz_group"] and [r.spider for r in crawls_b.runs()] == [
        "sacinfo_hbba"
    ]
    assert set(crawls_a.seen("ttbz_group")) == {"22746"} and crawls_b.seen("ttbz_group") == {}
    assert (tmp_path / "a" / "httpcache").is_dir() and not (tmp_path / "b" / "httpcache").exists()
    assert not from_env.exists()
    ua_a = _agents(replay, ("/Home", "/StandardManage"))
    ua_b = _agents(replay, ("/stdQueryList", "/stdDetail"))
    assert len(ua_a) == 1 and "mailto:a@example.org" in ua_a.pop()
    assert len(ua_b) == 1 and "mailto:b@example.org" in ua_b.pop()


def test_scrapy_crawl_by_hand_takes_the_settings_from_the_environment(
    replay: ReplayServer, tmp_path: Path
) -> None:
    sites.serve_ttbz(replay)
    env = {
        **os.environ,
        "STDWATCH_DATA_DIR": str(tmp_path / "env"),
        "STDWATCH_CRAWL_CONTACT": "mailto:me@example.org",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "ttbz_group",
            "-a",
            f"base_url={replay.base_url}",
            "-a",
            f"code={TTBZ_CODE}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    documents, crawls = _store(Settings(data_dir=tmp_path / "env"))
    assert documents.get(TTBZ_DOC) is not None
    assert [(r.spider, r.finish_reason, r.new) for r in crawls.runs()] == [("ttbz_group", "finished", 1)]
    assert "mailto:me@example.org" in _agents(replay, ("/Home",)).pop()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (CrawlRequest("ttbz_group", settings=("DELAY",)), "--set takes NAME=VALUE, got 'DELAY'"),
        (CrawlRequest("ttbz_group", spider_args=("=x",)), "--arg takes NAME=VALUE, got '=x'"),
        (CrawlRequest("nope"), "unknown spider 'nope'; known: "),
    ],
)
def test_a_bad_request_is_refused_before_anything_runs(
    request_: CrawlRequest, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=message):
        run_crawl(request_, Settings(data_dir=tmp_path / "data"))
    assert not (tmp_path / "data").exists()
