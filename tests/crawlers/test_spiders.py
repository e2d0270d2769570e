"""Every spider, run for real (`stdwatch crawl` in its own process) against a real local server replaying the
recorded pages: records reach the store and the index, a second run finds them unchanged, a changed page
becomes a new version with history."""

# The changed titles keep the sites' full-width punctuation.

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields

import pytest

from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.query import SearchQuery
from stdwatch.store.crawl_repository import RunInfo
from tests.crawlers import sites
from tests.crawlers.replay import ReplayServer


def _change_openstd(server: ReplayServer) -> None:
    """SYNTHETIC: GB/T 1.1-2020 renamed, on the list page and on its detail page."""
    old, new = "标准化文件的结构和起草规则", "标准化文件的结构和起草规则（修订）"
    server.add(
        "/bzgk/std/std_list",
        sites.read(sites.OPENSTD_LIST_GBT11).replace(old, new),
        params={"p.p2": "GB/T 1.1"},
    )
    server.add(
        "/bzgk/std/newGbInfo",
        sites.read(sites.OPENSTD_DETAILS["C4BFD981E993C417EF475F2A19B681F1"]).replace(old, new),
        params={"hcno": "C4BFD981E993C417EF475F2A19B681F1"},
    )


def _change_samr_std(server: ReplayServer) -> None:
    """SYNTHETIC: JB/T 13368-2018 renamed in the search JSON and on its detail page."""
    old, new = "叉车属具 软包夹", "叉车属具 软包夹（修订）"
    query = sites.read(sites.STD_SAMR / "gbQueryPage_JBT13368-2018.json")
    detail = sites.read(sites.STD_SAMR / "hbDetailed_6bc3ad94a1728abce05397be0a0a5667.html")
    server.add(
        "/gb/search/gbQueryPage",
        query.replace(old, new),
        params={"searchText": "JB/T 13368-2018"},
        content_type="application/json",
    )
    server.add(
        "/hb/search/stdHBDetailed",
        detail.replace(old, new),
        params={"id": "6BC3AD94A1728ABCE05397BE0A0A5667"},
    )


def _change_hbba(server: ReplayServer) -> None:
    """SYNTHETIC: JB/T 13368-2018 renamed in stdQueryList and on stdDetail."""
    old, new = "叉车属具 软包夹", "叉车属具 软包夹（修订）"
    listing = sites.read(sites.HBBA / "hbba_stdQueryList_JBT13368-2018_2026-05-21.json")
    detail = sites.read(sites.HBBA / "hbba_stdDetail_733d6a7744529f70673a12c464998ffc_2026-05-21.html")
    server.add(
        "/stdQueryList",
        listing.replace(old, new),
        method="POST",
        params={"key": "JB/T 13368-2018"},
        content_type="application/json",
    )
    server.add("/stdDetail/733d6a7744529f70673a12c464998ffc", detail.replace(old, new))


def _change_ttbz(server: ReplayServer) -> None:
    """SYNTHETIC: T/GZAEPI 001—2018 renamed on the search and detail pages."""
    old, new = "环保型家用吸油烟机", "环保型家用吸油烟机（修订）"
    search = sites.read(sites.TTBZ / "Home_Standard_search_TGZAEPI001-2018_2022-07-19.html")
    detail = sites.read(sites.TTBZ / "StandardManage_Detail_22746_2022-07-19.html")
    server.add("/Home/Standard", search.replace(old, new), params={"searchType": "2"})
    server.add("/StandardManage/Detail/22746/", detail.replace(old, new))


@dataclass(frozen=True)
class Case:
    spider: str
    serve: Callable[[ReplayServer], None]
    code: str
    doc_id: str
    query: str
    change: Callable[[ReplayServer], None]
    new_title: str
    count: int


