"""The studies pages: in a real Chromium against the real server (tests/web/conftest.py), a curator creates a
study and imports a sheet with one bad row, a second curator publishes it, a reader finds it by search and on
the standard's page and downloads it; axe on the list, study page and editor; and, without a browser, CSRF and
the curator rule on every new form.

The browser tests run on the SQLite site only: study search is evaluated in Python over the store (see
api/studies/search.py), so neither search backend is involved in anything these pages show."""

from __future__ import annotations

import io
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, Page, expect

from stdwatch.accounts import Role
from stdwatch.store.studies import StudyRepository
from stdwatch.studies.model import Status
from tests.accounts.conftest import MakeUser, accounts, app_settings, client, make_user, services
from tests.studies.conftest import HEADER, ROWS
from tests.web.conftest import DESKTOP, Shot, Site, _run
from tests.web.test_accessibility import _check

__all__ = ["accounts", "app_settings", "client", "make_user", "services"]

TITLE = "玩具 特定元素迁移 比对 GB 6675.4 与 CNS 4797-3 (浏览器测试)"


def sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Curator:
    email: str
    key: str


def _curator(site: Site, name: str) -> Curator:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@xrc.example"
    out = _run([sys.executable, "-m", "api.cli"], site.env, "user", "create", "--email", email, "--name", name,
               "--org", "Xiamen Research Center", "--role", "curator")  # fmt: skip
    return Curator(email, out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def curators(site: Site) -> tuple[Curator, Curator]:
    return _curator(site, "Author"), _curator(site, "Reviewer")


@pytest.fixture
def tabs(browser: Browser) -> Iterator[list[Page]]:
    """Separate browsers (contexts): each person has their own cookies."""
    contexts = []

    def opened() -> Page:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        return tab

    yield [opened(), opened(), opened()]
    for context in contexts:
        context.close()


def _sign_in(tab: Page, site: Site, key: str, next_path: str) -> None:
    tab.goto(f"{site.url}/signin?next={next_path}")
    tab.get_by_label(re.compile("API 密钥|API key")).fill(key)
    tab.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    tab.wait_for_url(re.compile(re.escape(next_path) + "$"))


def _create_in_browser(tab: Page, site: Site) -> int:
    tab.goto(f"{site.url}/studies/new")
    tab.get_by_label("标题").fill(TITLE)
    tab.get_by_label("国内标准").fill("GB 6675.4-2014")
    tab.get_by_label("国外/国际标准").fill("CNS 4797-3:2015")
    tab.get_by_label("一致性程度").select_option("MOD")
    tab.get_by_label("目的").fill("比较玩具材料中特定元素迁移限量。")
    tab.get_by_label("条目为示例（非标准原文引用）").check()
    tab.get_by_role("button", name="创建草稿").click()
    tab.wait_for_url(re.compile(r"/studies/\d+/edit\?done=created$"))
    expect(tab.locator(".flash")).to_contain_text("草稿已创建")
    return int(re.findall(r"/studies/(\d+)/edit", tab.url)[0])


def test_a_study_from_the_curator_to_a_reader(
    site: Site, tabs: list[Page], curators: tuple[Curator, Curator], shoot: Shot, tmp_path: Path
) -> None:
    author_tab, reviewer_tab, reader = tabs
    author, reviewer = curators

    # the author creates the study and imports a sheet with one bad row: the page names the row
    _sign_in(author_tab, site, author.key, "/studies/new")
    sid = _create_in_browser(author_tab, site)
    items = tmp_path / "items.xlsx"
    items.write_bytes(sheet([HEADER, *ROWS]))
    author_tab.get_by_label("条目表（.xlsx）").set_input_files(str(items))
    author_tab.get_by_role("button", name="导入").click()
    result = author_tab.locator(".import-result")
    expect(result).to_contain_text("已导入 3 行，1 行有错误未导入")
    bad = result.locator("table.rejected tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.first).to_have_attribute("data-row", "4")
    expect(bad.first).to_contain_text("第 4 行")
    expect(bad.first).to_contain_text("'V'")
    shoot(author_tab, "study-editor")

    # submitting works; publishing one's own study is refused with the API's message, on the page
    author_tab.goto(f"{site.url}/studies/{sid}")
    author_tab.get_by_role("button", name="提交审核").click()
    author_tab.wait_for_url(re.compile(r"done=submit$"))
    expect(author_tab.locator("[data-status]").first).to_have_attribute("data-status", "in_review")
    author_tab.get_by_role("button", name="发布").click()
    expect(author_tab.locator("#workflow-error")).to_contain_text("other than the one who wrote it")
    expect(author_tab.locator("[data-status]").first).to_have_attribute("data-status", "in_review")

    # a second curator publishes it, with a note kept in the history
    _sign_in(reviewer_tab, site, reviewer.key, f"/studies/{sid}")
    reviewer_tab.get_by_label("说明（记入历史，可选）").fill("数值已核对")
    reviewer_tab.get_by_role("button", name="发布").click()
    reviewer_tab.wait_for_url(re.compile(r"done=publish$"))
    expect(reviewer_tab.locator("[data-status]").first).to_have_attribute("data-status", "published")
    history = reviewer_tab.locator(".curator ol.timeline li")
    expect(history.last).to_contain_text("数值已核对")
    expect(history.last).to_contain_text(reviewer.email)

    # a reader, not signed in, finds it by words (traditional characters too) on /studies
    reader.goto(f"{site.url}/studies")
    reader.get_by_label("检索比对研究").fill("玩具 遷移 瀏覽器測試")
    reader.get_by_label("检索比对研究").press("Enter")
    reader.wait_for_url(re.compile(r"/studies\?q="))
    hits = reader.locator(".study-hit a.title")
    expect(hits).to_have_count(1)
    expect(hits.first).to_have_text(TITLE)
    shoot(reader, "studies")
    hits.first.click()
    reader.wait_for_url(re.compile(rf"/studies/{sid}$"))
    expect(reader.locator(".illustrative-note")).to_contain_text("示例")
    counts = {
        row.get_attribute("data-judgment"): row.locator("td").inner_text()
        for row in reader.locator("table.summary tbody tr").all()
    }
    assert counts == {"equivalent": "2", "looser": "1"}
    judged = reader.locator("table.comparison [data-judgment]").evaluate_all(
        "cells => cells.map(c => c.dataset.judgment)"
    )
    assert judged == ["equivalent", "looser", "equivalent"]
    expect(reader.locator("#workflow-h")).to_have_count(0)  # no curator panel for a reader
    shoot(reader, "study")

    # the export downloads as the same study
    with reader.expect_download() as download:
        reader.get_by_role("link", name="下载 Excel（.xlsx）").click()
    assert download.value.suggested_filename == f"study-{sid}.xlsx"
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["summary", "items"]
    indicators = [r[1] for r in book["items"].iter_rows(min_row=2, values_only=True)]
    assert indicators == ["铅 Pb", "镉 Cd", "铬 Cr"]
    report = httpx.get(f"{site.url}/studies/{sid}/report?format=md")
    assert report.status_code == 200 and TITLE in report.text and "ILLUSTRATIVE" in report.text

    # and through the standard's document page, which links back to the study
    reader.get_by_role("link", name="GB 6675.4-2014").click()
    reader.wait_for_url(re.compile(r"/documents/"))
    citing = reader.locator("ul.studies-citing li", has_text=TITLE)
    expect(citing).to_contain_text("作为国内标准")
    citing.get_by_role("link").click()
    reader.wait_for_url(re.compile(rf"/studies/{sid}$"))

    # 对标达标: a product's indicators against the published study, as a downloaded .xlsx
    product = tmp_path / "product.xlsx"
    product.write_bytes(
        sheet([["indicator", "value", "unit"], ["铅 Pb", 0.05, "g/kg"], ["镉 Cd", 80, "mg/kg"]])
    )
    reader.get_by_label("产品指标表").set_input_files(str(product))
    with reader.expect_download() as bench:
        reader.get_by_role("button", name="对标并下载").click()
    assert bench.value.suggested_filename == f"benchmark-study-{sid}.xlsx"
    judged_book = load_workbook(io.BytesIO(bench.value.path().read_bytes()))
    text = " ".join(str(c) for ws in judged_book for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "meets" in text and "does not meet" in text


def _study_over_api(site: Site, author: Curator, reviewer: Curator) -> int:
    def auth(c: Curator) -> dict[str, str]:
        return {"Authorization": f"Bearer {c.key}"}

    body = {"title": "玩具 比对 (axe)", "domestic": ["GB 6675.4-2014"], "counterparts": ["CNS 4797-3:2015"],
            "illustrative": True, "degree": "MOD", "purpose": "axe 检查用"}  # fmt: skip
    created = httpx.post(f"{site.url}/api/studies", json=body, headers=auth(author))
    assert created.status_code == 201, created.text
    sid = int(created.json()["id"])
    files = {"file": ("items.xlsx", sheet([HEADER, *ROWS]), "application/octet-stream")}
    assert httpx.post(
        f"{site.url}/api/studies/{sid}/items/import", files=files, headers=auth(author)
    ).is_success
    assert httpx.post(f"{site.url}/api/studies/{sid}/submit", headers=auth(author)).is_success
    assert httpx.post(f"{site.url}/api/studies/{sid}/publish", headers=auth(reviewer)).is_success
    return sid


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_studies_pages_pass_axe(
    site: Site, page: Page, curators: tuple[Curator, Curator], lang: str
) -> None:
    author, reviewer = curators
    sid = _study_over_api(site, author, reviewer)
    page.goto(f"{site.url}/studies?lang={lang}")
    for path in ["/studies", "/studies?q=玩具", f"/studies/{sid}"]:
        _check(page, f"{site.url}{path}")
    _sign_in(page, site, author.key, "/studies/new")
    draft = httpx.post(
        f"{site.url}/api/studies",
        json={"title": "草稿 (axe)", "domestic": ["GB 6675.4-2014"], "counterparts": ["EN 71-3:2019"]},
        headers={"Authorization": f"Bearer {author.key}"},
    ).json()["id"]
    for path in [
        "/studies/new",
        f"/studies/{draft}",
        f"/studies/{draft}/edit",
        f"/studies/{sid}",
        "/studies?status=draft",
    ]:
        _check(page, f"{site.url}{path}")


# ---------------------------------------------------------------------------------------------- without a browser
def _token(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _signed_in(client: TestClient, key: str) -> None:
    response = client.post(
        "/signin", data={"csrf_token": _token(client, "/signin"), "key": key, "next": "/studies"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303


FORM = {"title": "比对", "domestic": "GB 6675.4-2014", "counterparts": "CNS 4797-3:2015", "degree": "MOD"}


def _new_study(client: TestClient) -> int:
    response = client.post("/studies/new", data={**FORM, "csrf_token": _token(client, "/studies/new")},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return int(re.findall(r"/studies/(\d+)/edit", response.headers["location"])[0])


def _repo(client: TestClient) -> StudyRepository:
    return StudyRepository(client.app.state.services.repo.engine)  # type: ignore[attr-defined]


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_every_study_form_refuses_a_post_without_the_right_csrf_token(
    client: TestClient, make_user: MakeUser, token: str | None
) -> None:
    _, key = make_user(Role.CURATOR)
    _signed_in(client, key)
    sid = _new_study(client)
    before = _repo(client).get(sid)
    assert before is not None
    extra = {"csrf_token": token} if token is not None else {}
    posts = [
        ("/studies/new", {**FORM, "title": "another"}, None),
        (f"/studies/{sid}/edit", {**FORM, "title": "changed"}, None),
        (f"/studies/{sid}/move", {"action": "submit"}, None),
        (f"/studies/{sid}/import", {}, {"file": ("items.xlsx", sheet([HEADER, *ROWS]))}),
        (f"/studies/{sid}/benchmark", {}, {"file": ("p.xlsx", sheet([["indicator", "value", "unit"]]))}),
    ]
    for path, data, files in posts:
        response = client.post(path, data={**data, **extra}, files=files, follow_redirects=False)
        assert response.status_code == 403, path
        assert "表单已过期" in response.text, path
    after = _repo(client).get(sid)
    assert after is not None and after.revision == before.revision and after.status is Status.DRAFT
    assert len(_repo(client).in_status(list(Status))) == 1


def test_the_editor_is_for_curators_and_the_api_refusals_show_on_the_page(
    client: TestClient, make_user: MakeUser
) -> None:
    assert client.get("/studies/new", follow_redirects=False).headers["location"].startswith("/signin")
    _, subscriber = make_user(Role.SUBSCRIBER)
    _signed_in(client, subscriber)
    refused = client.get("/studies/new")
    assert refused.status_code == 403 and "curator" in refused.text
    _, key = make_user(Role.CURATOR)
    _signed_in(client, key)

    # a code that is not one: 422 naming the field, and the form keeps what was typed
    bad = client.post(
        "/studies/new", data={**FORM, "domestic": "not a code", "csrf_token": _token(client, "/studies/new")}
    )
    assert bad.status_code == 422
    assert "domestic[0]" in bad.text and 'value="比对"' in bad.text and "not a code" in bad.text
    assert _repo(client).in_status(list(Status)) == []

    sid = _new_study(client)
    token = _token(client, f"/studies/{sid}")
    # publishing an empty draft: the API's 403 (not in review) shown on the study page
    moved = client.post(f"/studies/{sid}/move", data={"action": "publish", "csrf_token": token})
    assert moved.status_code == 403 and "publish moves a study from in_review" in moved.text
    # a file that is not a sheet: 422 on the editor, nothing imported
    junk = client.post(
        f"/studies/{sid}/import", data={"csrf_token": token}, files={"file": ("x.xlsx", b"%PDF")}
    )
    assert junk.status_code == 422 and "not a readable .xlsx file" in junk.text
    # an unknown action
    assert (
        client.post(f"/studies/{sid}/move", data={"action": "explode", "csrf_token": token}).status_code
        == 422
    )
    stored = _repo(client).get(sid)
    assert stored is not None and stored.status is Status.DRAFT and stored.content.items == ()
    # drafts are not shown to readers
    client.cookies.delete("stdwatch_session")
    assert client.get(f"/studies/{sid}").status_code == 404
