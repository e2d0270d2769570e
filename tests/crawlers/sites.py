"""Recorded sites for the replay server: the real samples at the real paths, plus clearly named SYNTHETIC
pages derived from them for cases no recording shows (a second listing page, a changed record, a broken
layout)."""

# Titles keep the sites' full-width punctuation.

from __future__ import annotations

import json
from pathlib import Path

from tests.crawlers.replay import ReplayServer

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
OPENSTD = SAMPLES / "openstd"
STD_SAMR = SAMPLES / "std_samr"
HBBA = SAMPLES / "hbba_dbba"
TTBZ = SAMPLES / "ttbz"

OPENSTD_DETAILS = {
    hcno: OPENSTD / f"newGbInfo_{hcno}{suffix}.html"
    for hcno, suffix in (
        ("847191101089628341120D62AEFC29A1", "_GBT1.1-2000_2026-04-22"),
        ("570A95F33D8D3C7934933A900A78F133", "_GBT1.1-2009_2026-04-22"),
        ("C4BFD981E993C417EF475F2A19B681F1", "_2026-04-22"),
        ("083B48FA72DBD3B9BDE74507BC31736A", "_GBT20223-2006_2026-05-21"),
    )
}
OPENSTD_LIST_GBT11 = OPENSTD / "std_list_GBT1.1_2026-04-22.html"
OPENSTD_LIST_GBT20223 = OPENSTD / "std_list_GBT20223-2006_2026-05-21.html"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def serve_openstd(server: ReplayServer, details: dict[str, str | Path] | None = None) -> None:
    """openstd as recorded: the GB/T 1.1 and GB/T 20223-2006 look-ups, their detail pages, and the 301 that
    the site answers for any old /bzgk/gb/ address."""
    server.add("/bzgk/std/std_list", OPENSTD_LIST_GBT11, params={"p.p2": "GB/T 1.1"})
    server.add("/bzgk/std/std_list", OPENSTD_LIST_GBT20223, params={"p.p2": "GB/T 20223-2006"})
    for hcno, page in {**OPENSTD_DETAILS, **(details or {})}.items():
        server.add("/bzgk/std/newGbInfo", page, params={"hcno": hcno})
        server.add(
            "/bzgk/gb/newGbInfo",
            OPENSTD / "redirect_301_bzgk_gb_to_bzgk_std.html",
            params={"hcno": hcno},
            status=301,
            headers={"Location": f"/bzgk/std/newGbInfo?hcno={hcno}"},
        )


def synthetic_openstd_listing(server: ReplayServer) -> None:
    """SYNTHETIC: the newest-first catalogue listing in two pages, made from the real list pages' rows: page 1
    holds the GB/T 1.1 editions, page 2 GB/T 20223-2006."""
    first = read(OPENSTD_LIST_GBT11).replace("&nbsp;/&nbsp;1", "&nbsp;/&nbsp;2")
    second = read(OPENSTD_LIST_GBT20223).replace(
        '<a style="color: red;">1</a>', '<a style="color: red;">2</a>'
    )
    second = second.replace("&nbsp;/&nbsp;1", "&nbsp;/&nbsp;2")
    server.add("/bzgk/std/std_list", first, params={"page": "1", "p.p2": None})
    server.add("/bzgk/std/std_list", second, params={"page": "2", "p.p2": None})


