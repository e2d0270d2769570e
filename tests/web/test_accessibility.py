"""axe-core (through Playwright) on every page, in both languages: no serious or critical violation, and no
horizontal scrolling at 360 px."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.web.conftest import PHONE, Site, sign_in

PAGES = [
    "/",
    "/?q=锂电池",
    "/?q=电池&kind=standard&sort=newest&page=2",
    "/?q=nothing-matches-this-zzz",
    "/documents/g-tbt-n-hkg-44",
    "/documents/gb-t-24823-2024",
    "/warnings",
    "/warnings?profile=lithium_batteries",
    "/check",
    "/signin",
    "/documents/no-such-document",
]
SIGNED_IN_PAGES = ["/subscriptions", "/subscriptions/new"]


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _check(page: Page, url: str) -> None:
    page.goto(url)
    assert _serious(page) == [], url
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width} px wide at 360 px"
    assert _serious(page) == [], f"{url} at 360 px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_passes_axe(site: Site, page: Page, lang: str) -> None:
    page.goto(f"{site.url}/?lang={lang}")
    for path in PAGES:
        _check(page, f"{site.url}{path}")
    sign_in(page, site) if lang == "zh" else _sign_in_en(page, site)
    page.goto(f"{site.url}/?q=锂电池")
    page.get_by_role("button", name=re.compile("订阅此检索|Subscribe to this search")).click()
    page.wait_for_url(re.compile(r"/subscriptions/\d+"))
    sub = page.url.split("?")[0]
    for url in [f"{site.url}{p}" for p in SIGNED_IN_PAGES] + [sub, f"{sub}/preview?days=30"]:
        _check(page, url)


def _sign_in_en(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/signin")
    page.get_by_label("API key").fill(site.key)
    page.get_by_role("button", name="Sign in").click()


def test_the_check_result_page_passes_axe(site: Site, page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sheet = tmp_path / "list.csv"
    sheet.write_text("标准号\nGB/T 24823-2024\nGB/T 1-1900\n", encoding="utf-8")
    page.goto(f"{site.url}/check")
    page.get_by_label("标准清单文件").set_input_files(str(sheet))
    page.get_by_role("button", name="核查").click()
    page.locator("table.report").wait_for()
    assert _serious(page) == []
