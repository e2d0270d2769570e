"""The real app under uvicorn on a loopback port over a temporary data folder loaded with the demo data (plus a
few TBT notifications open for comments today), and Debian's Chromium driven by Playwright.

The browser is /usr/bin/chromium (installed by `./dev setup` with apt-get); Playwright never downloads one.
Screenshots of every main page go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import DEMO_RECORDS, ROOT

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SECRET = "web-test-secret-key-0123456789"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


@dataclass(frozen=True)
class Site:
    url: str
    key: str  # a subscriber's API key
    email: str
    env: dict[str, str]
    backend: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_notifications(today: date) -> list[dict[str, object]]:
    """TBT notifications open for comments relative to today (the demo's real ones all closed years ago)."""

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return [
        {
            "symbol": "G/TBT/N/USA/9901",
            "member": "USA",
            "distribution_date": day(-20),
            "comment_deadline": day(40),
            "title": "Rechargeable power packs",
            "title_zh": "可充电电源组",
            "hs": ["8507.60"],
        },
        {
            "symbol": "G/TBT/N/EU/9902",
            "member": "EU",
            "distribution_date": day(-30),
            "comment_deadline": day(5),
            "title": "Safety of toys",
            "title_zh": "玩具安全",
        },
        {
            "symbol": "G/TBT/N/EU/9902/Add.1",
            "member": "EU",
            "distribution_date": day(-2),
            "comment_deadline": day(25),
            "title": "Safety of toys: comment period extended",
            "title_zh": "玩具安全（延长评议期）",
        },
        {
            "symbol": "G/TBT/N/JPN/9903",
            "member": "JPN",
            "distribution_date": day(-10),
            "comment_deadline": day(3),
            "title": "Labelling of food additives",
            "title_zh": "食品添加剂标签",
        },
        {
            "symbol": "G/TBT/N/CHN/9904",
            "member": "CHN",
            "distribution_date": day(-90),
            "comment_deadline": day(-10),
            "title": "Closed: glass containers",
            "title_zh": "玻璃容器（已截止）",
        },
    ]


def _run(cli: list[str], env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*cli, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"server did not start: {proc.stdout.read().decode() if proc.stdout else ''}")


def _start_site(folder: Path, backend: str, es_url: str | None) -> Iterator[Site]:
    env = {**os.environ, "STDWATCH_DATA_DIR": str(folder), "STDWATCH_SECRET_KEY": SECRET}
    if backend == "elasticsearch":
        assert es_url
        env |= {
            "STDWATCH_SEARCH_BACKEND": "elasticsearch",
            "STDWATCH_ES_URL": es_url,
            "STDWATCH_ES_INDEX": f"test-web-{uuid.uuid4().hex[:10]}",
        }
    cli = [sys.executable, "-m", "api.cli"]
    extra = folder / "open_tbt_notifications.jsonl"
    extra.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in open_notifications(date.today())))
    _run(cli, env, "init")
    _run(cli, env, "load", str(DEMO_RECORDS), str(extra))
    email = "buyer@example.com"
    key = (
        _run(
            cli,
            env,
            "user",
            "create",
            "--email",
            email,
            "--name",
            "Web Tester",
            "--org",
            "Xiamen Batteries",
            "--role",
            "subscriber",
        )
        .strip()
        .splitlines()[-1]
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url, proc)
    yield Site(url, key, email, env, backend)
    proc.terminate()
    proc.wait(timeout=15)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on the embedded SQLite search backend."""
    yield from _start_site(tmp_path_factory.mktemp("web-sqlite"), "sqlite", None)


@pytest.fixture(scope="session")
def es_site(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[Site]:
    """The same app on Elasticsearch."""
    yield from _start_site(tmp_path_factory.mktemp("web-es"), "elasticsearch", es_url)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def any_site(request: pytest.FixtureRequest) -> Site:
    """Each search backend, for the tests whose answer comes from search."""
    found: Site = request.getfixturevalue("site" if request.param == "sqlite" else "es_site")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./dev setup (installs Debian's chromium with apt-get)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


Shot = Callable[[Page, str], None]


@pytest.fixture
def shoot() -> Shot:
    """shoot(page, name): save the page at desktop width and at 360 px, and check no horizontal scrolling."""

    def take(tab: Page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.set_viewport_size(DESKTOP)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
        tab.set_viewport_size(PHONE)
        width = tab.evaluate("document.documentElement.scrollWidth")
        tab.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
        tab.set_viewport_size(DESKTOP)
        assert width <= PHONE["width"], f"{name}: the page scrolls sideways at 360 px ({width} px wide)"

    return take


def sign_in(tab: Page, site: Site, next_path: str = "/subscriptions") -> None:
    tab.goto(f"{site.url}/signin?next={next_path}")
    tab.get_by_label("API 密钥").fill(site.key)
    tab.get_by_role("button", name="登录").click()
