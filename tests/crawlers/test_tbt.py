"""WTO/TBT notifications: the ePing mapping and spider, the enquiry point's Chinese titles, the notification form
text parser, the addenda chain, and Taiwan/Singapore region filters."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.deps import Services
from api.main import create_app
from config.settings import Settings
from crawlers.parsing import eping
from crawlers.parsing.common import ParseError
from crawlers.parsing.notification_text import parse_notification
from stdwatch.records import record_from_json
from tests.crawlers import synthetic_tbt
from tests.crawlers.replay import ReplayServer
from tests.crawlers.sites import SAMPLES

WTO = SAMPLES / "wto_tbt"


# ------------------------------------------------------------------------------------------ ePing mapping
def test_eping_item_maps_every_documented_field() -> None:
    (record,) = eping.map_item(synthetic_tbt.eping_item(), "https://api.wto.org/eping/notifications/search")
    assert record == {
        "symbol": "G/TBT/N/USA/2100",
        "member_name": "United States of America",
        "distribution_date": "2026-03-02",
        "comment_deadline": "2026-05-01",
        "proposed_adoption": "To be determined",
        "proposed_entry_into_force": "6 months after publication",
        "title": "Safety standard for lithium-ion batteries in micromobility products",
        "description": "The proposed rule sets safety requirements for lithium-ion batteries & chargers.\n"
        "It covers e-bikes and e-scooters.",
        "products": "Lithium-ion batteries for e-bikes",
        "objective": "Protection of human health or safety",
        "objectives": ["Protection of human health or safety"],
        "keywords": ["Batteries"],
        "notification_type": "regular",
        "hs": ["850760", "871160"],
        "ics": ["29.220.20", "43.150"],
        "countries_affected": ["all trading partners"],
        "open_for_comments": True,
        "source_url": "https://api.wto.org/eping/notifications/search",
        "text_links": [
            "https://members.wto.org/crnattachments/2026/TBT/USA/26_01234_00_e.pdf",
            "https://docs.wto.org/dol2fe/Pages/SS/directdoc.aspx?filename=q:/G/TBT/NUSA2100.pdf",
        ],
    }
    parsed = record_from_json(record)
    assert parsed.member == "USA" and parsed.open_for_comments is True


def test_eping_item_with_several_symbols_gives_one_record_each() -> None:
    records = eping.map_item(synthetic_tbt.EPING_ITEMS[2], "u")
    assert [r["symbol"] for r in records] == ["G/TBT/N/TPKM/560", "G/TBT/N/TPKM/560/Rev.1"]
    assert all(r["title"].startswith("Amendment to the inspection") for r in records)


def test_eping_structured_lists_beside_the_text_fields() -> None:
    """SYNTHETIC item in the shape live-API clients report: `hsCodes` as [{id, code, name}], keywords and
    objectives as lists of names or of plain strings, the notification type as a word or as {id, name}."""
    item = synthetic_tbt.eping_item(
        documentSymbol="G/TBT/N/USA/2100/Add.1",
        notificationType={"id": 2, "name": "Addendum"},
        hsCodeText=None,
        icsCodeText="29.220.20",
        hsCodes=[
            {"id": 5101, "code": "8507.60", "name": "Lithium-ion accumulators"},
            {"id": 5102, "code": "871160", "name": "Cycles with electric motor"},
        ],
        keywords=["Batteries", "E-bikes", "Batteries"],
        objectives=[{"name": "Protection of human health or safety"}, "Consumer information, labelling"],
        objectivesFreeText="<p>Fire risk</p>",
    )
    (record,) = eping.map_item(item, "u")
    assert record["hs"] == ["850760", "871160"] and record["ics"] == ["29.220.20"]
    assert record["keywords"] == ["Batteries", "E-bikes"]
    assert record["objectives"] == ["Protection of human health or safety", "Consumer information, labelling"]
    assert record["objective"] == (
        "Protection of human health or safety; Consumer information, labelling; Fire risk"
    )
    assert record["notification_type"] == "addendum"
    text_shape = eping.map_item(synthetic_tbt.eping_item(hsCodes=None, keywords="Batteries; E-bikes"), "u")[0]
    assert text_shape["hs"] == ["850760", "871160"] and text_shape["keywords"] == ["Batteries", "E-bikes"]


@pytest.mark.parametrize(
    ("symbol", "stated", "expected"),
    [
        ("G/TBT/N/USA/2100", "Regular", "regular"),
        ("G/TBT/N/USA/2100/Add.1", "Addendum", "addendum"),
        ("G/TBT/N/USA/2100/Corr.1", "Corrigendum", "corrigendum"),
        ("G/TBT/N/USA/2100/Rev.1", "Revision", "revision"),
        ("G/TBT/N/USA/2100/Rev.1", "Addendum", "revision"),  # the symbol is the document's identity
        ("G/TBT/N/USA/2100/Add.2", None, "addendum"),
    ],
)
def test_eping_notification_type(symbol: str, stated: str | None, expected: str) -> None:
    (record,) = eping.map_item(synthetic_tbt.eping_item(documentSymbol=symbol, notificationType=stated), "u")
    assert record["notification_type"] == expected


def test_eping_sps_items_are_refused_by_name() -> None:
    """SPS is not offered (the spider asks for domainIds=1): an SPS item that still comes is named as such."""
    for item in (
        synthetic_tbt.eping_item(documentSymbol="G/SPS/N/EU/800", area="SPS"),
        synthetic_tbt.eping_item(documentSymbol="G/SPS/N/EU/800"),
    ):
        with pytest.raises(ParseError, match="SPS notification"):
            eping.map_item(item, "u")


def test_codes_from_free_text() -> None:
    assert eping.hs_codes("8507.60; 850760 and 87") == ["850760", "87"]
    assert eping.ics_codes("29.220.20 Acid cells; 43.040; 2026") == ["29.220.20", "43.040"]


# ------------------------------------------------------------------------------------------ notification texts
def test_notification_form_in_english_full_items() -> None:
    parsed = parse_notification(
        (WTO / "CHN_TBT_notification_vehicles_external_projections_excerpt.txt").read_text()
    )
    assert parsed.missing == []
    assert parsed.record["member_name"] == "CHINA" and parsed.record["notified_under"] == "2.9.2"
    assert (parsed.record["products"], parsed.record["hs"], parsed.record["ics"]) == (
        "Vehicles",
        ["87"],
        ["43.040"],
    )
    assert parsed.record["title"] == "National Standard of the P.R.C., External projections for passenger car"
    assert parsed.record["objective"] == "Protection of human health or safety"
    assert parsed.record["comment_deadline"] == "60 days from notification"
    assert parsed.record["proposed_adoption"] == "To be determined"
    assert "symbol" not in parsed.record  # this excerpt does not print it


def test_notification_form_cut_short_says_what_is_missing() -> None:
    parsed = parse_notification((WTO / "G_TBT_N_CHN_1786_notification_excerpt.txt").read_text())
    assert parsed.missing == [10, 11]
    assert parsed.record["symbol"] == "G/TBT/N/CHN/1786"
    assert parsed.record["hs"] == ["100310", "100410", "120923", "120924", "120925"]
    assert parsed.record["ics"] == ["65.020.01"]
    assert parsed.record["proposed_entry_into_force"] == "12 months after approval"
    assert (
        parsed.record["title"] == "National Standard of the P.R.C., Quality grading for the gramineous seed"
    )
    assert record_from_json(parsed.record).symbol == "G/TBT/N/CHN/1786"


def test_chinese_relay_form() -> None:
    text = (
        "G/TBT/N/USA/2100\n通报成员：美国\n负责机构：消费品安全委员会\n"
        "覆盖的产品：电动自行车用锂离子电池（HS code(s): 850760）\n"
        "通报标题：微出行产品用锂电池安全标准\n内容简述：规定了锂离子电池的安全要求。\n目的和理由：保护人类健康或安全\n"
        "拟批准日期：待定\n拟生效日期：公布后6个月\n意见反馈截止日期：2026-05-01"
    )  # SYNTHETIC relay text
    parsed = parse_notification(text)
    assert parsed.record["member_name"] == "美国" and parsed.record["title"] == "微出行产品用锂电池安全标准"
    assert parsed.record["hs"] == ["850760"] and parsed.record["comment_deadline"] == "2026-05-01"
    assert 11 in parsed.missing and 2 not in parsed.missing


SYNTHETIC_FORMS = Path(__file__).resolve().parent.parent / "fixtures" / "synthetic" / "wto_tbt"

# Every item of every variant of the form (issue 10, item 8): the whole record, the sub-answers of items 1
# and 2, item 11, and what item 5 says of the notified document. Each fixture is SYNTHETIC (see its header).
FORM_VARIANTS = {
    "synthetic_form_older_member_to_agreement.txt": (
        {
            "symbol": "G/TBT/N/CAN/180",
            "member_name": "CANADA",
            "agency": "Department of Transport",
            "notified_under": "2.9.2",
            "products": "Child restraint systems for motor vehicles",
            "hs": ["940120"],
            "ics": ["43.040.80"],
            "title": "Motor Vehicle Restraint Systems and Booster Seats Safety Regulations",
            "description": "The proposed amendment sets new dynamic test requirements for booster seats.",
            "objective": "Protection of human health or safety",
            "relevant_documents": "Canada Gazette, Part I, 18 March 2006; G/TBT/N/CAN/150",
            "proposed_adoption": "1 September 2006",
            "proposed_entry_into_force": "1 March 2007",
            "comment_deadline": "60 days from notification",
        },
        {
            "local_government": None,
            "comments_agency": "Canada's Notification Authority and Enquiry Point, Ottawa",
            "texts_available": "National enquiry point [X]",
        },
        (24, "English and French"),
    ),
    "synthetic_form_current_details_of_notified_documents.txt": (
        {
            "symbol": "G/TBT/N/KEN/1700",
            "member_name": "KENYA",
            "agency": "Kenya Bureau of Standards",
            "notified_under": "2.9.2",
            "products": "Lithium-ion batteries for electric bicycles",
            "hs": ["850760"],
            "ics": ["29.220.30"],
            "title": "DKS 3201:2026, Secondary lithium cells for electric bicycles — Safety requirements",
            "text_links": ["https://members.wto.org/crnattachments/2026/TBT/KEN/26_00123_00_e.pdf"],
            "description": "This Draft Kenya Standard specifies safety requirements and "
            "test methods for secondary lithium cells used in electric "
            "bicycles.",
            "objective": "Consumer information, labelling; Protection of human health or safety",
            "relevant_documents": "IEC 62133-2:2017",
            "proposed_adoption": "To be determined",
            "proposed_entry_into_force": "6 months after adoption",
            "comment_deadline": "60 days from notification",
        },
        {"local_government": None, "comments_agency": None, "texts_available": "National enquiry point [X]"},
        (18, "English"),
    ),
    "synthetic_form_table_cells.md": (
        {
            "symbol": "G/TBT/N/VNM/320",
            "member_name": "VIET NAM",
            "agency": "Directorate for Standards, Metrology and Quality",
            "notified_under": "2.9.2",
            "products": "Electric fans",
            "hs": ["841451"],
            "ics": ["97.030"],
            "title": "National technical regulation on energy efficiency of electric fans",
            "description": "Sets minimum energy performance and labelling for household electric fans.",
            "objective": "Prevention of deceptive practices and consumer protection",
            "proposed_adoption": "1 July 2026",
            "proposed_entry_into_force": "1 January 2027",
            "comment_deadline": "15 April 2026",
        },
        {
            "local_government": None,
            "comments_agency": None,
            "relevant_documents": None,
            "texts_available": "National enquiry point [X]",
        },
        (20, "Vietnamese"),
    ),
    "synthetic_form_run_in.txt": (
        {
            "symbol": "G/TBT/N/CHN/1900",
            "member_name": "CHINA",
            "agency": "State Administration for Market Regulation (Standardization "
            "Administration of the P.R.C.)",
            "notified_under": "2.9.2",
            "products": "Toys",
            "hs": ["9503"],
            "ics": ["97.200.50"],
            "title": "National Standard of the P.R.C., Safety of toys — Part 2: "
            "Mechanical and physical properties",
            "text_links": ["https://members.wto.org/crnattachments/2026/TBT/CHN/26_00047_00_x.pdf"],
            "description": "This document specifies mechanical and physical safety "
            "requirements for toys for children under 14 years.",
            "objective": "Protection of human health or safety",
            "relevant_documents": "GB 6675.2-2014",
            "proposed_adoption": "To be determined",
            "proposed_entry_into_force": "12 months after adoption",
            "comment_deadline": "60 days from notification",
        },
        {"local_government": None, "comments_agency": None, "texts_available": "National enquiry point [X]"},
        (40, "Chinese"),
    ),
    "synthetic_form_chinese_relay_numbered.txt": (
        {
            "symbol": "G/TBT/N/USA/2100",
            "member_name": "美国",
            "agency": "消费品安全委员会",
            "notified_under": "2.9.2",
            "products": "电动自行车用锂离子电池",
            "hs": ["850760"],
            "ics": ["29.220.20"],
            "title": "微出行产品用锂电池安全标准",
            "description": "规定了微出行产品用锂离子电池的安全要求。",
            "objective": "保护人类健康或安全",
            "relevant_documents": "联邦公报第91卷",
            "proposed_adoption": "待定",
            "proposed_entry_into_force": "公布后6个月",
            "comment_deadline": "2026-05-01",
        },
        {"local_government": None, "comments_agency": None, "texts_available": "国家通报咨询中心"},
        (25, "English"),
    ),
}


def _form(name: str) -> str:
    """The fixture's text without its SYNTHETIC header paragraph (which names the labels it is about)."""
    header, body = (SYNTHETIC_FORMS / name).read_text(encoding="utf-8").split("\n\n", 1)
    assert header.startswith("SYNTHETIC")
    return body


