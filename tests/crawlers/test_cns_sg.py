"""Taiwan-region CNS and Singapore Standards spiders: label-driven extraction on SYNTHETIC pages (no recording of
either site exists), traditional text kept as published, and a changed layout failing into quarantine."""

from __future__ import annotations

from crawlers.parsing import labels
from tests.crawlers.replay import ReplayServer
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.query import SearchQuery
from tests.crawlers import synthetic_tbt


def test_label_driven_extraction_finds_fields_wherever_they_sit() -> None:
    fields = labels.extract(synthetic_tbt.CNS_DETAIL, "cns")
    assert fields["general_no"] == "15598-1" and fields["class_no"] == "C4474"
    assert fields["title_zh_hant"].startswith("電動自行車用鋰離子電池組")
    moved = synthetic_tbt.CNS_DETAIL.replace("<tr><th>總號</th><td>15598-1</td></tr>", "") + \
        "<dl><dt>總號：</dt><dd>15598-1</dd></dl>"  # SYNTHETIC: same labels, another layout
    assert labels.extract(moved, "cns")["general_no"] == "15598-1"
    assert labels.adoptions("IEC 62133-2:2017 (MOD)") == [{"code": "IEC 62133-2:2017", "degree": "MOD"}]


def test_cns_lookup_keeps_traditional_text_and_indexes_it(replay: ReplayServer, crawl, stores, data_dir,
                                                          analyzer) -> None:
    replay.add("/", synthetic_tbt.CNS_RESULT, params={"node": "result", "generalno": "15598-1"})
    replay.add("/", synthetic_tbt.CNS_DETAIL, params={"node": "detail", "generalno": "15598-1", "classno": "C4474"})
    result = crawl("cns", "--code", "CNS 15598-1")
    assert result.returncode == 0 and "new 1," in result.stderr, result.stderr
    record = stores[0].get("cns-15598-1").data
    assert record["title_zh_hant"] == "電動自行車用鋰離子電池組－第1部：安全要求"  # as published
    assert (record["code"], record["class_no"], record["status"], record["published"]) == (
        "CNS 15598-1", "C4474", "current", "2020-05-13")
    assert record["adopts"] == [{"code": "IEC 62133-2:2017", "degree": "MOD"}]
    assert record["region"] == "tw"
    index = SqliteFts5Backend(data_dir / "index.sqlite3", analyzer)
    hit = index.search(SearchQuery(text="电动自行车 锂电池")).hits[0]  # simplified query, traditional record
    assert hit.id == "cns-15598-1" and "<mark>電動自行車</mark>" in hit.highlight["title"]
    index.close()


def test_cns_unknown_layout_goes_to_quarantine(replay: ReplayServer, crawl, stores) -> None:
    redesigned = "<html><body><div class='card'><h1>CNS 15598-1</h1><p>No labelled fields here</p></div></body></html>"
    replay.add("/", redesigned, params={"node": "detail", "generalno": "15598-1", "classno": "C4474"})
    result = crawl("cns", "--code", "CNS 15598-1 C4474")
    assert "quarantined 1," in result.stderr and "new 0," in result.stderr
    (entry,) = stores[1].quarantined("cns")
    assert "unknown layout" in entry.reason and "label_maps.toml" in entry.reason


def test_singapore_product_pages(replay: ReplayServer, crawl, stores) -> None:
    replay.add(f"/Product/SSPdtDetail/{synthetic_tbt.SG_GUID}", synthetic_tbt.SG_PRODUCT)
    result = crawl("sg_standards", "--arg", f"product_ids={synthetic_tbt.SG_GUID}")
    assert result.returncode == 0 and "new 1," in result.stderr, result.stderr
    record = stores[0].get("ss-554:2016").data
    assert (record["family"], record["region"], record["status"], record["published"]) == ("SS", "sg", "current",
                                                                                           "2016-08-15")
    assert record["ics"] == ["13.040.20", "91.140.30"]
    assert record["responsible"] == "Building and Construction Standards Committee"


def test_singapore_code_lookup_is_refused_clearly(replay: ReplayServer, crawl) -> None:
    result = crawl("sg_standards", "--code", "SS 554:2016")
    assert result.returncode != 0 and "code_lookup_unsupported" in result.stderr
