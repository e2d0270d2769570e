"""Whatever a data file holds, `stdwatch load` names each bad line (`file:line: field: reason`) and stores
every good one; never a traceback (issue 10, items 2 and 5). A hypothesis fuzz test feeds generated hostile
records through the load path (read_records -> DocumentRepository.upsert_many, as the ingest flow does)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stdwatch.loading import MAX_LINE_BYTES, LineError, read_records
from stdwatch.records import LONG_TEXT_LIMIT, TEXT_LIMIT, Record, RecordError, record_from_json
from stdwatch.store import DocumentRepository

# (hostile line, the field its error must name); None: a line-level error (JSON, encoding, size).
HOSTILE: list[tuple[dict[str, object] | bytes, str | None]] = [
    ({"code": "GB/T 1-2000", "published": 1e20}, "published"),
    ({"code": "GB/T 1-2000", "published": -1e20}, "published"),
    ({"code": "GB/T 1-2000", "effective": 10**30}, "effective"),
    ({"code": "GB/T 1-2000", "withdrawn": "9" * 40}, "withdrawn"),
    (
        {
            "symbol": "G/TBT/N/USA/1",
            "distribution_date": "2024-01-01",
            "comment_deadline": "通报后9999999999天",
        },
        "comment_deadline",
    ),
    (
        {
            "symbol": "G/TBT/N/USA/1",
            "distribution_date": "2024-01-01",
            "proposed_entry_into_force": "9999999 days from notification",
        },
        "proposed_entry_into_force",
    ),
    ({"symbol": "G/TBT/N/USA/" + "1" * 4400}, "symbol"),
    ({"code": "A" + "1" * 498 + "!"}, "code"),
    ({"code": "GB/T 1-2000", "title_zh": "长" * (TEXT_LIMIT + 1)}, "title_zh"),
    ({"symbol": "G/TBT/N/USA/1", "description": "d" * (LONG_TEXT_LIMIT + 1)}, "description"),
    ({"code": "GB/T 1-2000", "title_en": "nul\x00byte"}, "title_en"),
    ({"code": "GB/T 1-2000", "title_en": "\ud800"}, "title_en"),
    ({"code": "GB/T 1-2000", "title_en": {"nested": True}}, "title_en"),
    ({"code": "GB/T 1-2000", "ics": [["01.040"]]}, "ics"),
    ({"code": "GB/T 1-2000", "ics": ["01"] * 5000}, "ics"),
    ({"code": "GB/T 1-2000", "status": ["current"]}, "status"),
    ({"code": "GB/T 1-2000", "adopts": "ISO 1"}, "adopts"),
    ({"code": "GB/T 1-2000", "adopts": [{"code": "ISO 9001", "degree": {"x": 1}}]}, "adopts"),
    ({"code": "GB/T 1-2000", "replaces": ["no such code"]}, "replaces"),
    ({"kind": ["standard"], "code": "GB/T 1-2000"}, "kind"),
    ({"symbol": "G/TBT/N/USA/1", "open_for_comments": [True]}, "open_for_comments"),
    ({"symbol": "G/TBT/N/USA/1", "comment_deadline_text": ["x"]}, "comment_deadline_text"),
    ({"code": "GB/T 1-2000", "_replace": "yes"}, "_replace"),
    (b'{"code": "GB/T 1-2000", "n": ' + b"1" * 5000 + b"}", None),
    (b"[" * 100_000 + b"]" * 100_000, None),
    (b'{"code": "GB/T 1-2000", "title_zh": "' + "长".encode() * (MAX_LINE_BYTES // 3) + b'"}', None),
    ("标准".encode("gb18030"), None),
    (b'"just a string"', None),
    (b"{broken", None),
]


def _line(item: dict[str, object] | bytes) -> bytes:
    return item if isinstance(item, bytes) else json.dumps(item, ensure_ascii=True).encode()


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_every_hostile_value_is_a_rejected_line_naming_its_field(
    tmp_path: Path, repo: DocumentRepository
) -> None:
    good = [
        json.dumps({"code": f"GB/T {900 + i}-2020", "title_zh": f"好记录{i}"}, ensure_ascii=False).encode()
        for i in range(len(HOSTILE) + 1)
    ]
    lines = [x for pair in itertools.zip_longest(good, [_line(h) for h, _ in HOSTILE]) for x in pair if x]
    path = _write(tmp_path / "mixed.jsonl", lines)
    items = list(read_records(path))
    errors = [i for i in items if isinstance(i, LineError)]
    records = [i for i in items if not isinstance(i, LineError)]
    assert [e.line for e in errors] == [2 * n + 2 for n in range(len(HOSTILE))]
    for error, (_, field) in zip(errors, HOSTILE, strict=True):
        assert str(error).startswith(f"{path}:{error.line}: " + (f"{field}: " if field else ""))
        assert len(str(error)) < 400  # a 5 MB value never becomes a 5 MB message
    result = repo.upsert_many(records)
    assert result.new == len(good)
    stored = repo.get_many([r.id for r in records])
    assert [d.data["title_zh"] for d in stored] == [f"好记录{i}" for i in range(len(good))]


def test_limits_are_named_in_the_rejection() -> None:
    with pytest.raises(RecordError, match=f"title_zh: longer than the limit of {TEXT_LIMIT:,} characters"):
        record_from_json({"code": "GB/T 1-2000", "title_zh": "x" * (TEXT_LIMIT + 1)})
    assert record_from_json({"code": "GB/T 1-2000", "title_zh": "x" * TEXT_LIMIT}).title == "x" * TEXT_LIMIT


def test_the_cli_loads_the_good_lines_of_a_hostile_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.cli import app
    from config.settings import get_settings

    monkeypatch.setenv("STDWATCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    lines = [
        b'{"code": "GB/T 1-2000", "title_zh": "good one"}',
        _line(HOSTILE[0][0]),
        _line(HOSTILE[4][0]),
        _line(HOSTILE[6][0]),
        b'{"code": "GB/T 2-2000", "title_zh": "good two"}',
    ]
    path = _write(tmp_path / "mixed.jsonl", lines)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    result = CliRunner().invoke(app, ["load", str(path)])
    get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "read 5 lines: 2 new, 0 updated, 0 unchanged, 3 rejected" in result.output
    for number, field in ((2, "published"), (3, "comment_deadline"), (4, "symbol")):
        assert f"{path}:{number}: {field}: " in result.output.replace("\n", "")


# ---------------------------------------------------------------------------------------------- fuzz
_codes = itertools.count(10_000)
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
_good_fields = st.fixed_dictionaries(
    {"title_zh": _text, "title_en": _text},
    optional={
        "published": st.dates().map(str),
        "ics": st.lists(_text, max_size=3),
        "status": st.sampled_from(["现行", "废止", "current", "replaced"]),
    },
)
_not_text = st.one_of(
    st.text(min_size=TEXT_LIMIT + 1, max_size=TEXT_LIMIT + 5),
    st.dictionaries(_text, _text, min_size=1),
    st.integers(min_value=2**64),
    st.sampled_from(["a\x00b", "\ud800", "x\udfff", True, 1e400]),
)
_not_date = st.one_of(
    st.floats(min_value=1e16),
    st.floats(max_value=-1e16),
    st.integers(min_value=10**15),
    st.integers(max_value=-(10**15)),
    st.sampled_from(["2024-02-30", "9" * 30, "通报后99999999999天"]),
    _not_text,
)
_hostile = st.one_of(
    st.tuples(st.sampled_from(["published", "effective", "withdrawn"]), _not_date),
    st.tuples(st.sampled_from(["title_zh", "title_en", "title_zh_hant", "responsible"]), _not_text),
    st.tuples(st.just("status"), st.one_of(_not_text, st.sampled_from(["maybe", "现行吗"]))),
    st.tuples(
        st.sampled_from(["ics", "drafting_bodies"]),
        st.one_of(st.dictionaries(_text, _text, min_size=1), st.lists(_not_text, min_size=1, max_size=2)),
    ),
)


@st.composite
def _lines(draw: st.DrawFn) -> list[tuple[bytes, str | None, str | None]]:
    """(line, code of a good line, field a bad line must name) in file order."""
    out = []
    for _ in range(draw(st.integers(1, 8))):
        code = f"GB/T {next(_codes)}-2020"
        obj: dict[str, object] = {"code": code, **draw(_good_fields)}
        if draw(st.booleans()):
            out.append((json.dumps(obj, ensure_ascii=False).encode(), code, None))
        else:
            field, obj[field] = draw(_hostile)
            out.append((json.dumps(obj, ensure_ascii=True).encode(), None, field))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_lines())
def test_fuzz_load_names_every_bad_line_and_stores_every_good_one(
    lines: list[tuple[bytes, str | None, str | None]], tmp_path: Path, repo: DocumentRepository
) -> None:
    path = _write(tmp_path / "fuzz.jsonl", [line for line, _, _ in lines])
    items = list(read_records(path))
    records: list[Record] = [i for i in items if not isinstance(i, LineError)]
    errors = {i.line: i for i in items if isinstance(i, LineError)}
    repo.upsert_many(records)
    for number, (_, code, field) in enumerate(lines, 1):
        if code is not None:
            assert number not in errors
            assert repo.get(record_from_json({"code": code}).id) is not None
        else:
            assert str(errors[number]).startswith(f"{path}:{number}: {field}: ")