@pytest.mark.parametrize("name", sorted(FORM_VARIANTS))
def test_every_item_of_every_form_variant_lands_in_its_own_field(name: str) -> None:
    record, values, (pages, languages) = FORM_VARIANTS[name]
    parsed = parse_notification(_form(name))
    assert (parsed.found, parsed.missing) == (list(range(1, 12)), [])
    assert parsed.record == record
    assert {k: parsed.values.get(k) for k in values} == values
    assert (parsed.pages, parsed.languages) == (pages, languages)
    loaded = record_from_json(parsed.record)
    assert (loaded.symbol, loaded.member_name) == (record["symbol"], record["member_name"])


def test_form_items_keep_out_of_each_other_in_the_real_relays() -> None:
    """The real relay texts: no value carries a label, an item number or the next item."""
    for sample in (
        "CHN_TBT_notification_vehicles_external_projections_excerpt.txt",
        "G_TBT_N_CHN_1786_notification_excerpt.txt",
    ):
        parsed = parse_notification((WTO / sample).read_text())
        for key, value in parsed.record.items():
            if isinstance(value, str):
                assert not re.search(r"(?:^|\s)(?:1[01]|[1-9])\.\s*$|\|", value), (sample, key, value)
                labels = r"Notif|Agency responsible|Products covered|Texts available|Title, number"
                assert not re.search(labels, value), (sample, key, value)
        assert parsed.values["agency"] == (
            "State Administration for Market Regulation (Standardization Administration of the P.R.C.)"
        )


