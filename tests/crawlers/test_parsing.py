"""Every real recorded page, parsed field by field; and layouts the parsers must refuse rather than guess."""

from __future__ import annotations

import time

import pytest

from crawlers.parsing import openstd, sacinfo, std_samr, ttbz
from crawlers.parsing.common import ParseError
from stdwatch.identifiers import parse_standard_code
from stdwatch.records import Status, record_from_json
from tests.crawlers.sites import (
    HBBA,
    OPENSTD_DETAILS,
    OPENSTD_LIST_GBT11,
    OPENSTD_LIST_GBT20223,
    STD_SAMR,
    TTBZ,
    read,
)


# ------------------------------------------------------------------------------------------ openstd
def test_openstd_list_current_layout() -> None:
    listing = openstd.parse_list(read(OPENSTD_LIST_GBT11))
    assert (listing.page, listing.pages) == (1, 1)
    assert [
        (r.code, r.hcno, r.status, r.published, r.effective, r.adopts_international, r.category)
        for r in listing.rows
    ] == [
        (
            "GB/T 1.1-2000",
            "847191101089628341120D62AEFC29A1",
            "废止",
            "2000-12-20",
            "2001-06-01",
            True,
            "推标",
        ),
        (
            "GB/T 1.1-2009",
            "570A95F33D8D3C7934933A900A78F133",
            "废止",
            "2009-06-17",
            "2010-01-01",
            False,
            "推标",
        ),
        (
            "GB/T 1.1-2020",
            "C4BFD981E993C417EF475F2A19B681F1",
            "现行",
            "2020-03-31",
            "2020-10-01",
            False,
            "推标",
        ),
    ]
    assert listing.rows[2].title_zh == "标准化工作导则 第1部分：标准化文件的结构和起草规则"


def test_openstd_list_gbt20223() -> None:
    (row,) = openstd.parse_list(read(OPENSTD_LIST_GBT20223)).rows
    assert (row.code, row.title_zh, row.status, row.hcno) == (
        "GB/T 20223-2006",
        "棉短绒",
        "废止",
        "083B48FA72DBD3B9BDE74507BC31736A",
    )


@pytest.mark.parametrize(
    ("hcno", "expected"),
    [
        (
            "847191101089628341120D62AEFC29A1",
            {
                "code": "GB/T 1.1-2000",
                "title_zh": "标准化工作导则 第1部分:标准的结构和编写规则",
                "title_en": "Directives for standardization--Part 1:Rules for the structure and drafting of standards",
                "status": "废止",
                "ccs": ["A00"],
                "ics": ["01.120"],
                "published": "2000-12-20",
                "effective": "2001-06-01",
                "responsible": "国家标准委",
                "adopts_international": True,
            },
        ),
        (
            "570A95F33D8D3C7934933A900A78F133",
            {
                "code": "GB/T 1.1-2009",
                "status": "废止",
                "ccs": ["A00"],
                "ics": ["01.120"],
                "published": "2009-06-17",
                "title_en": "Directives for standardization - Part 1: The structure and drafting of standards",
                "adopts_international": False,
            },
        ),
        (
            "C4BFD981E993C417EF475F2A19B681F1",
            {
                "code": "GB/T 1.1-2020",
                "status": "现行",
                "title_zh": "标准化工作导则 第1部分：标准化文件的结构和起草规则",
                "effective": "2020-10-01",
            },
        ),
        (
            "083B48FA72DBD3B9BDE74507BC31736A",
            {
                "code": "GB/T 20223-2006",
                "title_zh": "棉短绒",
                "title_en": "Cotton linter",
                "ccs": ["B32"],
                "ics": ["59.060.10"],
                "published": "2006-03-10",
                "effective": "2006-09-01",
                "responsible": "市场监管总局",
            },
        ),
    ],
)
def test_openstd_detail_pages(hcno: str, expected: dict) -> None:
    record = openstd.parse_detail(
        read(OPENSTD_DETAILS[hcno]), f"https://openstd.samr.gov.cn/bzgk/std/newGbInfo?hcno={hcno}"
    )
    assert {k: record.get(k) for k in expected} == expected
    assert record_from_json(record).code == expected["code"]


def test_openstd_real_remarks_state_no_replacement() -> None:
    """The recorded 备注 rows hold the effective date (`2006-09-01实施`) or nothing: nothing invented."""
    for hcno, page in OPENSTD_DETAILS.items():
        record = openstd.parse_detail(read(page), hcno)
        assert not {"replaces", "replaced_by", "withdrawn"} & set(record), hcno


def _with_remark(remark: str) -> str:
    """SYNTHETIC: the real GB/T 20223-2006 page with another 备注 text in its real markup."""
    html = read(OPENSTD_DETAILS["083B48FA72DBD3B9BDE74507BC31736A"])
    assert "2006-09-01实施\n" in html
    return html.replace("2006-09-01实施\n", f"{remark}\n", 1)


