"""Taiwan-region CNS and Singapore Standards spiders: label-driven extraction (CNS pages are SYNTHETIC: no
recording exists), the real Singapore eShop page text and a SYNTHETIC page built around it, traditional text
kept as published, and a changed layout failing into quarantine."""

from __future__ import annotations

import pytest

from crawlers.parsing import labels, sg_eshop
from search.backends.sqlite_fts5 import SqliteFts5Backend
from search.query import SearchQuery
from tests.crawlers import synthetic_tbt
from tests.crawlers.replay import ReplayServer
from tests.crawlers.sites import SAMPLES

SYNTHETIC = SAMPLES.parent / "synthetic"


def test_label_driven_extraction_finds_fields_wherever_they_sit() -> None:
    fields = labels.extract(synthetic_tbt.CNS_DETAIL, "cns")
    assert fields["general_no"] == "15598-1" and fields["class_no"] == "C4474"
    assert fields["title_zh_hant"].startswith("電動自行車用鋰離子電池組")
    moved = (
        synthetic_tbt.CNS_DETAIL.replace("<tr><th>總號</th><td>15598-1</td></tr>", "")
        + "<dl><dt>總號：</dt><dd>15598-1</dd></dl>"
    )  # SYNTHETIC: same labels, another layout
    assert labels.extract(moved, "cns")["general_no"] == "15598-1"
    assert labels.adoptions("IEC 62133-2:2017 (MOD)") == [{"code": "IEC 62133-2:2017", "degree": "MOD"}]


def test_cns_lookup_keeps_traditional_text_and_indexes_it(
    replay: ReplayServer, crawl, stores, data_dir, analyzer
) -> None:
    replay.add("/", synthetic_tbt.CNS_RESULT, params={"node": "result", "generalno": "15598-1"})
    replay.add(
        "/", synthetic_tbt.CNS_DETAIL, params={"node": "detail", "generalno": "15598-1", "classno": "C4474"}
    )
    result = crawl("cns", "--code", "CNS 15598-1")
    assert result.returncode == 0 and "new 1," in result.stderr, result.stderr
    record = stores[0].get("cns-15598-1").data
    assert record["title_zh_hant"] == "電動自行車用鋰離子電池組－第1部：安全要求"  # as published
    assert (record["code"], record["class_no"], record["status"], record["published"]) == (
        "CNS 15598-1",
        "C4474",
        "current",
        "2020-05-13",
    )
    assert record["adopts"] == [{"code": "IEC 62133-2:2017", "degree": "MOD"}]
    assert record["region"] == "tw"
    index = SqliteFts5Backend(data_dir / "index.sqlite3", analyzer)
    hit = index.search(SearchQuery(text="电动自行车 锂电池")).hits[0]  # simplified query, traditional record
    assert hit.id == "cns-15598-1" and "<mark>電動自行車</mark>" in hit.highlight["title"]
    index.close()


def test_cns_unknown_layout_goes_to_quarantine(replay: ReplayServer, crawl, stores) -> None:
    redesigned = (
        "<html><body><div class='card'><h1>CNS 15598-1</h1><p>No labelled fields here</p></div></body></html>"
    )
    replay.add("/", redesigned, params={"node": "detail", "generalno": "15598-1", "classno": "C4474"})
    result = crawl("cns", "--code", "CNS 15598-1 C4474")
    assert "quarantined 1," in result.stderr and "new 0," in result.stderr
    (entry,) = stores[1].quarantined("cns")
    assert "unknown layout" in entry.reason and "label_maps.toml" in entry.reason


SG_REAL_TEXT = SAMPLES / "sg_standards" / "SSPdtDetail_fd1f48ab-6e55-49f4-a725-5addcb22654e_page_text.txt"
SG_PAGE = SYNTHETIC / "sg_standards" / "synthetic_SSPdtDetail_SS638-2018.html"
SG_GUID = "fd1f48ab-6e55-49f4-a725-5addcb22654e"
SS_638 = {
    "code": "SS 638:2018",
    "code_published": "SS 638:2018",
    "title_en": "Code of practice for electrical installations",
    "status": "Current",
    "edition": "2018",
    "pages": 452,
    "ics": ["29.020", "91.140.50"],
    "responsible": "Electrical and Electronic Standards Committee",
    "availability": "For sale in Singapore only",
    "adopts": [{"code": "BS 7671:2008+A1+A2+A3", "degree": "MOD"}],
}