CASES = [
    Case(
        "samr_openstd",
        sites.serve_openstd,
        "GB/T 1.1",
        "gb-t-1.1-2020",
        "标准化文件",
        _change_openstd,
        "标准化工作导则 第1部分：标准化文件的结构和起草规则（修订）",
        3,
    ),
    Case(
        "samr_std",
        sites.serve_samr_std,
        "JB/T 13368-2018",
        "jb-t-13368-2018",
        "软包夹",
        _change_samr_std,
        "叉车属具 软包夹（修订）",
        1,
    ),
    Case(
        "sacinfo_hbba",
        sites.serve_hbba,
        "JB/T 13368-2018",
        "jb-t-13368-2018",
        "叉车属具",
        _change_hbba,
        "叉车属具 软包夹（修订）",
        1,
    ),
    Case(
        "sacinfo_dbba",
        sites.serve_hbba,
        "JB/T 13368-2018",
        "jb-t-13368-2018",
        "叉车属具",
        _change_hbba,
        "叉车属具 软包夹（修订）",
        1,
    ),
    Case(
        "ttbz_group",
        sites.serve_ttbz,
        "T/GZAEPI 001—2018",
        "t-gzaepi-001-2018",
        "吸油烟机",
        _change_ttbz,
        "环保型家用吸油烟机（修订）",
        1,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.spider for c in CASES])
def test_crawl_load_rerun_and_change(
    case: Case, replay: ReplayServer, crawl, stores, data_dir, analyzer
) -> None:
    case.serve(replay)
    first = crawl(case.spider, "--code", case.code)
    assert first.returncode == 0, first.stderr
    assert f"new {case.count}," in first.stderr and f"indexed {case.count}" in first.stderr
    documents, crawls = stores
    doc = documents.get(case.doc_id)
    assert doc is not None and doc.version == 1 and doc.data["source_url"].startswith(replay.base_url)
    index = SqliteFts5Backend(data_dir / "index.sqlite3", analyzer)
    assert case.doc_id in [h.id for h in index.search(SearchQuery(text=case.query)).hits]

    second = crawl(case.spider, "--code", case.code)
    assert second.returncode == 0, second.stderr
    assert f"new 0, updated 0, unchanged {case.count}," in second.stderr
    assert documents.get(case.doc_id).version == 1

    case.change(replay)
    third = crawl(case.spider, "--code", case.code)
    assert "new 0, updated 1," in third.stderr, third.stderr
    changed = documents.get(case.doc_id)
    assert changed.version == 2 and changed.data["title_zh"] == case.new_title
    assert [v.version for v in documents.history(case.doc_id)] == [1, 2]
    assert index.search(SearchQuery(text="修订")).hits[0].id == case.doc_id
    runs = crawls.runs(spider=case.spider)
    assert [r.finish_reason for r in runs] == ["finished"] * 3
    index.close()


def test_openstd_fields_reach_the_store(replay: ReplayServer, crawl, stores) -> None:
    sites.serve_openstd(replay)
    assert crawl("samr_openstd", "--code", "GB/T 1.1").returncode == 0
    record = stores[0].get("gb-t-1.1-2000").data
    assert (
        record["status"],
        record["published"],
        record["effective"],
        record["ics"],
        record["ccs"],
        record["responsible"],
    ) == ("withdrawn", "2000-12-20", "2001-06-01", ["01.120"], ["A00"], "国家标准委")
    assert record["title_en"].startswith("Directives for standardization--Part 1")


def test_samr_std_adds_what_openstd_lacks(replay: ReplayServer, crawl, stores) -> None:
    """std.samr's detail page and advanced search complete the record: replaced standard, TC, adoption."""
    sites.serve_samr_std(replay)
    assert crawl("samr_std", "--code", "GB/T 5606.1-2004").returncode == 0
    record = stores[0].get("gb-t-5606.1-2004").data
    assert record["replaces"] == ["GB/T 5606.1-1996"]
    assert record["responsible"] == "全国烟草标准化技术委员会"
    assert record["adopts"] == [{"code": "ISO 8243:2013", "degree": "MOD"}]
    assert record["drafting_bodies"] == ["国家烟草质量监督检验中心", "郑州烟草研究院"]
    assert record["title_en"] == "Cigarettes--Part 1:Sampling"


