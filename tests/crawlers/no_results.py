"""SYNTHETIC "no results" answers: no source's answer to a look-up of an unknown code was ever recorded
(../shared/samples holds none), so each is made from that source's real answer with the rows taken out, or, for
the API sources without recordings, from their documented field names. Each serves one code only, so the
recorded hits keep working beside it."""

from __future__ import annotations

import json
import re

from tests.crawlers import sites
from tests.crawlers.replay import ReplayServer

JSON = "application/json;charset=UTF-8"


def openstd_list() -> str:
    """The real GB/T 1.1 list page with its rows removed and its count set to 0."""
    page = sites.read(sites.OPENSTD_LIST_GBT11)
    page = re.sub(
        r'(<tbody style="border:1px solid #ddd;[^>]*>).*?(</tbody>)', r"\1\2", page, count=1, flags=re.S
    )
    return page.replace("&nbsp;3&nbsp;", "&nbsp;0&nbsp;")


def ttbz_search() -> str:
    """The real ttbz search page with its one result row removed ("共计0条标准")."""
    page = sites.read(sites.TTBZ / "Home_Standard_search_TGZAEPI001-2018_2022-07-19.html")
    page = re.sub(r"<tr><td>1</td>.*?</tr>", "", page, count=1, flags=re.S)
    return page.replace("共计1条标准", "共计0条标准")


def serve_openstd(server: ReplayServer, code: str) -> None:
    server.add("/bzgk/std/std_list", openstd_list(), params={"p.p2": code})


def serve_samr_std(server: ReplayServer, code: str) -> None:
    empty = json.dumps({"total": 0, "pageNumber": 1, "rows": []})
    server.add("/gb/search/gbQueryPage", empty, params={"searchText": code}, content_type=JSON)
    server.add("/gb/search/gbAdvancedSearchPage", empty, params={"std_p7": code}, content_type=JSON)


def serve_sacinfo(server: ReplayServer, code: str) -> None:
    """hbba and dbba: the real stdQueryList keys with an empty `records` list."""
    empty = {"current": 1, "pages": 0, "records": [], "searchCount": True, "size": 50, "total": 0}
    server.add("/stdQueryList", json.dumps(empty), method="POST", params={"key": code}, content_type=JSON)


def serve_ttbz(server: ReplayServer, code: str) -> None:
    server.add("/Home/Standard", ttbz_search(), params={"searchType": "2", "key": code})


def serve_eping(server: ReplayServer, symbol: str) -> None:
    empty = json.dumps({"items": [], "totalCount": 0})
    server.add("/eping/notifications/search", empty, params={"documentSymbol": symbol}, content_type=JSON)


def serve_tbt_sps_cn(server: ReplayServer, symbol: str) -> None:
    server.add("/login/getSession", '{"code":200}', content_type=JSON)
    empty = json.dumps({"code": 200, "data": {"total": 0, "data": []}})
    server.add("/tbt/find", empty, method="POST", params={"keyword": symbol}, content_type=JSON)


def serve_cns(server: ReplayServer, general_no: str) -> None:
    page = "<html><body><div class='result'><p>查無資料</p></div></body></html>"
    server.add("/", page, params={"node": "result", "generalno": general_no})