@pytest.mark.parametrize(
    ("remark", "expected"),
    [
        ("2005-03-01实施,代替GB/T 1234-1996", {"replaces": ["GB/T 1234-1996"]}),
        # the real wording of GB 13000-2010's row (gb688.cn), prose after the code
        (
            "2011-11-01实施,代替GB 13000.1-1993 根据2017年第7号公告和强制性标准整合精简结论，"
            "自2017年3月23日起,该标准转化为"
            "推荐性标准，不再强制执行。",
            {"replaces": ["GB 13000.1-1993"]},
        ),
        (
            "2010-01-01实施，代替GB/T 1.1-2000、GB/T 1.2-2002",
            {"replaces": ["GB/T 1.1-2000", "GB/T 1.2-2002"]},
        ),
        ("部分代替GB 3100-93和GB 3101-93", {"replaces": ["GB 3100-93", "GB 3101-93"]}),
        ("被GB/T 1.1-2020代替", {"replaced_by": ["GB/T 1.1-2020"]}),
        (
            "2020-10-01废止，被 GB/T 1.1—2020 全部代替",
            {"replaced_by": ["GB/T 1.1-2020"], "withdrawn": "2020-10-01"},
        ),
        ("由GB/T 5606.1-2004代替", {"replaced_by": ["GB/T 5606.1-2004"]}),
        (
            "2010-01-01实施,代替GB/T 1.1-2000;2020-10-01被GB/T 1.1-2020代替",
            {"replaces": ["GB/T 1.1-2000"], "replaced_by": ["GB/T 1.1-2020"], "withdrawn": None},
        ),
        ("代替说明见前言", {}),
    ],
)
def test_openstd_remark_states_replacements(remark: str, expected: dict) -> None:
    """SYNTHETIC remarks in the wordings openstd uses; the parsed record loads with the links it states."""
    record = openstd.parse_detail(_with_remark(remark), "u")
    assert {k: record.get(k) for k in ("replaces", "replaced_by", "withdrawn")} == {
        "replaces": None,
        "replaced_by": None,
        "withdrawn": None,
        **expected,
    }
    parsed = record_from_json(record)
    assert parsed.replaces == [str(parse_standard_code(c)) for c in expected.get("replaces", [])]
    assert parsed.replaced_by == [str(parse_standard_code(c)) for c in expected.get("replaced_by", [])]


def test_openstd_remark_parsing_is_linear() -> None:
    """A hostile remark (long digit runs, repeated separators) costs time in proportion to its length."""

    def cost(n: int) -> float:
        remark = "代替GB" + "1" * n + "!" + "GB/T 1." * n + "被" + "A" * n + "代替GB 1-、" * n
        start = time.perf_counter()
        openstd.parse_remarks(remark)
        return time.perf_counter() - start

    cost(100)
    assert cost(16000) < 40 * max(cost(2000), 1e-4)


def test_openstd_changed_layout_is_refused() -> None:
    """SYNTHETIC: a redesigned page without the labelled heading must fail loudly, not yield an empty record."""
    html = read(OPENSTD_DETAILS["C4BFD981E993C417EF475F2A19B681F1"]).replace(
        'class="mk1"', 'class="header-v2"'
    )
    with pytest.raises(ParseError, match="heading"):
        openstd.parse_detail(html, "u")
    with pytest.raises(ParseError, match="result_list"):
        openstd.parse_list("<html><body><p>系统维护中</p></body></html>")


# ------------------------------------------------------------------------------------------ std.samr
def test_std_samr_query_json_strips_sacinfo_tags() -> None:
    page = std_samr.parse_query_page(read(STD_SAMR / "gbQueryPage_JBT13368-2018.json"))
    assert (page.total, page.page, len(page.rows)) == (54871, 1, 5)
    first = page.rows[0]
    assert (first.source_id, first.detail_path) == (
        "6BC3AD94A1728ABCE05397BE0A0A5667",
        "/hb/search/stdHBDetailed",
    )
    assert first.record == {
        "code": "JB/T 13368-2018",
        "title_zh": "叉车属具 软包夹",
        "title_en": None,
        "status": "现行",
        "published": "2018-02-09",
        "effective": "2018-10-01",
        "ccs": ["J83"],
        "ics": ["53.06"],
    }
    assert [r.record["code"] for r in page.rows] == [
        "JB/T 13368-2018",
        "JB/T 13362-2018",
        "JB/T 13363-2018",
        "JB/T 10750-2018",
        "JB/T 13367-2018",
    ]


