"""The web interface in a real headless Chromium against the real server (tests/web/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import openpyxl
from playwright.sync_api import Page, expect

from tests.web.conftest import SCREENSHOTS, Shot, Site, sign_in


def _params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _total(page: Page) -> int:
    text = page.locator(".total").inner_text()
    return int(re.sub(r"\D", "", text))


def test_traditional_characters_find_simplified_records(any_site: Site, page: Page, shoot: Shot) -> None:
    page.goto(f"{any_site.url}/")
    page.get_by_label("检索词").fill("鋰電池")
    page.get_by_label("检索词").press("Enter")
    page.wait_for_url(re.compile(r"q="))
    assert _params(page)["q"] == ["鋰電池"]
    titles = page.locator(".hit .title").all_inner_texts()
    assert len(titles) >= 3
    assert all("锂" in title for title in titles[:3]), titles
    # the highlight marks the simplified text that matched the traditional query
    assert page.locator(".hit .title mark").first.inner_text().startswith("锂")
    if any_site.backend == "sqlite":
        shoot(page, "search")
        page.set_viewport_size({"width": 1280, "height": 800})
        # README's picture (docs/screenshot-search.png) is copied from here by hand: tests never write the tree
        page.screenshot(path=str(SCREENSHOTS / "readme-search.png"))


def test_a_facet_click_narrows_the_results_and_the_address(any_site: Site, page: Page) -> None:
    page.goto(f"{any_site.url}/?q=电池")
    before = _total(page)
    standards = page.locator('ul[data-facet="kind"] a', has_text="标准")
    expected = int(standards.locator("xpath=following-sibling::span").inner_text())
    standards.click()
    page.wait_for_url(re.compile(r"kind=standard"))
    assert _params(page) == {"q": ["电池"], "kind": ["standard"]}
    after = _total(page)
    assert after == expected and 0 < after < before
    kinds = page.locator(".hit .badge.kind").all_inner_texts()
    assert kinds and set(kinds) == {"标准"}
    # the filter shows as a chip whose link takes it away again
    page.locator(".chips a").first.click()
    page.wait_for_url(lambda url: "kind=" not in url)
    assert _total(page) == before


def test_the_page_carries_the_whole_state_in_the_address(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/?q=电池&sort=newest&size=3&page=2")
    assert page.get_by_label("排序").input_value() == "newest"
    dates = page.locator(".hit time").all_inner_texts()
    assert dates == sorted(dates, reverse=True) and len(dates) == 3
    assert page.locator("ol.hits").get_attribute("start") == "4"
    assert page.get_by_label("检索词").input_value() == "电池"
    page.get_by_role("link", name="下一页").click()
    assert _params(page)["page"] == ["3"] and _params(page)["sort"] == ["newest"]


def test_a_document_page_shows_the_addenda_chain(site: Site, page: Page, shoot: Shot) -> None:
    page.goto(f"{site.url}/?q=G/TBT/N/HKG/44")
    page.locator(".hit a", has_text=re.compile(r"G/TBT/N/HKG/44(?!/)")).first.click()
    page.wait_for_url(re.compile(r"/documents/g-tbt-n-hkg-44$"))
    chain = page.locator("ol.chain li")
    assert chain.count() == 2
    expect(chain.nth(0)).to_have_attribute("aria-current", "page")
    addendum = chain.nth(1).get_by_role("link", name="G/TBT/N/HKG/44/Add.1")
    expect(chain.nth(1)).to_contain_text("补遗")
    # the final date for comments in force is the addendum's (2013-02-04), long closed
    expect(page.locator("#deadline-h + p time")).to_have_text("2013-02-04")
    expect(page.locator(".deadline .left")).to_contain_text("已截止")
    shoot(page, "document-tbt")
    addendum.click()
    page.wait_for_url(re.compile(r"/documents/g-tbt-n-hkg-44-add"))
    expect(page.locator("ol.chain li.here")).to_contain_text("G/TBT/N/HKG/44/Add.1")
    expect(page.locator("ol.chain").get_by_role("link", name="G/TBT/N/HKG/44")).to_be_visible()


def test_a_standard_page_links_predecessor_and_successor(site: Site, page: Page, shoot: Shot) -> None:
    record = httpx.get(f"{site.url}/api/documents/gb-t-24823-2024").json()
    page.goto(f"{site.url}/documents/gb-t-24823-2024")
    expect(page.locator("h1")).to_contain_text("GB/T 24823-2024")
    status = record["record"].get("status") or "unknown"
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", status)
    for code in record["record"].get("replaces") or []:
        expect(page.locator("ol.timeline")).to_contain_text(code)
    shoot(page, "document-standard")


def test_the_warning_board_lists_open_notifications_soonest_first(
    site: Site, page: Page, shoot: Shot
) -> None:
    page.goto(f"{site.url}/warnings")
    symbols = page.locator("table.warnings tbody tr td:nth-child(3)").all_inner_texts()
    left = page.locator("table.warnings tbody tr td:nth-child(2)").all_inner_texts()
    # the EU notification's deadline is the one its addendum set (25 days), not the first one (5 days)
    assert symbols == ["G/TBT/N/JPN/9903", "G/TBT/N/EU/9902", "G/TBT/N/USA/9901"]
    assert left == ["3", "25", "40"]
    shoot(page, "warnings")
    page.get_by_label("通报成员").select_option("EU")
    page.get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile(r"member=EU"))
    assert page.locator("table.warnings tbody tr td:nth-child(3)").all_inner_texts() == ["G/TBT/N/EU/9902"]
    page.goto(f"{site.url}/warnings?profile=lithium_batteries")
    assert page.locator("table.warnings tbody tr td:nth-child(3)").all_inner_texts() == ["G/TBT/N/USA/9901"]
    assert (
        httpx.get(f"{site.url}/api/warnings", params={"profile": "lithium_batteries"}).json()[
            "notifications"
        ][0]["symbol"]
        == "G/TBT/N/USA/9901"
    )


def test_a_subscription_is_created_from_a_search(site: Site, page: Page, shoot: Shot) -> None:
    page.goto(f"{site.url}/?q=锂电池&kind=tbt_notification")
    page.get_by_role("link", name="登录后可订阅此检索").click()
    page.get_by_label("API 密钥").fill(site.key)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/\?q="))
    assert _params(page) == {"q": ["锂电池"], "kind": ["tbt_notification"]}
    page.get_by_role("button", name="订阅此检索").click()
    page.wait_for_url(re.compile(r"/subscriptions/\d+\?done=created"))
    expect(page.locator(".flash")).to_contain_text("订阅已创建")
    sub_id = int(re.search(r"/subscriptions/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    stored = httpx.get(f"{site.url}/api/subscriptions/{sub_id}", headers={"X-API-Key": site.key}).json()
    assert stored["kind"] == "search" and stored["name"] == "锂电池"
    assert stored["query"] == {"q": ["锂电池"], "kind": ["tbt_notification"]}
    assert [r["email"] for r in stored["recipients"]] == [site.email]
    shoot(page, "subscription")
    # edit: weekly, a second address
    expect(page.get_by_label(re.compile("检索条件"))).to_have_value("q=锂电池&kind=tbt_notification")
    page.get_by_label("频率").select_option("weekly")
    page.get_by_label("接收邮箱，每行一个").fill(f"{site.email}\nlab@example.com")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"done=saved"))
    stored = httpx.get(f"{site.url}/api/subscriptions/{sub_id}", headers={"X-API-Key": site.key}).json()
    assert stored["frequency"] == "weekly"
    assert stored["query"] == {
        "q": ["锂电池"],
        "kind": ["tbt_notification"],
    }  # the form kept the search as it was
    assert sorted(r["email"] for r in stored["recipients"]) == sorted([site.email, "lab@example.com"])
    page.get_by_role("link", name=re.compile("预览")).click()
    expect(page.locator("h2")).to_contain_text("30")
    page.goto(f"{site.url}/subscriptions")
    expect(page.locator("table.subscriptions")).to_contain_text("锂电池")
    shoot(page, "subscriptions")


def test_a_subscription_can_be_deleted(site: Site, page: Page) -> None:
    sign_in(page, site, "/subscriptions/new")
    page.get_by_label("名称").fill("关注清单")
    page.get_by_label("标准关注清单").check()
    page.get_by_label("标准号或通报号，每行一个").fill("GB/T 24823-2024\nG/TBT/N/HKG/44")
    page.get_by_role("button", name="创建订阅").click()
    page.wait_for_url(re.compile(r"done=created"))
    sub_id = int(re.search(r"/subscriptions/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除此订阅").click()
    page.wait_for_url(re.compile(r"done=deleted"))
    gone = httpx.get(f"{site.url}/api/subscriptions/{sub_id}", headers={"X-API-Key": site.key})
    assert gone.status_code == 404


def test_a_bad_subscription_form_says_what_is_wrong_and_keeps_the_input(site: Site, page: Page) -> None:
    sign_in(page, site, "/subscriptions/new")
    page.get_by_label("名称").fill("坏的检索")
    page.get_by_label(re.compile("检索条件")).fill("q=电池&member=XYZ")
    page.get_by_role("button", name="创建订阅").click()
    expect(page.locator("#form-error")).to_contain_text("query.member")
    expect(page.get_by_label("名称")).to_have_value("坏的检索")


def _sheet(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [
        ["标准号", "备注"],
        ["GB/T 24823-2024", "车间"],
        ["GB/T 99999-2099", ""],
        ["not a code", ""],
        [None, "no code"],
        ["GB 31241-2014", ""],
    ]:
        sheet.append(row)
    book.save(path)
    return path


def test_a_bulk_check_round_trips_a_sheet(site: Site, page: Page, shoot: Shot, tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "我们的标准.xlsx")
    expected = httpx.post(
        f"{site.url}/api/check", files={"file": (sheet.name, sheet.read_bytes())}, data={"profile": "generic"}
    ).json()
    page.goto(f"{site.url}/check")
    page.get_by_label("标准清单文件").set_input_files(str(sheet))
    page.get_by_role("button", name="核查").click()
    rows = page.locator("table.report tbody tr")
    expect(rows).to_have_count(5)
    shown = [rows.nth(i).locator("[data-status]").get_attribute("data-status") for i in range(5)]
    assert shown == [line["status"] for line in expected]
    assert shown[0] == "current" and shown[4] == "replaced"
    assert "not in database" in shown and "rejected" in shown
    expect(rows.nth(4)).to_contain_text("GB 31241-2022")  # the successor
    shoot(page, "check")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Excel 报告").click()
    report = tmp_path / "report.xlsx"
    info.value.save_as(report)
    lines = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert lines[0] == ("row", "listed", "found", "status", "replaced_by", "note")
    assert [line[3] for line in lines[1:]] == shown
    assert [line[1] for line in lines[1:]][:2] == ["GB/T 24823-2024", "GB/T 99999-2099"]
    assert lines[5][4] == "GB 31241-2022"
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 CSV 报告").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "row,listed,found,status,replaced_by,note"
    assert len(text.splitlines()) == 6


def test_email_links_land_on_pages(site: Site, page: Page) -> None:
    from stdwatch.accounts import confirm_link, unsubscribe_link
    from stdwatch.signing import Signer
    from tests.web.conftest import SECRET

    created = httpx.post(
        f"{site.url}/api/subscriptions",
        headers={"X-API-Key": site.key},
        json={
            "name": "邮件链接",
            "kind": "watchlist",
            "codes": ["GB/T 24823-2024"],
            "emails": ["x@example.com"],
        },
    ).json()
    recipient = created["recipients"][0]["id"]
    signer = Signer(SECRET)
    # the links exactly as the emails carry them (/api/...): a browser lands on the pages
    page.goto(confirm_link(signer, site.url, recipient))
    assert urlparse(page.url).path == "/subscriptions/confirm"
    expect(page.locator("[data-link-status]")).to_have_attribute("data-link-status", "confirmed")
    link = unsubscribe_link(signer, site.url, recipient)
    page.goto(link)
    assert urlparse(page.url).path == "/unsubscribe"
    expect(page.locator("[data-link-status]")).to_have_attribute("data-link-status", "subscribed")
    assert httpx.get(link).json()["status"] == "subscribed"  # a program still gets the JSON answer
    page.get_by_role("button", name="确认退订").click()
    expect(page.locator("[data-link-status]")).to_have_attribute("data-link-status", "unsubscribed")
    stored = httpx.get(
        f"{site.url}/api/subscriptions/{created['id']}", headers={"X-API-Key": site.key}
    ).json()
    assert stored["recipients"][0]["status"] == "unsubscribed"
    page.goto(f"{site.url}/unsubscribe?token=forged")
    expect(page.locator(".error")).to_contain_text("not valid")


def test_the_result_set_is_exported_from_the_search_page(site: Site, page: Page, tmp_path: Path) -> None:
    page.goto(f"{site.url}/?q=电池&kind=standard&page=2&size=2")
    total = _total(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    lines = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == total + 1  # a header and every hit, not one page
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    info.value.save_as(tmp_path / "export.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "export.xlsx").active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert len(rows) == total + 1


def test_english_is_one_click_away_and_remembered(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/?q=锂电池")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("link", name=re.compile("English")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert _params(page)["q"] == ["锂电池"]
    page.get_by_role("link", name="TBT early warning").click()
    expect(page.locator("h1")).to_contain_text("open for comments")


def test_api_docs_load_without_any_outside_host(site: Site, page: Page) -> None:
    html = httpx.get(f"{site.url}/docs").text
    for url in re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html):
        assert not re.match(r"(https?:)?//", url), url
        assert httpx.get(f"{site.url}{url}").status_code == 200, url
    outside: list[str] = []
    page.on("request", lambda r: None if unquote(r.url).startswith(site.url) else outside.append(r.url))
    page.goto(f"{site.url}/docs")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("StdWatch")
    expect(page.locator(".opblock-summary-path", has_text="/api/search").first).to_be_visible()
    assert outside == []
