"""`stdwatch demo --no-serve` as a newcomer runs it (a real process): a demo organization with one subscription
of each kind, the scheduler in-process with the crawl jobs off, and the first early-warning emails delivered
through SMTP to the demo's local mail sink (a Maildir), readable with `stdwatch outbox --demo --show ID`."""

from __future__ import annotations

import json
import mailbox
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

import pytest

from alerts.delivery import make_digests
from alerts.mail_sink import MAILDIR_NAME
from alerts.profiles import load_profiles
from alerts.services import Services
from config.settings import CONFIG_DIR, Settings
from scheduler.status import job_table
from search.analysis import Analyzer
from stdwatch.accounts import UNSUBSCRIBE
from stdwatch.signing import Signer
from stdwatch.store import create_engine_for
from stdwatch.store.outbox import EmailRow, NewAlert, OutboxRepository
from tests.alerts.conftest import add_org, add_recipient, add_subscription, make_settings, tbt

ROOT = Path(__file__).resolve().parents[2]
DEMO_RECORDS = ROOT / "stdwatch" / "demo_data" / "records.jsonl"
KEY = "demo-test-secret-0123456789abcdef"


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STDWATCH_")}
    env.update({"STDWATCH_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **extra})
    return env


def _stdwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _raw_messages(folder: Path) -> list[bytes]:
    box = mailbox.Maildir(folder, create=False)
    return [box.get_bytes(key) for key in sorted(box.iterkeys())]


def _messages(folder: Path) -> list[EmailMessage]:
    parsed = []
    for raw in _raw_messages(folder):
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(msg, EmailMessage)
        parsed.append(msg)
    return parsed


def _part(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body((subtype,))
    assert isinstance(part, EmailMessage), f"no text/{subtype} part"
    return str(part.get_content())


def _notifications_with_hs(headings: set[str]) -> set[str]:
    """Symbols of the demo notifications classified under any of the HS headings (independently of StdWatch)."""
    found = set()
    for line in DEMO_RECORDS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("kind") == "tbt_notification" and any(
            str(hs)[:4] in headings for hs in record.get("hs") or []
        ):
            found.add(record["symbol"])
    return found


def _outbox(data_dir: Path) -> list[EmailRow]:
    engine = create_engine_for(f"sqlite:///{data_dir / 'demo' / 'stdwatch.sqlite3'}")
    try:
        return sorted(OutboxRepository(engine).emails(limit=100), key=lambda e: e.id)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "elasticsearch"])
def backend_env(request: pytest.FixtureRequest, analyzer: Analyzer) -> Iterator[dict[str, str]]:
    """The demo on each search backend (matching is in-process either way; loading and indexing differ)."""
    if request.param == "sqlite":
        yield {"STDWATCH_SEARCH_BACKEND": "sqlite"}
        return
    from search.backends.elasticsearch import ElasticsearchBackend

    es_url, index = request.getfixturevalue("es_url"), f"test-demo-{uuid.uuid4().hex[:10]}"
    yield {"STDWATCH_SEARCH_BACKEND": "elasticsearch", "STDWATCH_ES_URL": es_url, "STDWATCH_ES_INDEX": index}
    backend = ElasticsearchBackend(es_url, analyzer, index=index)
    backend.drop()
    backend.close()


def test_demo_ends_with_real_alert_emails_in_the_mail_sink(
    tmp_path: Path, backend_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    env = _env(data_dir, **backend_env)
    run = _stdwatch(env, "demo", "--no-serve")
    assert run.returncode == 0, run.stderr
    out = run.stderr
    assert "210 new" in out and "0 rejected" in out
    assert "STDWATCH_SECRET_KEY is not set: the demo signs its links with a key made for this run" in out
    assert "alerts.flush: ok: sent 3, retried 0, failed 0" in out, out

    # one email per subscription kind, each SENT through SMTP and filed in the Maildir byte for byte
    rows = _outbox(data_dir)
    assert [(r.kind, r.status, r.recipient) for r in rows] == [("digest", "sent", "demo@example.com")] * 3
    maildir = data_dir / "demo" / MAILDIR_NAME
    messages = _messages(maildir)
    assert sorted(m["Message-ID"] for m in messages) == sorted(r.message_id for r in rows)
    for msg in messages:
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["Delivered-To"] == "demo@example.com" and msg["List-Unsubscribe-Post"]

    # the industry profile (lithium batteries: HS 8506, 8507) names every demo notification under those
    # headings, in both parts; the subject names the subscription
    profile = next(m for m in messages if "New energy: lithium batteries" in str(m["Subject"]))
    profiles = load_profiles(CONFIG_DIR / "industry_profiles.toml")
    expected = _notifications_with_hs(set(profiles["lithium_batteries"].hs))
    assert "G/TBT/N/CHN/94" in expected  # the demo data has one: the test is about something real
    for symbol in expected:
        assert symbol in _part(profile, "plain") and symbol in _part(profile, "html")
    assert "关于限制进口电池产品汞含量的公告" in _part(profile, "plain")
    saved_search = next(m for m in messages if "锂电池" in str(m["Subject"]))
    assert "GB 31241-2014" in _part(saved_search, "plain")  # 锂离子电池 in its title
    watch = next(m for m in messages if "关注的标准与通报" in str(m["Subject"]))
    assert "GB 31241-2014 发布新版本：GB 31241-2022" in _part(watch, "plain")

    # the scheduler ran in-process: digests and flush recorded ok, every crawl job paused
    engine = create_engine_for(f"sqlite:///{data_dir / 'demo' / 'stdwatch.sqlite3'}")
    try:
        jobs = {job.id: job for job in job_table(engine)}
    finally:
        engine.dispose()
    assert jobs["alerts.digests"].last_run and jobs["alerts.digests"].last_run.outcome == "ok"
    crawls = [job for job_id, job in jobs.items() if job_id.startswith("crawl.")]
    assert crawls and all(job.next_run is None and job.last_run is None for job in crawls)

    # the demo points at the notification email, and `stdwatch outbox --demo --show` prints it
    profile_row = next(r for r in rows if r.message_id == profile["Message-ID"])
    assert f"read one: stdwatch outbox --demo --show {profile_row.id}" in out
    shown = _stdwatch(_env(data_dir), "outbox", "--demo", "--show", str(profile_row.id))
    assert shown.returncode == 0, shown.stderr
    assert f"Message-ID: {profile_row.message_id}" in shown.stdout
    assert "Subject: StdWatch alert | New energy: lithium batteries" in shown.stdout
    assert "G/TBT/N/CHN/94" in shown.stdout and "HS codes: 8506" in shown.stdout
    assert f"Maildir {maildir}" in shown.stderr
    listing = _stdwatch(_env(data_dir), "outbox", "--demo")
    assert listing.returncode == 0 and "3 sent" in listing.stdout

    # the CLI on the data folder itself finds no store and says how to reach the demo's
    plain = _stdwatch(_env(data_dir, **backend_env), "search", "锂电池")
    assert plain.returncode == 2
    assert plain.stderr.startswith("error: no StdWatch store of record at "), plain.stderr
    assert f"STDWATCH_DATA_DIR={data_dir / 'demo'}" in plain.stderr.replace("\n", "")
    on_demo = _stdwatch(_env(data_dir / "demo", **backend_env), "search", "锂电池", "--format", "json")
    assert on_demo.returncode == 0, on_demo.stderr
    assert "GB 31241-2014" in on_demo.stdout


def test_the_demo_signs_links_with_the_configured_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = _stdwatch(_env(data_dir, STDWATCH_SECRET_KEY=KEY), "demo", "--no-serve", "--port", "8123")
    assert run.returncode == 0, run.stderr
    assert "STDWATCH_SECRET_KEY is not set" not in run.stderr
    maildir = data_dir / "demo" / MAILDIR_NAME
    [first, *_] = _messages(maildir)
    link = str(first["List-Unsubscribe"]).strip("<>")
    assert link.startswith("http://127.0.0.1:8123/api/unsubscribe?token=")  # where the demo serves
    for raw in _raw_messages(maildir):  # a bare URL, as mail clients need it
        assert b"\nList-Unsubscribe: <http://127.0.0.1:8123/api/unsubscribe?token=" in raw
    token = parse_qs(urlparse(link).query)["token"][0]
    recipient = Signer(KEY).verify(UNSUBSCRIBE, token)["r"]
    assert isinstance(recipient, int)

    short = _stdwatch(_env(tmp_path / "other", STDWATCH_SECRET_KEY="short"), "demo", "--no-serve")
    assert (
        short.returncode == 2 and "STDWATCH_SECRET_KEY must be set to at least 16 characters" in short.stderr
    )
    assert not (tmp_path / "other" / "demo").exists()  # refused before touching anything
    assert _stdwatch(_env(data_dir), "outbox", "--demo", "--flush").returncode == 2


def test_a_deployment_without_a_key_still_refuses_to_make_digests(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'stdwatch.sqlite3'}"
    settings: Settings = make_settings(tmp_path, url, 25).model_copy(update={"secret_key": None})
    services = Services.from_settings(settings)
    try:
        engine = services.repo.engine
        services.repo.upsert_many([tbt("G/TBT/N/CHN/94", "CHN", title_zh="关于限制进口电池产品汞含量的公告")])
        sub = add_subscription(engine, add_org(engine), "电池")
        add_recipient(engine, sub, "qa@example.com")
        now = datetime.now(UTC)
        OutboxRepository(engine).add_alerts([NewAlert(sub, "g-tbt-n-chn-94", 1, "new")], now=now)
        with pytest.raises(ValueError, match="STDWATCH_SECRET_KEY must be set"):
            make_digests(services, now + timedelta(seconds=1))
        assert OutboxRepository(engine).emails() == []
    finally:
        services.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_second_demo_refuses_while_one_runs(tmp_path: Path) -> None:
    """Two real processes: a serving demo holds the lock; a second one exits 2 and leaves its data alone."""
    data_dir, port = tmp_path / "data", _free_port()
    env = _env(data_dir, STDWATCH_SECRET_KEY=KEY)
    first = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "demo", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr is not None
        for line in first.stderr:  # the demo says so once loaded, then serves
            if line.startswith("serving on"):
                break
        else:
            pytest.fail(f"the first demo ended: {first.wait()}")
        drain = first.stderr  # keep reading what the server logs, or a full pipe would stall it
        threading.Thread(target=lambda: [None for _ in drain], daemon=True).start()
        store = data_dir / "demo" / "stdwatch.sqlite3"
        inode = store.stat().st_ino
        second = _stdwatch(env, "demo", "--no-serve")
        assert second.returncode == 2, second.stderr
        assert second.stderr.startswith(f"error: another `stdwatch demo` (pid {first.pid}) is using "), (
            second.stderr
        )
        assert store.stat().st_ino == inode  # not deleted and recreated under the running server
        with urlopen(
            f"http://127.0.0.1:{port}/api/search?q=%E9%94%82%E7%94%B5%E6%B1%A0", timeout=30
        ) as answer:
            assert json.load(answer)["total"] > 0
    finally:
        first.terminate()
        first.wait(timeout=60)
    # once the first has ended, the lock is free again
    third = _stdwatch(env, "demo", "--no-serve")
    assert third.returncode == 0, third.stderr