def test_std_samr_gb_detail() -> None:
    record = std_samr.parse_detail(read(STD_SAMR / "gbDetailed_71f772d7cb63d3a7e05397be0a0ab82a.html"), "u")
    assert record == {
        "title_zh": "卷烟 第1部分:抽样",
        "title_en": "Cigarettes--Part 1:Sampling",
        "status": "现行",
        "code": "GB/T 5606.1-2004",
        "published": "2004-12-14",
        "effective": "2005-03-01",
        "ccs": ["X87"],
        "ics": ["65.160"],
        "responsible": "全国烟草标准化技术委员会",
        "replaces": ["GB/T 5606.1-1996"],
        "source_url": "u",
    }


def test_std_samr_industry_detail() -> None:
    record = std_samr.parse_detail(read(STD_SAMR / "hbDetailed_6bc3ad94a1728abce05397be0a0a5667.html"), "u")
    assert record == {
        "title_zh": "叉车属具 软包夹",
        "status": "现行",
        "code": "JB/T 13368-2018",
        "published": "2018-02-09",
        "effective": "2018-10-01",
        "ccs": ["J83"],
        "ics": ["53.06"],
        "responsible": "工业和信息化部",
        "source_url": "u",
    }


def test_std_samr_advanced_rows_bring_adoption_and_replacement() -> None:
    body = (
        '{"total":1,"rows":[{"STD_CODE":"GB/T 5606.1-2004","TOTAL_REPE":"GB/T 5606.1-1996",'
        '"TA_NAME":"全国烟草标准化技术委员会","DRAFT_UNIT":"A、B","ADOPT_NO":"ISO 8243:2013","ADOPT_LEVEL":"修改"}]}'
    )
    (record,) = std_samr.parse_advanced_page(body)  # SYNTHETIC row with the documented field names
    parsed = record_from_json(record)
    assert parsed.replaces == ["GB/T 5606.1-1996"] and parsed.drafting_bodies == ["A", "B"]
    assert (parsed.adopts[0].code, parsed.adopts[0].degree.value) == ("ISO 8243:2013", "MOD")


# ------------------------------------------------------------------------------------------ hbba / dbba
def test_hbba_query_list_epoch_dates() -> None:
    listing = sacinfo.parse_query_list(read(HBBA / "hbba_stdQueryList_JBT13368-2018_2026-05-21.json"))
    (row,) = listing.rows
    assert row.source_id == "733d6a7744529f70673a12c464998ffc"
    assert row.record == {
        "code": "JB/T 13368-2018",
        "title_zh": "叉车属具 软包夹",
        "status": "现行",
        "published": "2018-02-09",
        "effective": "2018-10-01",
        "replaces": [],
    }


def test_hbba_detail() -> None:
    record = sacinfo.parse_detail(
        read(HBBA / "hbba_stdDetail_733d6a7744529f70673a12c464998ffc_2026-05-21.html"), "u"
    )
    assert record == {
        "title_zh": "叉车属具 软包夹",
        "status": "现行",
        "code": "JB/T 13368-2018",
        "published": "2018-02-09",
        "effective": "2018-10-01",
        "ccs": ["J83"],
        "ics": ["53.06"],
        "responsible": "工业和信息化部",
        "source_url": "u",
    }
    assert record_from_json(record).status is Status.CURRENT


# ------------------------------------------------------------------------------------------ ttbz
def test_ttbz_search_and_detail() -> None:
    (row,) = ttbz.parse_search(read(TTBZ / "Home_Standard_search_TGZAEPI001-2018_2022-07-19.html")).rows
    assert (row.source_id, row.record["code"], row.record["responsible"]) == (
        "22746",
        "T/GZAEPI 001—2018",
        "广州环境保护产业协会",
    )
    record = ttbz.parse_detail(read(TTBZ / "StandardManage_Detail_22746_2022-07-19.html"), "u")
    assert {
        k: record[k]
        for k in (
            "code",
            "title_zh",
            "title_en",
            "status",
            "ics",
            "ccs",
            "published",
            "effective",
            "responsible",
        )
    } == {
        "code": "T/GZAEPI 001—2018",
        "title_zh": "环保型家用吸油烟机",
        "title_en": "Environmental protection type household range hood",
        "status": "现行",
        "ics": ["13.020.01"],
        "ccs": ["Y68"],
        "published": "2018年05月08日",
        "effective": "2018年07月01日",
        "responsible": "广州环境保护产业协会",
    }
    assert (
        record["drafting_bodies"][:2] == ["广州市环境技术中心", "广州环境保护产业协会"]
        and len(record["drafting_bodies"]) == 14
    )
    parsed = record_from_json(record)
    assert (parsed.code, parsed.published.isoformat()) == ("T/GZAEPI 001-2018", "2018-05-08")