def test_sources_merge_into_one_record_in_a_fixed_order(replay: ReplayServer, crawl, stores) -> None:
    """hbba and std.samr describe JB/T 13368-2018; crawled in either order they give one unchanged record,
    std.samr's values winning (it comes later in config/sources.toml)."""
    sites.serve_hbba(replay)
    sites.serve_samr_std(replay)
    assert crawl("sacinfo_hbba", "--code", "JB/T 13368-2018").returncode == 0
    assert crawl("samr_std", "--code", "JB/T 13368-2018").returncode == 0
    after_both = stores[0].get("jb-t-13368-2018")
    assert crawl("sacinfo_hbba", "--code", "JB/T 13368-2018", "--full").returncode == 0
    assert stores[0].get("jb-t-13368-2018").version == after_both.version
    assert after_both.data["source_url"].endswith(
        "/hb/search/stdHBDetailed?id=6BC3AD94A1728ABCE05397BE0A0A5667"
    )


def test_openstd_follows_the_gb_to_std_redirect(replay: ReplayServer, crawl, stores) -> None:
    sites.serve_openstd(replay)
    result = crawl("samr_openstd", "--code", "GB/T 20223-2006", "--arg", "detail_path=/bzgk/gb/newGbInfo")
    assert result.returncode == 0, result.stderr
    assert replay.requested("/bzgk/gb/newGbInfo") and replay.requested("/bzgk/std/newGbInfo")
    assert stores[0].get("gb-t-20223-2006").data["title_en"] == "Cotton linter"


def test_incremental_listing_stops_at_known_records(replay: ReplayServer, crawl, stores) -> None:
    sites.serve_openstd(replay)
    sites.synthetic_openstd_listing(replay)
    assert "new 4," in crawl("samr_openstd").stderr
    assert len([h for h in replay.requested("/bzgk/std/std_list") if h.params.get("page") == "2"]) == 1
    second = crawl("samr_openstd")
    assert "new 0, updated 0, unchanged 3," in second.stderr
    assert len([h for h in replay.requested("/bzgk/std/std_list") if h.params.get("page") == "2"]) == 1
    assert len(replay.requested("/bzgk/std/newGbInfo")) == 4
    full = crawl("samr_openstd", "--full")
    assert "unchanged 4," in full.stderr and len(replay.requested("/bzgk/std/newGbInfo")) == 8


def test_interrupted_crawl_resumes_where_it_stopped(replay: ReplayServer, crawl, stores, data_dir) -> None:
    sites.serve_openstd(replay)
    sites.synthetic_openstd_listing(replay)
    interrupted = crawl("samr_openstd", "--set", "CLOSESPIDER_ITEMCOUNT=1", "--set", "CONCURRENT_REQUESTS=1")
    assert "closespider_itemcount" in interrupted.stderr
    assert list((data_dir / "crawl-jobs").iterdir()), "the job folder is kept for resuming"
    resumed = crawl("samr_openstd", "--set", "CONCURRENT_REQUESTS=1")
    assert "finished" in resumed.stderr, resumed.stderr
    assert not list((data_dir / "crawl-jobs").iterdir()), "a finished job is cleared"
    assert len([h for h in replay.requested("/bzgk/std/std_list") if h.params.get("page") == "1"]) == 1
    assert {
        d.id
        for d in stores[0].get_many(["gb-t-1.1-2000", "gb-t-1.1-2009", "gb-t-1.1-2020", "gb-t-20223-2006"])
    } == {"gb-t-1.1-2000", "gb-t-1.1-2009", "gb-t-1.1-2020", "gb-t-20223-2006"}


