"""The `stdwatch` command as a user runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from config.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_init_creates_store_and_index(data_dir: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "stdwatch.sqlite3").exists() and (data_dir / "index.sqlite3").exists()


def test_load_with_a_broken_line_loads_the_rest_and_names_it(tmp_path: Path) -> None:
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


def test_load_twice_is_idempotent_and_kind_option_applies(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(
        json.dumps({"symbol": "G/TBT/N/CHN/1786", "title": "Quality grading for gramineous seed"}) + "\n"
    )
    assert runner.invoke(app, ["load", str(path), "--kind", "tbt_notification"]).exit_code == 0
    again = runner.invoke(app, ["load", str(path), "--kind", "tbt_notification"])
    assert again.exit_code == 0 and "0 new, 0 updated, 1 unchanged" in again.output


def test_load_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["load", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_demo_loads_the_bundled_real_dataset(data_dir: Path) -> None:
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "210 new" in result.output and "0 rejected" in result.output
    assert (data_dir / "demo" / "stdwatch.sqlite3").exists()


def test_index_rebuild_and_sync(tmp_path: Path) -> None:
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
