"""SYNTHETIC fixtures for sources with no recorded response anywhere (SOURCES.md 4a, 4d, 2, 3): built from the
documented field names only. When a real response is recorded, it replaces these."""

# The Chinese pages spell full-width punctuation as the sites do.

from __future__ import annotations

import json
from typing import Any

from tests.crawlers.replay import ReplayServer


def eping_item(**over: object) -> dict[str, Any]:
    item = {
        "id": 90001,
        "documentSymbol": "G/TBT/N/USA/2100",
        "area": "TBT",
        "notificationType": "Regular",
        "notifyingMember": "United States of America",
        "distributionDate": "2026-03-02T00:00:00",
        "commentDeadlineDate": "2026-05-01T00:00:00",
        "proposedAdoptionDate": None,
        "proposedAdoptionDateText": "To be determined",
        "proposedEntryIntoForceDate": None,
        "proposedEntryIntoForceDateText": "6 months after publication",
        "title": "<p>Safety standard for lithium-ion batteries in micromobility products</p>",
        "titlePlain": "Safety standard for lithium-ion batteries in micromobility products",
        "description": "<p>The proposed rule sets <b>safety requirements</b> for lithium-ion batteries &amp; "
        "chargers.</p><p>It covers e-bikes and e-scooters.</p>",
        "productsFreeText": "<p>Lithium-ion batteries for e-bikes</p>",
        "hsCodeText": "850760: Lithium-ion accumulators; 8711.60: Motorcycles with electric motor",
        "icsCodeText": "29.220.20 Acid secondary cells; 43.150",
        "objectives": [{"name": "Protection of human health or safety"}],
        "objectivesFreeText": None,
        "keywords": [{"name": "Batteries"}],
        "countriesAffected": [],
        "allTradingPartners": True,
        "isOpenForComments": True,
        "notifiedDocumentLink": "https://members.wto.org/crnattachments/2026/TBT/USA/26_01234_00_e.pdf",
        "linkToNotification": "https://docs.wto.org/dol2fe/Pages/SS/directdoc.aspx?filename=q:/G/TBT/NUSA2100.pdf",
    }
    item.update(over)
    return item


EPING_ITEMS = [
    eping_item(),
    eping_item(
        id=90002,
        documentSymbol="G/TBT/N/USA/2100/Add.1",
        distributionDate="2026-04-10T00:00:00",
        commentDeadlineDate="2026-06-30T00:00:00",
        titlePlain=None,
        title=None,
        description="<p>The comment period is extended to 30 June 2026.</p>",
        hsCodeText=None,
        icsCodeText=None,
        objectives=[],
        isOpenForComments=True,
    ),
    eping_item(
        id=90003,
        documentSymbol="G/TBT/N/TPKM/560, G/TBT/N/TPKM/560/Rev.1",
        notifyingMember="Chinese Taipei",
        distributionDate="2026-03-05T00:00:00",
        titlePlain="Amendment to the inspection requirements for secondary lithium cells",
        hsCodeText="850760",
        icsCodeText="29.220.30",
    ),
    eping_item(
        id=90004,
        documentSymbol="G/TBT/N/SGP/80",
        notifyingMember="Singapore",
        distributionDate="2026-03-06T00:00:00",
        titlePlain="Energy labelling of household refrigerators",
        hsCodeText="841821",
        icsCodeText="97.040.30",
        description="<p>Mandatory energy labels.</p>",
    ),
]


def serve_eping(
    server: ReplayServer, items: list[dict[str, Any]] | None = None, page_size: int = 100
) -> None:
    items = EPING_ITEMS if items is None else items
    pages = [items[i : i + page_size] for i in range(0, max(len(items), 1), page_size)]
    for number, chunk in enumerate(pages, start=1):
        server.add(
            "/eping/notifications/search",
            json.dumps({"items": chunk, "totalCount": len(items)}),
            params={"page": str(number), "documentSymbol": None},
            content_type="application/json",
        )
    server.add(
        "/eping/members", json.dumps(EPING_MEMBERS), params={"language": "1"}, content_type="application/json"
    )
    for item in items:
        server.add(
            "/eping/notifications/search",
            json.dumps({"items": [item], "totalCount": 1}),
            params={"documentSymbol": item["documentSymbol"].split(",")[0]},
            content_type="application/json",
        )


EPING_MEMBERS = {
    "items": [
        {"id": "C156", "name": "China"},
        {"id": "C158", "name": "Chinese Taipei"},
        {"id": "C702", "name": "Singapore"},
        {"id": "C840", "name": "United States of America"},
    ]
}


def serve_tbt_sps_cn(server: ReplayServer) -> None:
    """The enquiry point's /tbt/find answer for foreign notifications, with Chinese titles."""
    rows = [
        {
            "areaName": "美国",
            "tbtid": "t-1",
            "tbdate": "2026-03-02",
            "tbtitle": "微出行产品用锂电池安全标准",
            "tbtno": "G/TBT/N/USA/2100",
            "tbtype": "TBT",
        },
        {
            "areaName": "中国台北",
            "tbtid": "t-2",
            "tbdate": "2026-03-05",
            "tbtitle": "二次锂电池法定检验要求修正草案",
            "tbtno": "G/TBT/N/TPKM/560",
            "tbtype": "TBT",
        },
        {
            "areaName": "欧盟",
            "tbtid": "s-9",
            "tbdate": "2026-03-07",
            "tbtitle": "农药最大残留限量",
            "tbtno": "G/SPS/N/EU/800",
            "tbtype": "SPS",
        },
    ]
    server.add("/login/getSession", '{"code":200}', content_type="application/json")
    answer = {"code": 200, "data": {"total": len(rows), "data": rows}}
    server.add(
        "/tbt/find", json.dumps(answer, ensure_ascii=False), method="POST", content_type="application/json"
    )


CNS_DETAIL = """<html><head><meta charset="utf-8"><title>CNS 15598-1</title></head><body>
<div class="detail"><table>
<tr><th>總號</th><td>15598-1</td></tr>
<tr><th>類號</th><td>C4474</td></tr>
<tr><th>中文標準名稱</th><td>電動自行車用鋰離子電池組－第1部：安全要求</td></tr>
<tr><th>英文標準名稱</th>
<td>Lithium-ion battery packs for electrically power assisted cycles - Part 1: Safety</td></tr>
<tr><th>公布日期</th><td>2020/05/13</td></tr>
<tr><th>狀態</th><td>現行</td></tr>
<tr><th>國際標準分類號</th><td>29.220.30</td></tr>
<tr><th>對應國際標準</th><td>IEC 62133-2:2017 (MOD)</td></tr>
</table></div></body></html>"""

CNS_RESULT = """<html><body><table class="result">
<tr><td><a href="/?node=detail&generalno=15598-1&classno=C4474">CNS 15598-1</a></td></tr>
</table></body></html>"""