def test_a_broken_page_is_quarantined_and_the_crawl_goes_on(
    replay: ReplayServer, crawl, stdwatch, stores
) -> None:
    broken = "<html><body><h2>系统升级中</h2></body></html>"  # SYNTHETIC: a page without the expected layout
    sites.serve_openstd(replay, details={"570A95F33D8D3C7934933A900A78F133": broken})
    result = crawl("samr_openstd", "--code", "GB/T 1.1")
    assert "new 2," in result.stderr and "quarantined 1," in result.stderr
    (entry,) = stores[1].quarantined("samr_openstd")
    assert entry.url.endswith("hcno=570A95F33D8D3C7934933A900A78F133")
    assert "heading" in entry.reason and entry.body == broken
    listed = stdwatch("quarantine")
    assert "hcno=570A95F33D8D3C7934933A900A78F133" in listed.stdout and "heading" in listed.stdout
    assert stores[0].get("gb-t-1.1-2009") is None
    again = crawl("samr_openstd", "--code", "GB/T 1.1")  # not marked seen: fetched again next time
    assert len(replay.requested("/bzgk/std/newGbInfo")) == 4 and "quarantined 1," in again.stderr


def test_server_errors_are_retried_then_reported(replay: ReplayServer, crawl, stores) -> None:
    sites.serve_openstd(replay, details={"570A95F33D8D3C7934933A900A78F133": "oops"})
    replay.add(
        "/bzgk/std/newGbInfo",
        "Internal error",
        params={"hcno": "570A95F33D8D3C7934933A900A78F133"},
        status=500,
    )
    result = crawl("samr_openstd", "--code", "GB/T 1.1")
    assert result.returncode == 1 and "new 2," in result.stderr and "errors 1" in result.stderr
    assert (
        len(
            [
                h
                for h in replay.requested("/bzgk/std/newGbInfo")
                if h.params["hcno"] == "570A95F33D8D3C7934933A900A78F133"
            ]
        )
        == 4
    )  # 1 try + 3 retries


def test_a_waf_block_is_reported_not_read_as_no_results(replay: ReplayServer, crawl, stores) -> None:
    sites.serve_ttbz_blocked(replay)
    result = crawl("ttbz_group", "--code", "T/GZAEPI 001—2018")
    assert result.returncode == 1
    assert "blocked 1," in result.stderr and "was blocked by the source" in result.stderr
    (run,) = stores[1].runs(spider="ttbz_group")
    assert (run.blocked, run.new, run.quarantined) == (1, 0, 0)


def test_crawl_runs_are_listed_by_cli_and_api(replay: ReplayServer, crawl, stdwatch, data_dir) -> None:
    sites.serve_ttbz(replay)
    crawl("ttbz_group", "--code", "T/GZAEPI 001—2018")
    assert "ttbz_group" in stdwatch("crawls").stdout
    from fastapi.testclient import TestClient

    from api.deps import Services
    from api.main import create_app
    from config.settings import Settings

    services = Services.from_settings(Settings(data_dir=data_dir))
    with TestClient(create_app(services.settings, services)) as client:
        runs = client.get("/api/crawls").json()
    services.close()
    assert (runs[0]["spider"], runs[0]["new"], runs[0]["finish_reason"]) == ("ttbz_group", 1, "finished")
    assert set(runs[0]) == {f.name for f in fields(RunInfo)}
    assert json.dumps(runs[0]["args"]).count("T/GZAEPI") == 1


def test_unknown_spider_is_a_clear_error(stdwatch) -> None:
    result = stdwatch("crawl", "nope")
    assert result.returncode == 2 and "unknown spider 'nope'" in result.stderr


def test_a_captcha_page_counts_as_blocked_not_as_a_broken_page(replay: ReplayServer, crawl, stores) -> None:
    captcha = (
        '<html><body><form action="/verifyCode"><p>请输入验证码</p><img src="/gc"/>'
        '<input name="code"/></form></body></html>'
    )  # SYNTHETIC: a challenge, not the detail page
    sites.serve_openstd(replay, details={"570A95F33D8D3C7934933A900A78F133": captcha})
    result = crawl("samr_openstd", "--code", "GB/T 1.1")
    assert "new 2," in result.stderr and "quarantined 0," in result.stderr and "blocked 1," in result.stderr
    assert result.returncode == 1 and stores[1].quarantined("samr_openstd") == []
