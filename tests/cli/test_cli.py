"""The `stdwatch` command as a user runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from config.settings import get_settings
from tests.conftest import ROOT

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def initialized(data_dir: Path) -> Path:
    """A data folder `stdwatch init` has set up (only init and demo create a store)."""
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return data_dir


def test_init_creates_store_and_index(data_dir: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "stdwatch.sqlite3").exists() and (data_dir / "index.sqlite3").exists()


# Every command but init and demo, with arguments that would otherwise run (issue 10, item 10).
NEEDS_A_STORE = [
    ["load", "{records}"],
    ["search", "锂电池"],
    ["crawl", "samr_openstd", "--code", "GB/T 1.1"],
    ["index", "sync"],
    ["index", "rebuild"],
    ["import-catalogue", "{catalogue}"],
    ["import-catalogue", "{catalogue}", "--check"],
    ["load-notification", "{notification}"],
    ["quarantine"],
    ["crawls"],
    ["user", "list"],
    ["user", "create", "--email", "a@example.org", "--name", "A", "--org", "Acme", "--role", "admin"],
    ["outbox"],
    ["jobs"],
    ["scheduler", "--no-crawl"],
    ["serve", "--port", "1"],
]


@pytest.mark.parametrize("args", NEEDS_A_STORE, ids=" ".join)
def test_commands_on_a_folder_without_a_store_say_where_they_looked(
    data_dir: Path, tmp_path: Path, args: list[str]
) -> None:
    files = {
        "records": tmp_path / "standards.jsonl",
        "catalogue": tmp_path / "catalogue.csv",
        "notification": tmp_path / "notification.txt",
    }
    files["records"].write_text(json.dumps({"code": "GB/T 19001-2016"}) + "\n", encoding="utf-8")
    files["catalogue"].write_text("code,title_zh\nGB/T 19001-2016,质量管理体系 要求\n", encoding="utf-8")
    files["notification"].write_text("1. Notifying Member: SINGAPORE\n", encoding="utf-8")
    result = runner.invoke(app, [a.format(**{k: str(v) for k, v in files.items()}) for a in args])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"no StdWatch store of record at {data_dir / 'stdwatch.sqlite3'}" in message
    assert "run `stdwatch init` first" in message and "Traceback" not in result.output
    assert not data_dir.exists()  # looking created nothing


def test_after_demo_a_command_on_the_plain_data_folder_says_to_init(data_dir: Path) -> None:
    """The report's case: `demo --no-serve` loads into <data dir>/demo; a search of <data dir> found nothing
    and said nothing."""
    assert runner.invoke(app, ["demo", "--no-serve"]).exit_code == 0
    result = runner.invoke(app, ["search", "锂电池"])
    assert result.exit_code == 2 and "run `stdwatch init` first" in result.output
    assert not (data_dir / "stdwatch.sqlite3").exists()


def test_an_unreachable_postgresql_store_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "STDWATCH_DATABASE_URL", f"postgresql+psycopg://nobody:secret@127.0.0.1:{_closed_port()}/x"
    )
    get_settings.cache_clear()
    result = runner.invoke(app, ["search", "锂电池"])
    assert result.exit_code == 2
    assert "cannot reach the store of record at postgresql+psycopg://nobody:***@127.0.0.1" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


def test_init_with_elasticsearch_unreachable_is_a_clear_message(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STDWATCH_SEARCH_BACKEND", "elasticsearch")
    monkeypatch.setenv("STDWATCH_ES_URL", f"http://127.0.0.1:{_closed_port()}")
    get_settings.cache_clear()
    result = subprocess.run(  # a real process: logging and exit status exactly as a user sees them
        [sys.executable, "-m", "api.cli", "init"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: elasticsearch unavailable"), result.stderr
    assert "Connection refused" in lines[0] and "Traceback" not in result.stderr + result.stdout


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_load_replace_makes_every_line_the_whole_record(initialized: Path, tmp_path: Path) -> None:
    from stdwatch.store import DocumentRepository, create_engine_for

    full = {
        "code": "GB/T 19001-2016",
        "title_zh": "质量管理体系 要求",
        "title_en": "Quality management systems - Requirements",
        "ics": ["03.120.10"],
    }
    first, update = tmp_path / "standards.jsonl", tmp_path / "standards-update.jsonl"
    first.write_text(json.dumps(full, ensure_ascii=False) + "\n", encoding="utf-8")
    update.write_text(json.dumps({"code": "GB/T 19001-2016", "status": "废止"}, ensure_ascii=False) + "\n")
    assert runner.invoke(app, ["load", str(first)]).exit_code == 0
    merged = runner.invoke(app, ["load", str(update)])
    assert merged.exit_code == 0 and "1 updated" in merged.output
    engine = create_engine_for(f"sqlite:///{initialized / 'stdwatch.sqlite3'}")
    repo = DocumentRepository(engine)
    kept = repo.get("gb-t-19001-2016")
    assert (
        kept is not None and kept.data["title_en"] == full["title_en"] and kept.data["status"] == "withdrawn"
    )
    replaced = runner.invoke(app, ["load", "--replace", str(first)])
    assert replaced.exit_code == 0 and "1 updated" in replaced.output
    whole = repo.get("gb-t-19001-2016")
    assert whole is not None and whole.data["status"] is None  # the line has no status: cleared
    assert whole.data["ics"] == ["03.120.10"] and whole.version == 3
    update_only = runner.invoke(app, ["load", "--replace", str(update)])
    assert update_only.exit_code == 0
    bare = repo.get("gb-t-19001-2016")
    assert bare is not None and (bare.data["title_zh"], bare.data["ics"]) == (None, [])
    engine.dispose()


def test_load_with_a_broken_line_loads_the_rest_and_names_it(initialized: Path, tmp_path: Path) -> None:
    path = tmp_path / "standards.jsonl"
    lines = [
        json.dumps({"code": "GB/T 19001-2016", "title_zh": "质量管理体系 要求"}, ensure_ascii=False),
        '{"code": "GB/T 1.1-2020", "title_zh": ',
        json.dumps(
            {"code": "GB 31241-2022", "title_zh": "便携式电子产品用锂离子电池和电池组 安全技术规范"},
            ensure_ascii=False,
        ),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: invalid JSON" in result.output
    assert "2 new" in result.output and "1 rejected" in result.output
    found = runner.invoke(app, ["search", "锂电池"])
    assert "GB 31241-2022" in found.output


def test_load_twice_is_idempotent_and_kind_option_applies(initialized: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        json.dumps({"symbol": "G/TBT/N/CHN/1786", "title": "Quality grading for gramineous seed"}) + "\n"
    )
    assert runner.invoke(app, ["load", str(path), "--kind", "tbt_notification"]).exit_code == 0
    again = runner.invoke(app, ["load", str(path), "--kind", "tbt_notification"])
    assert again.exit_code == 0 and "0 new, 0 updated, 1 unchanged" in again.output


def test_load_of_a_missing_file_is_a_clear_error(initialized: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["load", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_demo_loads_the_bundled_real_dataset(data_dir: Path) -> None:
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "210 new" in result.output and "0 rejected" in result.output
    assert (data_dir / "demo" / "stdwatch.sqlite3").exists()


def test_index_rebuild_and_sync(initialized: Path, tmp_path: Path) -> None:
    path = tmp_path / "standards.jsonl"
    path.write_text(
        json.dumps({"code": "SS 554:2016", "title_en": "Code of practice for indoor air quality"}) + "\n"
    )
    runner.invoke(app, ["load", str(path)])
    assert "indexed 1 documents" in runner.invoke(app, ["index", "rebuild"]).output
    assert "indexed 0 documents" in runner.invoke(app, ["index", "sync"]).output


def test_every_demo_record_carries_its_source_address() -> None:
    from tests.conftest import DEMO_RECORDS

    records = [json.loads(line) for line in DEMO_RECORDS.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 210
    assert all(r["source_url"].startswith("http") for r in records)