def test_the_real_eshop_page_text_is_read() -> None:
    """The real page (text only): code and title are unlabelled headings, the scope, then the labels."""
    record = sg_eshop.parse_product(SG_REAL_TEXT.read_text(encoding="utf-8"), "u")
    assert {k: record.get(k) for k in SS_638} == SS_638
    scope = record["scope"]
    assert scope.startswith("Applies to the design, erection and verification of electrical installations")
    assert scope.endswith("lightning protection systems for buildings.") and scope.count("\n") == 8
    assert "published" not in record  # the page gives an edition year, not a publication date


def test_the_synthetic_html_page_follows_the_real_text() -> None:
    """SYNTHETIC markup around the real text, with a site menu and footer: the same record comes out."""
    from_html = sg_eshop.parse_product(SG_PAGE.read_text(encoding="utf-8"), "u")
    assert from_html == sg_eshop.parse_product(SG_REAL_TEXT.read_text(encoding="utf-8"), "u")


def test_singapore_product_page_is_crawled_into_the_store(replay: ReplayServer, crawl, stores) -> None:
    replay.add(f"/Product/SSPdtDetail/{SG_GUID}", SG_PAGE.read_text(encoding="utf-8"))
    result = crawl("sg_standards", "--arg", f"product_ids={SG_GUID}")
    assert result.returncode == 0 and "new 1," in result.stderr, result.stderr
    record = stores[0].get("ss-638:2018").data
    assert (record["family"], record["region"], record["status"]) == ("SS", "sg", "current")
    assert record["title_en"] == "Code of practice for electrical installations"
    assert record["ics"] == ["29.020", "91.140.50"]
    assert record["responsible"] == "Electrical and Electronic Standards Committee"
    assert record["adopts"] == [{"code": "BS 7671:2008+A1+A2+A3", "degree": "MOD"}]


def test_singapore_page_without_code_or_labels_is_quarantined(replay: ReplayServer, crawl, stores) -> None:
    redesigned = (
        "<html><body><div class='card'><h1>Electrical installations</h1><p>Buy</p></div></body></html>"
    )
    replay.add(f"/Product/SSPdtDetail/{SG_GUID}", redesigned)
    result = crawl("sg_standards", "--arg", f"product_ids={SG_GUID}")
    assert "quarantined 1," in result.stderr and "new 0," in result.stderr
    (entry,) = stores[1].quarantined("sg_standards")
    assert "unknown layout" in entry.reason


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("SS 638:2018", {"code": "SS 638:2018", "code_published": "SS 638:2018"}),
        (
            "SS ISO/IEC 42001:2024",
            {"code": "SS ISO/IEC 42001:2024", "code_published": "SS ISO/IEC 42001:2024"},
        ),
        ("TR 85:2021", {"code": "TR 85:2021", "code_published": "TR 85:2021"}),
        ("SS 638:2018+A1:2022", {"code": "SS 638:2018+A1:2022", "code_published": "SS 638:2018+A1:2022"}),
        # corrigenda and amendments belong to the code; a reaffirmation year does not (same edition)
        (
            "SS 638 : 2018 + C1 : 2020 + A1 : 2022",
            {
                "code": "SS 638:2018+C1:2020+A1:2022",
                "code_published": "SS 638 : 2018 + C1 : 2020 + A1 : 2022",
            },
        ),
        (
            "SS 554:2016 (2021)",
            {"code": "SS 554:2016", "code_published": "SS 554:2016 (2021)", "reaffirmed": "2021"},
        ),
    ],
)
def test_singapore_code_headings(printed: str, expected: dict) -> None:
    assert sg_eshop.sg_code(printed) == expected


def test_adoption_field_with_national_codes_and_amendment_ranges() -> None:
    assert labels.adoptions("BS 7671+A1-A3 : 2008 MOD") == [
        {"code": "BS 7671:2008+A1+A2+A3", "degree": "MOD"}
    ]
    assert labels.adoptions("ISO 9001:2015+A1:2020 IDT") == [
        {"code": "ISO 9001:2015+A1:2020", "degree": "IDT"}
    ]
    assert labels.adoptions("BS EN 60335-1:2012, IEC 60335-2-24:2010 修改") == [
        {"code": "BS EN 60335-1:2012", "degree": "MOD"},
        {"code": "IEC 60335-2-24:2010", "degree": "MOD"},
    ]
    assert len(labels.adoptions("BS 7671+A1-A999 : 2008")[0]["code"].split("+")) == 22  # a range is capped
    assert labels.adoptions("MOD") == []


def test_singapore_code_lookup_is_refused_clearly(replay: ReplayServer, crawl) -> None:
    result = crawl("sg_standards", "--code", "SS 554:2016")
    assert result.returncode != 0 and "code_lookup_unsupported" in result.stderr
