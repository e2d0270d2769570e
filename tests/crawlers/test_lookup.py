"""A look-up by code (`stdwatch crawl SPIDER --code CODE`) through every spider that supports it, run for real
against the replay server: a hit keeps today's behaviour (exit 0, the record stored), a code the source does not
know says "not found: <code> at <source>", exits 3, records the run as `not_found` and creates no record."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from crawlers.extensions import NOT_FOUND, lookup_reason
from stdwatch.store import CrawlRepository, DocumentRepository
from tests.crawlers import no_results, sites, synthetic_tbt
from tests.crawlers.replay import ReplayServer


def _serve_cns(server: ReplayServer) -> None:
    server.add("/", synthetic_tbt.CNS_RESULT, params={"node": "result", "generalno": "15598-1"})
    server.add(
        "/", synthetic_tbt.CNS_DETAIL, params={"node": "detail", "generalno": "15598-1", "classno": "C4474"}
    )


@dataclass(frozen=True)
class Kind:
    spider: str
    serve_hit: Callable[[ReplayServer], None]
    hit: str
    hit_id: str
    serve_miss: Callable[[ReplayServer, str], None]
    miss: str
    miss_key: str  # what the spider sends the source for the missing code


Crawl = Callable[..., subprocess.CompletedProcess[str]]

KINDS = [
    Kind(
        "samr_openstd", sites.serve_openstd, "GB/T 1.1", "gb-t-1.1-2020", no_results.serve_openstd,
        "GB/T 99999", "GB/T 99999",
    ),
    Kind(
        "samr_std", sites.serve_samr_std, "JB/T 13368-2018", "jb-t-13368-2018", no_results.serve_samr_std,
        "JB/T 99999-2099", "JB/T 99999-2099",
    ),
    Kind(
        "sacinfo_hbba", sites.serve_hbba, "JB/T 13368-2018", "jb-t-13368-2018", no_results.serve_sacinfo,
        "JB/T 99999-2099", "JB/T 99999-2099",
    ),
    Kind(
        "ttbz_group", sites.serve_ttbz, "T/GZAEPI 001—2018", "t-gzaepi-001-2018", no_results.serve_ttbz,
        "T/NONE 999—2099", "T/NONE 999—2099",
    ),
    Kind(
        "cns", _serve_cns, "CNS 15598-1", "cns-15598-1", no_results.serve_cns, "CNS 99999", "99999",
    ),
    Kind(
        "wto_eping", synthetic_tbt.serve_eping, "G/TBT/N/SGP/80", "g-tbt-n-sgp-80", no_results.serve_eping,
        "G/TBT/N/USA/9999", "G/TBT/N/USA/9999",
    ),
    Kind(
        "tbt_sps_cn", synthetic_tbt.serve_tbt_sps_cn, "G/TBT/N/USA/2100", "g-tbt-n-usa-2100",
        no_results.serve_tbt_sps_cn, "G/TBT/N/USA/9999", "G/TBT/N/USA/9999",
    ),
]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS, ids=[k.spider for k in KINDS])
def test_a_miss_says_not_found_and_a_hit_stays_as_it_was(
    kind: Kind,
    replay: ReplayServer,
    crawl: Crawl,
    stores: tuple[DocumentRepository, CrawlRepository],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STDWATCH_EPING_KEY", "test-key-123")
    kind.serve_hit(replay)
    kind.serve_miss(replay, kind.miss_key)
    documents, crawls = stores

    miss = crawl(kind.spider, "--code", kind.miss)
    assert miss.returncode == 3, miss.stderr
    assert f"not found: {kind.miss} at {kind.spider} ({replay.base_url})" in miss.stderr
    assert documents.count() == 0
    [run] = crawls.runs(spider=kind.spider)
    assert (run.finish_reason, run.args["code"], run.new, run.errors) == (NOT_FOUND, kind.miss, 0, 0)

    hit = crawl(kind.spider, "--code", kind.hit)
    assert hit.returncode == 0, hit.stderr
    assert "not found" not in hit.stderr and f"{kind.spider}: finished;" in hit.stderr
    assert documents.get(kind.hit_id) is not None
    assert crawls.runs(spider=kind.spider)[0].finish_reason == "finished"


def test_a_blocked_or_broken_lookup_is_never_taken_for_not_found() -> None:
    quiet = dict.fromkeys(("blocked", "errors", "quarantined"), 0)
    assert lookup_reason("finished", "GB/T 1", 0, quiet) == NOT_FOUND
    assert lookup_reason("finished", "GB/T 1", 2, quiet) == "finished"
    assert lookup_reason("finished", None, 0, quiet) == "finished"  # listing, not a look-up
    assert lookup_reason("shutdown", "GB/T 1", 0, quiet) == "shutdown"
    for failure in quiet:
        assert lookup_reason("finished", "GB/T 1", 0, {**quiet, failure: 1}) == "finished"


def test_blocked_lookup_exits_1_not_3(replay: ReplayServer, crawl: Crawl) -> None:
    sites.serve_ttbz_blocked(replay)
    result = crawl("ttbz_group", "--code", "T/GZAEPI 001—2018")
    assert result.returncode == 1 and "not found" not in result.stderr, result.stderr
