"""Records read from the interchange format and StdWatch's own, with stable ids and content hashes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from stdwatch.records import (
    Degree,
    Kind,
    RecordError,
    StandardRecord,
    Status,
    TbtNotification,
    content_hash,
    record_from_json,
    to_json,
)
from tests.conftest import INTERCHANGE


def _shared_lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (INTERCHANGE / name).read_text(encoding="utf-8").splitlines()]


def test_every_demo_record_reads_and_round_trips() -> None:
    for obj in _shared_lines("standards.jsonl") + _shared_lines("tbt_notifications.jsonl"):
        record = record_from_json(obj)
        again = record_from_json(json.loads(json.dumps(to_json(record))))
        assert again == record
        assert content_hash(again) == content_hash(record)


def test_standard_fields_from_interchange_format() -> None:
    record = record_from_json(
        {
            "code": "GB 4706.17—2010",
            "title_zh": "家用和类似用途电器的安全 电动机-压缩机的特殊要求",
            "status": "现行",
            "published": "2010年8月9日",
            "effective": 1293811200000,
            "ics": ["97.040.30"],
            "adopts": [{"code": "IEC 60335-2-34:2009", "degree": "IDT"}],
            "replaces": ["GB 4706.17-2004"],
        }
    )
    assert isinstance(record, StandardRecord)
    assert record.code == "GB 4706.17-2010"
    assert record.code_published == "GB 4706.17—2010"
    assert record.status is Status.CURRENT
    assert record.published == date(2010, 8, 9)
    assert record.effective == date(2011, 1, 1)  # epoch milliseconds, Beijing calendar day
    assert record.adopts[0].degree is Degree.IDT and record.adopts[0].code == "IEC 60335-2-34:2009"
    assert record.replaces == ["GB 4706.17-2004"]
    assert record.id == "gb-4706.17-2010"


def test_tbt_relative_deadline_resolves_from_distribution_date() -> None:
    record = record_from_json(
        {
            "symbol": "G/TBT/N/TPKM/538",
            "member": "台澎金马单独关税区",
            "distribution_date": "2024-05-28",
            "comment_deadline": "自通报之日起60天",
            "proposed_adoption": "待定",
            "hs": ["9028.10"],
        }
    )
    assert isinstance(record, TbtNotification)
    assert record.member == "TPKM" and record.member_name == "台澎金马单独关税区"
    assert record.comment_deadline == date(2024, 7, 27)
    assert record.comment_deadline_text == "自通报之日起60天"
    assert record.proposed_adoption is None and record.proposed_adoption_text == "待定"
    assert record.hs == ["902810"]


def test_addendum_links_to_its_base() -> None:
    record = record_from_json({"symbol": "G/TBT/N/HKG/44/Add.1"})
    assert isinstance(record, TbtNotification)
    assert record.base_symbol == "G/TBT/N/HKG/44"
    assert record_from_json({"symbol": "G/TBT/N/HKG/44"}).base_symbol is None


def test_hash_changes_with_content_only() -> None:
    a = record_from_json({"code": "GB/T 1.1-2020", "title_zh": "标准化工作导则"})
    b = record_from_json(
        {"code": "GB/T 1.1—2020", "title_zh": "标准化工作导则", "code_published": "GB/T 1.1-2020"}
    )
    c = record_from_json({"code": "GB/T 1.1-2020", "title_zh": "标准化工作导则 第1部分"})
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(c)


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"title_zh": "无编号"}, "cannot tell the record's kind"),
        ({"code": "not a code"}, "cannot parse standard code: 'not a code'"),
        ({"code": "GB/T 1-2000", "status": "maybe"}, "unknown status 'maybe'"),
        ({"code": "GB/T 1-2000", "published": "2020-13-45"}, "published: not a valid calendar date"),
        ({"code": "GB/T 1-2000", "adopts": [{"code": "ISO 1", "degree": "XYZ"}]}, "unknown adoption degree"),
        ({"symbol": "G/TBT/N/??/1"}, "cannot parse TBT symbol"),
        ({"kind": "patent", "code": "x"}, "unknown kind 'patent'"),
    ],
)
def test_bad_records_say_why(obj: dict, reason: str) -> None:
    with pytest.raises(RecordError, match=reason.replace("(", r"\(").replace("?", r"\?")):
        record_from_json(obj)


def test_kind_argument_wins_over_guessing() -> None:
    with pytest.raises(RecordError, match="needs a 'symbol'"):
        record_from_json({"code": "GB/T 1-2000"}, Kind.TBT)