def serve_samr_std(server: ReplayServer) -> None:
    """std.samr as recorded: the gbQueryPage JSON for JB/T 13368-2018 with its stdHBDetailed page, and the
    gbDetailed page of GB/T 5606.1-2004 behind a SYNTHETIC one-row gbQueryPage answer (no recording of that
    search exists) and a SYNTHETIC gbAdvancedSearchPage answer built from the documented field names."""
    server.add(
        "/gb/search/gbQueryPage",
        STD_SAMR / "gbQueryPage_JBT13368-2018.json",
        params={"searchText": "JB/T 13368-2018"},
        content_type="application/json;charset=UTF-8",
    )
    server.add(
        "/hb/search/stdHBDetailed",
        STD_SAMR / "hbDetailed_6bc3ad94a1728abce05397be0a0a5667.html",
        params={"id": "6BC3AD94A1728ABCE05397BE0A0A5667"},
    )
    synthetic_query = {
        "total": 1,
        "pageNumber": 1,
        "rows": [
            {
                "id": "71F772D7CB63D3A7E05397BE0A0AB82A",
                "TABLE_NAME": "BV_GB",
                "C_STD_CODE": "<sacinfo>GB</sacinfo><sacinfo>/</sacinfo><sacinfo>T</sacinfo> "
                "<sacinfo>5606.1</sacinfo>-2004",
                "STD_CODE": "GB/T 5606.1-2004",
                "C_C_NAME": "卷烟 第1部分：抽样",
                "STATE": "现行",
                "ISSUE_DATE": "2004-12-14",
                "ACT_DATE": "2005-03-01",
                "CCS": "X87",
                "ICS": "65.160",
            }
        ],
    }
    server.add(
        "/gb/search/gbQueryPage",
        json.dumps(synthetic_query, ensure_ascii=False),
        params={"searchText": "GB/T 5606.1-2004"},
        content_type="application/json;charset=UTF-8",
    )
    server.add(
        "/gb/search/gbDetailed",
        STD_SAMR / "gbDetailed_71f772d7cb63d3a7e05397be0a0ab82a.html",
        params={"id": "71F772D7CB63D3A7E05397BE0A0AB82A"},
    )
    synthetic_advanced = {
        "total": 1,
        "rows": [
            {
                "STD_CODE": "GB/T 5606.1-2004",
                "C_C_NAME": "卷烟 第1部分：抽样",
                "C_E_NAME": "Cigarettes--Part 1:Sampling",
                "TOTAL_REPE": "GB/T 5606.1-1996",
                "TA_NAME": "全国烟草标准化技术委员会",
                "DRAFT_UNIT": "国家烟草质量监督检验中心、郑州烟草研究院",
                "ADOPT_NO": "ISO 8243:2013",
                "ADOPT_LEVEL": "MOD",
            }
        ],
    }
    server.add(
        "/gb/search/gbAdvancedSearchPage",
        json.dumps(synthetic_advanced, ensure_ascii=False),
        params={"std_p7": "GB/T 5606.1-2004"},
        content_type="application/json;charset=UTF-8",
    )


def serve_hbba(server: ReplayServer) -> None:
    """hbba as recorded for JB/T 13368-2018 (dbba runs the same software at the same paths)."""
    server.add(
        "/stdQueryList",
        HBBA / "hbba_stdQueryList_JBT13368-2018_2026-05-21.json",
        method="POST",
        params={"key": "JB/T 13368-2018"},
        content_type="application/json;charset=UTF-8",
    )
    server.add(
        "/stdDetail/733d6a7744529f70673a12c464998ffc",
        HBBA / "hbba_stdDetail_733d6a7744529f70673a12c464998ffc_2026-05-21.html",
    )


def serve_ttbz(server: ReplayServer) -> None:
    """ttbz as recorded in 2022: the search for T/GZAEPI 001—2018 and its detail page."""
    server.add(
        "/Home/Standard",
        TTBZ / "Home_Standard_search_TGZAEPI001-2018_2022-07-19.html",
        params={"searchType": "2"},
    )
    server.add("/StandardManage/Detail/22746/", TTBZ / "StandardManage_Detail_22746_2022-07-19.html")


def serve_ttbz_blocked(server: ReplayServer) -> None:
    """ttbz as it answered in 2026: HTTP 403 with its web-application-firewall page."""
    server.add("/Home/Standard", TTBZ / "Home_Standard_search_HTTP403_WAF_2026-01-27.html", status=403)