def test_symbol_comes_from_the_form_head_not_from_relevant_documents() -> None:
    """SYNTHETIC: a form without a symbol at its head that cites another notification in item 8."""
    text = _form("synthetic_form_older_member_to_agreement.txt").replace("G/TBT/N/CAN/180\n", "")
    parsed = parse_notification(text)
    assert "symbol" not in parsed.record and "G/TBT/N/CAN/150" in parsed.record["relevant_documents"]


def test_notification_parsing_is_linear_in_hostile_text() -> None:
    def cost(n: int) -> float:
        body = (
            "1. Notifying Member: "
            + " " * n
            + "|"
            + "-" * n
            + "2." * n
            + " Agency responsible:"
            + "1" * n
            + " Title, number of pages and language(s) of the notified document: ("
            + "9" * n
            + " page(s), in "
            + "(" * n
            + "Notified under Article "
            + "2.9.2 [ ]" * (n // 8)
            + " |" * n
            + "Final date for comments:"
            + " 10." * n
        )
        start = time.perf_counter()
        parse_notification(body)
        return time.perf_counter() - start

    cost(100)
    assert cost(16000) < 40 * max(cost(2000), 1e-4)


def test_a_daily_summary_is_not_read_as_a_notification() -> None:
    assert (
        parse_notification(
            (WTO / "wto_sacinfo_daily_notification_summary_2026-02-25_excerpt.txt").read_text()
        ).found
        == []
    )


# ------------------------------------------------------------------------------------------ spiders
def test_eping_without_key_says_so_and_fails(replay: ReplayServer, crawl, monkeypatch) -> None:
    monkeypatch.delenv("STDWATCH_EPING_KEY", raising=False)
    synthetic_tbt.serve_eping(replay)
    result = crawl("wto_eping")
    assert result.returncode != 0
    assert "missing_api_key" in result.stderr and "new 0" in result.stderr
    assert not replay.requested("/eping/notifications/search")


@pytest.fixture
def with_key(monkeypatch) -> None:
    monkeypatch.setenv("STDWATCH_EPING_KEY", "test-key-123")


def _services(data_dir: Path) -> Services:
    return Services.from_settings(Settings(data_dir=data_dir))


def test_eping_crawl_chain_and_regions(replay: ReplayServer, crawl, with_key, data_dir) -> None:
    synthetic_tbt.serve_eping(replay)
    result = crawl("wto_eping")
    assert result.returncode == 0, result.stderr
    assert "new 5," in result.stderr
    (hit,) = replay.requested("/eping/notifications/search")
    assert hit.headers["Ocp-Apim-Subscription-Key"] == "test-key-123" and hit.params["domainIds"] == "1"
    services = _services(data_dir)
    with TestClient(create_app(services.settings, services)) as client:
        base = client.get("/api/documents/g-tbt-n-usa-2100").json()
        chain = base["notification_chain"]
        assert [d["code"] for d in chain["documents"]] == ["G/TBT/N/USA/2100", "G/TBT/N/USA/2100/Add.1"]
        # the addendum extended the comment period: users see the new deadline on the base notification
        assert chain["current"]["comment_deadline"] == "2026-06-30"
        assert chain["current"]["comment_deadline_from"] == "G/TBT/N/USA/2100/Add.1"
        tw = client.get("/api/search", params={"kind": "tbt_notification", "region": "tw"}).json()
        sg = client.get("/api/search", params={"kind": "tbt_notification", "region": "sg"}).json()
        assert {h["code"] for h in tw["hits"]} == {"G/TBT/N/TPKM/560", "G/TBT/N/TPKM/560/Rev.1"}
        assert [h["code"] for h in sg["hits"]] == ["G/TBT/N/SGP/80"]
    services.close()
    again = crawl("wto_eping")
    assert "new 0, updated 0, unchanged 5," in again.stderr


def test_eping_lookup_by_symbol(replay: ReplayServer, crawl, with_key, stores) -> None:
    synthetic_tbt.serve_eping(replay)
    result = crawl("wto_eping", "--code", "G/TBT/N/SGP/80")
    assert result.returncode == 0 and "new 1," in result.stderr
    assert replay.requested("/eping/notifications/search")[0].params["documentSymbol"] == "G/TBT/N/SGP/80"
    assert stores[0].get("g-tbt-n-sgp-80").data["hs"] == ["841821"]


def test_chinese_title_from_the_enquiry_point_finds_foreign_notifications(
    replay: ReplayServer, crawl, with_key, data_dir, stores
) -> None:
    synthetic_tbt.serve_eping(replay)
    synthetic_tbt.serve_tbt_sps_cn(replay)
    assert crawl("wto_eping").returncode == 0
    result = crawl("tbt_sps_cn")
    assert result.returncode == 0, result.stderr
    assert "updated 2," in result.stderr  # the two TBT rows; the SPS row is not a TBT notification
    find = replay.requested("/tbt/find")[0]
    assert find.params["type"] == "1" and replay.requested("/login/getSession")
    record = stores[0].get("g-tbt-n-usa-2100").data
    assert record["title_zh"] == "微出行产品用锂电池安全标准"
    assert (
        record["title"] == "Safety standard for lithium-ion batteries in micromobility products"
    )  # ePing kept
    services = _services(data_dir)
    with TestClient(create_app(services.settings, services)) as client:
        hits = client.get("/api/search", params={"q": "锂电池", "kind": "tbt_notification"}).json()["hits"]
    services.close()
    assert "G/TBT/N/USA/2100" in [h["code"] for h in hits]
    assert (
        "<mark>锂电池</mark>"
        in next(h for h in hits if h["code"] == "G/TBT/N/USA/2100")["highlight"]["title"]
    )


def test_load_notification_texts_from_the_command_line(stdwatch, stores) -> None:
    vehicles = WTO / "CHN_TBT_notification_vehicles_external_projections_excerpt.txt"
    without_symbol = stdwatch("load-notification", str(vehicles))
    assert without_symbol.returncode == 1 and "needs a 'symbol'" in without_symbol.stderr
    result = stdwatch("load-notification", str(WTO / "G_TBT_N_CHN_1786_notification_excerpt.txt"))
    assert (
        result.returncode == 0
        and "items not found: 10 (comment_deadline), 11 (texts_available)" in result.stderr
    )
    assert stores[0].get("g-tbt-n-chn-1786").data["ics"] == ["65.020.01"]
    named = stdwatch("load-notification", str(vehicles), "--symbol", "G/TBT/N/CHN/1900")
    assert named.returncode == 0 and stores[0].get("g-tbt-n-chn-1900").data["hs"] == ["87"]


def test_eping_follows_only_the_configured_members(replay: ReplayServer, crawl, with_key) -> None:
    synthetic_tbt.serve_eping(replay)
    result = crawl("wto_eping", "--arg", "members=Singapore, chinese taipei, Atlantis")
    assert result.returncode == 0, result.stderr
    assert replay.requested("/eping/members")[0].headers["Ocp-Apim-Subscription-Key"] == "test-key-123"
    (search,) = replay.requested("/eping/notifications/search")
    assert search.params["countryIds"] == "C702,C158"
    unknown = crawl("wto_eping", "--arg", "members=Atlantis")
    assert unknown.returncode != 0 and "unknown_members" in unknown.stderr
