"""`stdwatch search` with the API's filters and output formats (issue 11, item 6)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app
from config.settings import get_settings
from search.export import BOM
from tests.conftest import DEMO_RECORDS

runner = CliRunner()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    data = tmp_path_factory.mktemp("cli-search") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STDWATCH_DATA_DIR", str(data))
        get_settings.cache_clear()
        assert runner.invoke(app, ["init"]).exit_code == 0
        assert runner.invoke(app, ["load", str(DEMO_RECORDS)]).exit_code == 0
        yield
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    result = runner.invoke(app, ["search", *args])
    return result.exit_code, result.output


def test_json_output_with_filters(loaded: None) -> None:
    code, out = _run("", "-f", "family=GB", "-f", "degree=IDT", "--format", "json", "--size", "50")
    assert code == 0, out
    body = json.loads(out)
    assert {h["code"] for h in body["hits"]} == {"GB 4706.17-2010", "GB 6675-1986"}
    assert body["total"] == 2 and body["facets"]["degree"] == {"IDT": 2}


def test_csv_output_is_every_hit(loaded: None) -> None:
    code, out = _run("", "-f", "kind=standard", "--format", "csv", "--size", "5")
    assert code == 0
    assert out.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(out[len(BOM) :])))
    _, as_json = _run("", "-f", "kind=standard", "--format", "json", "--size", "1")
    assert len(rows) == json.loads(as_json)["total"] > 5  # not one page of --size


def test_table_shows_the_successor_column(loaded: None) -> None:
    code, out = _run("GB 31241", "--format", "table")
    assert code == 0 and "GB 31241-2022" in out and "successor" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-f", "ccs=K823"], "ccs"),
        (["-f", "colour=red"], "colour: unknown parameter"),
        (["-f", "family"], "write NAME=VALUE"),
        (["-f", "open_for_comments=maybe"], "open_for_comments: unknown value"),
    ],
)
def test_bad_filters_are_named(loaded: None, args: list[str], fragment: str) -> None:
    code, out = _run("", *args)
    assert code == 2 and fragment in out
