"""The weekly watch-list refresh, run as the scheduler runs it (a bound job context with a fixed clock) against
the replay server: a watched code is looked up at its family's sources through the real crawl processes, a new
edition reaches the outbox as a watch-list alert, and a code no source knows is reported not found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alerts.services import Services
from crawlers.sources import spider_names
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.status import JobRunLog
from scheduler.watchlist import lookup_form, spiders_for
from stdwatch.accounts import Role
from stdwatch.records import record_from_json
from stdwatch.store import CrawlRepository
from stdwatch.store.accounts import AccountRepository, SubscriptionRepository, SubscriptionSpec
from stdwatch.store.outbox import OutboxRepository
from tests.crawlers import no_results, sites
from tests.crawlers.replay import ReplayServer
from tests.scheduler.conftest import FixedClock


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def test_lookup_forms_and_sources() -> None:
    assert lookup_form("gb/t1.1—2009") == ("GB/T 1.1", "GB/T")
    assert lookup_form("G/TBT/N/USA/2100/Add.1") == ("G/TBT/N/USA/2100", "tbt")
    assert spiders_for("GB/T") == ["samr_std", "samr_openstd"]
    assert spiders_for("industry") == ["sacinfo_hbba", "samr_std"]
    assert spiders_for("tbt") == ["tbt_sps_cn", "wto_eping"]
    assert spiders_for("ISO") == []
    assert set(spiders_for("GB")) | set(spiders_for("group")) | set(spiders_for("CNS")) < set(spider_names())


def _watch(services: Services, codes: tuple[str, ...]) -> int:
    accounts = AccountRepository(services.repo.engine)
    org = accounts.ensure_organization("厦门某电子有限公司")
    user = accounts.create_user(org.id, "w@example.com", "W", Role.SUBSCRIBER)
    spec = SubscriptionSpec("watched", "watchlist", "weekly", "zh", codes=codes, emails=("w@example.com",))
    return SubscriptionRepository(services.repo.engine).create(org.id, user.id, spec).id


def test_refresh_finds_a_new_edition_and_reports_an_unknown_code(
    services: Services, clock: FixedClock, replay: ReplayServer
) -> None:
    services.flow.ingest(
        [record_from_json({"kind": "standard", "code": "GB/T 1.1-2009", "title_zh": "标准化工作导则"})]
    )
    sub = _watch(services, ("GB/T 1.1-2009", "GB/T 99999-2030", "ISO 9001:2015"))
    sites.serve_openstd(replay)  # GB/T 1.1: the 2000, 2009 and 2020 editions
    no_results.serve_openstd(replay, "GB/T 99999")
    for code in ("GB/T 1.1", "GB/T 99999"):  # std.samr knows neither (SYNTHETIC empty answers)
        no_results.serve_samr_std(replay, code)
    urls = dict.fromkeys(spider_names(), replay.base_url)
    jobs.bind(JobContext(services, clock, crawl_base_urls=urls, crawl_delay=0))

    jobs.watchlist_refresh()

    [run] = JobRunLog(services.repo.engine).history("watchlists.refresh")
    assert run.outcome == "ok" and run.started_at == clock.now, run.message
    assert run.message == (
        "looked up 3 watched codes: 1 found; "
        "not found: GB/T 99999 at samr_std, samr_openstd; no source looks up: ISO 9001"
    )
    assert replay.requested("/bzgk/std/std_list")[0].params["p.p2"] == "GB/T 1.1"  # without the edition
    assert services.repo.get("gb-t-99999-2030") is None and services.repo.count() == 3
    assert CrawlRepository(services.repo.engine).lookups(["GB/T 99999", "GB/T 1.1", "ISO 9001"]) == {
        "GB/T 99999": {"samr_std": "not_found", "samr_openstd": "not_found"},
        "GB/T 1.1": {"samr_std": "not_found", "samr_openstd": "finished"},
    }

    watch = {
        (a.document_id, a.reason)
        for a in OutboxRepository(services.repo.engine).alerts_of(sub)
        if a.reason == "new_edition"
    }
    assert watch == {("gb-t-1.1-2020", "new_edition"), ("gb-t-1.1-2000", "new_edition")}


def test_a_failed_lookup_makes_the_run_an_error(
    services: Services, clock: FixedClock, replay: ReplayServer
) -> None:
    _watch(services, ("T/GZAEPI 001—2018",))
    sites.serve_ttbz_blocked(replay)
    jobs.bind(JobContext(services, clock, crawl_base_urls={"ttbz_group": replay.base_url}, crawl_delay=0))
    jobs.watchlist_refresh()
    [run] = JobRunLog(services.repo.engine).history("watchlists.refresh")
    assert run.outcome == "error"
    assert (
        run.message
        == "RuntimeError: looked up 1 watched codes: 0 found; failed: T/GZAEPI 001 (ttbz_group: blocked)"
    )
