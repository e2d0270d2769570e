"""Digests as a subscriber receives them: rendered from real alerts and documents, delivered to a real SMTP
server on loopback, and read back from what that server received (headers, both parts, the links)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import update

from alerts import delivery
from alerts.delivery import DigestError, flush_outbox, make_digests, send_confirmations
from alerts.digest import render_digest
from alerts.services import Services
from stdwatch.signing import Signer, TokenError
from stdwatch.store.account_models import SubscriptionRecipient
from stdwatch.store.outbox import NewAlert, OutboxRepository, SubscriptionInfo
from tests.alerts.conftest import (
    PUBLIC_URL,
    SECRET,
    SmtpServer,
    add_org,
    add_recipient,
    add_subscription,
    standard,
    tbt,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Asia/Shanghai
BEFORE = NOW - timedelta(hours=1)


def _documents(services: Services) -> None:
    services.repo.upsert_many(
        [
            tbt(
                "G/TBT/N/USA/2100",
                "USA",
                member_name="United States of America",
                title="Lithium batteries safety",
                title_zh="锂电池安全要求",
                products="锂离子电池 <18650> cells",
                hs=["850760"],
                comment_deadline="2026-03-12",
            ),
            tbt(
                "G/TBT/N/EU/1200",
                "EU",
                title="Energy labelling of electronic displays",
                products="displays",
                hs=["852859", "852869"],
                comment_deadline="2026-04-30",
            ),
            tbt(
                "G/TBT/N/USA/2101",
                "USA",
                member_name="United States of America",
                title="Energy storage systems",
                title_zh="储能系统",
            ),
            standard(
                "GB/T 45565-2025",
                title_zh="锂离子电池编码规则",
                title_en="Coding regulations of lithium ion batteries",
                status="upcoming",
                effective="2025-11-01",
            ),
            standard(
                "GB/T 1000-2010",
                title_zh="某旧标准",
                title_en="An old standard",
                status="replaced",
                replaced_by=["GB/T 1000-2026"],
            ),
        ]
    )


def _alerts(sub: int) -> list[NewAlert]:
    return [
        NewAlert(sub, "g-tbt-n-usa-2100", 1, "new"),
        NewAlert(sub, "g-tbt-n-eu-1200", 1, "new"),
        NewAlert(sub, "g-tbt-n-usa-2101", 2, "changed", {"fields": ["title_zh"]}),
        NewAlert(sub, "gb-t-45565-2025", 1, "new"),
        NewAlert(
            sub,
            "gb-t-1000-2010",
            2,
            "replaced",
            {"watched": "GB/T 1000", "code": "GB/T 1000-2010", "replaced_by": ["GB/T 1000-2026"]},
        ),
        NewAlert(sub, "g-tbt-n-usa-2100", 20260312, "deadline_reminder", {"deadline": "2026-03-12"}),
    ]


def _setup(services: Services, language: str) -> tuple[int, dict[str, int]]:
    engine = services.repo.engine
    _documents(services)
    name = "锂电池出口预警" if language == "zh" else "Battery exports"
    sub = add_subscription(engine, add_org(engine), name, language=language)
    people = {
        "a": add_recipient(engine, sub, "zhang@example.com"),
        "b": add_recipient(engine, sub, "li@example.com"),
        "unconfirmed": add_recipient(engine, sub, "wang@example.com", confirmed=False),
        "gone": add_recipient(engine, sub, "zhao@example.com", unsubscribed=True),
    }
    assert OutboxRepository(engine).add_alerts(_alerts(sub), now=BEFORE) == 6
    return sub, people


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def _by_recipient(smtp: SmtpServer) -> dict[str, EmailMessage]:
    return {m.rcpt_tos[0]: m.message for m in smtp.messages}


def test_zh_digest_headers_parts_grouping_and_links(services: Services, smtp: SmtpServer) -> None:
    sub, people = _setup(services, "zh")
    assert make_digests(services, NOW) == 2  # confirmed, not unsubscribed addresses only
    assert flush_outbox(services, NOW).sent == 2
    received = _by_recipient(smtp)
    assert set(received) == {"zhang@example.com", "li@example.com"}
    msg = received["zhang@example.com"]

    assert msg["Subject"] == "StdWatch 预警｜锂电池出口预警：6 条"
    raw = next(m.data for m in smtp.messages if m.rcpt_tos == ["zhang@example.com"])
    assert raw.isascii() and b"Subject: =?utf-8?" in raw  # RFC 2047 on the wire
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("厦门标准预警", "alerts@stdwatch.example.org")
    assert smtp.messages[0].mail_from == "alerts@stdwatch.example.org"
    assert str(msg["To"]) == "zhang@example.com"
    stored = {e.recipient: e for e in OutboxRepository(services.repo.engine).emails()}
    assert msg["Message-ID"] == stored["zhang@example.com"].message_id
    assert msg["Message-ID"] != received["li@example.com"]["Message-ID"]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())

    # one-click unsubscribe (RFC 8058): the header names the API URL that takes the POST, the body the web
    # page a reader opens; both signed for this address only
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", str(msg["List-Unsubscribe"]))
    assert link and link.group(1).startswith(f"{PUBLIC_URL}/api/unsubscribe?token=")
    token = link.group(1).split("token=", 1)[1]
    assert Signer(SECRET).verify("unsubscribe", token) == {"r": people["a"]}
    with pytest.raises(TokenError):
        Signer(SECRET).verify("confirm", token)
    other = re.search(r"token=([^>]+)", str(received["li@example.com"]["List-Unsubscribe"]))
    assert other and Signer(SECRET).verify("unsubscribe", other.group(1)) == {"r": people["b"]}
    text, html = _text(msg), _html(msg)
    assert "/api/" not in text and "/api/" not in html  # every link a reader clicks is a web page
    page = re.search(r"^退订: (\S+)$", text, re.M)
    assert page and page.group(1).startswith(f"{PUBLIC_URL}/unsubscribe?token=")
    assert Signer(SECRET).verify("unsubscribe", page.group(1).split("token=", 1)[1]) == {"r": people["a"]}
    assert f'class="unsubscribe" href="{page.group(1)}"' in html
    manage = f"{PUBLIC_URL}/subscriptions/{sub}"
    assert f"管理此订阅: {manage}\n" in text and f'href="{manage}"' in html

    # sections in order, notifications grouped by notifying member, standards by family
    headings = re.findall(r"^== (.+) ==$", text, re.M)
    assert headings == ["WTO/TBT 通报", "标准", "关注清单变化", "评议截止提醒"]
    notifications = text.split("== WTO/TBT 通报 ==")[1].split("== 标准 ==")[0]
    # one label per member: the WTO's name (config/wto_members.toml), whatever the records call it
    assert re.findall(r"^\[(.+)\]$", notifications, re.M) == ["European Union (EU)", "United States (USA)"]
    usa = notifications.split("[United States (USA)]")[1]
    assert usa.index("G/TBT/N/USA/2100") < usa.index("G/TBT/N/USA/2101")
    assert "[国家标准（推荐性）]" in text.split("== 标准 ==")[1]

    # each notification: symbol, Chinese title when known, products, HS codes, days left, link
    first = usa.split("* G/TBT/N/USA/2100")[1].split("* G/TBT/N/USA/2101")[0]
    assert "锂电池安全要求" in first and "Lithium batteries safety" not in first
    assert "产品: 锂离子电池 <18650> cells" in first and "HS 编码: 850760" in first
    assert "\n  评议截止日期: 2026-03-12 (!! 剩余 10 天)\n" in first
    assert f"查看详情: {PUBLIC_URL}/documents/g-tbt-n-usa-2100\n" in first
    eu = notifications.split("[European Union (EU)]")[1].split("[United")[0]
    assert "Energy labelling of electronic displays" in eu  # no Chinese title: the English one
    assert "HS 编码: 852859, 852869" in eu and "(剩余 59 天)" in eu and "!!" not in eu
    assert "\n  未规定评议截止日期\n" in usa.split("* G/TBT/N/USA/2101")[1]

    # HTML: escaped, urgent days highlighted (under 15 only), links to the documents' pages
    assert "锂离子电池 &lt;18650&gt; cells" in html and "<18650>" not in html
    assert re.findall(r'<strong class="urgent"[^>]*>([^<]+)</strong>', html) == ["剩余 10 天", "剩余 10 天"]
    assert re.findall(r'<span class="days">([^<]+)</span>', html) == ["剩余 59 天"]
    assert f'href="{PUBLIC_URL}/documents/g-tbt-n-eu-1200"' in html

    # watch-list change says by what; the reminder has its own section
    changes = text.split("== 关注清单变化 ==")[1].split("== 评议截止提醒 ==")[0]
    assert "GB/T 1000-2010" in changes and "已被代替，代替标准：GB/T 1000-2026" in changes
    reminders = text.split("== 评议截止提醒 ==")[1]
    assert "G/TBT/N/USA/2100" in reminders and "距评议截止还有 10 天" in reminders

    # everything went once: a second round makes and sends nothing
    assert make_digests(services, NOW + timedelta(minutes=5)) == 0
    assert flush_outbox(services, NOW + timedelta(minutes=5)).sent == 0
    assert len(smtp.messages) == 2
    assert all(a.id for a in OutboxRepository(services.repo.engine).alerts_of(sub))
    assert OutboxRepository(services.repo.engine).pending_alerts() == []


def test_en_digest_uses_english_titles_and_words(services: Services, smtp: SmtpServer) -> None:
    _setup(services, "en")
    make_digests(services, NOW)
    flush_outbox(services, NOW)
    msg = _by_recipient(smtp)["li@example.com"]
    assert msg["Subject"] == "StdWatch alert | Battery exports: 6 items"
    text, html = _text(msg), _html(msg)
    assert re.findall(r"^== (.+) ==$", text, re.M) == [
        "WTO/TBT notifications",
        "Standards",
        "Watch-list changes",
        "Comment deadline reminders",
    ]
    assert "Lithium batteries safety" in text and "锂电池安全要求" not in text
    assert "储能系统" not in text and "Energy storage systems" in text
    assert "[National standards (recommended)]" in text
    assert "Coding regulations of lithium ion batteries" in text
    assert "Final date for comments: 2026-03-12 (!! 10 days left)" in text
    assert "replaced by GB/T 1000-2026" in text
    assert re.findall(r'<strong class="urgent"[^>]*>([^<]+)</strong>', html) == ["10 days left"] * 2
    assert '<html lang="en">' in html


def _demo_like_digest(services: Services, smtp: SmtpServer, language: str) -> tuple[str, str]:
    """What the demo's user read: one member under two names, documents without a title of their own."""
    services.repo.upsert_many(
        [
            # as the Chinese source gives them: `member` is a name, the code comes from the symbol
            tbt("G/TBT/N/CHN/94", "中华人民共和国", title_zh="关于限制进口电池产品汞含量的公告"),
            tbt("G/TBT/N/CHN/1320", "China", title="Electric vehicles traction battery safety"),
            tbt("G/TBT/N/USA/1964", "USA", title="Button cell batteries", title_zh="纽扣电池安全要求"),
            tbt("G/TBT/N/USA/1964/Add.3", "美国", description="最终法规"),
            tbt("G/TBT/N/KOR/1100/Add.1", "KOR"),  # its base notification is not stored
            standard("GB 31241-2014", title_zh="便携式电子产品用锂离子电池和电池组安全要求"),
            standard("GB 31241-2022", effective="2024-01-01", replaces=["GB 31241-2014"]),
            standard("GB/T 99-2020"),  # no title, nothing to borrow one from
        ]
    )
    engine = services.repo.engine
    sub = add_subscription(engine, add_org(engine), "电池", language=language)
    add_recipient(engine, sub, "reader@example.com")
    ids = ["g-tbt-n-chn-94", "g-tbt-n-chn-1320", "g-tbt-n-usa-1964-add.3", "g-tbt-n-kor-1100-add.1"]
    alerts = [NewAlert(sub, doc_id, 1, "new") for doc_id in [*ids, "gb-31241-2022", "gb-t-99-2020"]]
    assert OutboxRepository(engine).add_alerts(alerts, now=BEFORE) == 6
    assert make_digests(services, NOW) == 1 and flush_outbox(services, NOW).sent == 1
    [received] = smtp.messages
    return _text(received.message), _html(received.message)


def _title_of(text: str, code: str) -> str:
    """The line under an entry's code."""
    found = re.search(rf"^\* {re.escape(code)}(?: \(.+\))?\n  (.*)$", text, re.M)
    assert found, f"{code} not in the digest"
    return found.group(1)


def test_one_member_one_group_whatever_its_records_call_it(services: Services, smtp: SmtpServer) -> None:
    text, html = _demo_like_digest(services, smtp, "en")
    notifications = text.split("== WTO/TBT notifications ==")[1].split("== Standards ==")[0]
    groups = re.findall(r"^\[(.+)\]$", notifications, re.M)
    assert groups == ["China (CHN)", "Korea, Republic of (KOR)", "United States (USA)"]
    china = notifications.split("[China (CHN)]")[1].split("[Korea")[0]
    assert "G/TBT/N/CHN/94" in china and "G/TBT/N/CHN/1320" in china
    assert re.findall(r'<h3 class="group"[^>]*>([^<]+)</h3>', html)[:3] == groups


def test_a_zh_digest_names_the_member_in_chinese_once(services: Services, smtp: SmtpServer) -> None:
    text, _ = _demo_like_digest(services, smtp, "zh")
    notifications = text.split("== WTO/TBT 通报 ==")[1].split("== 标准 ==")[0]
    groups = re.findall(r"^\[(.+)\]$", notifications, re.M)
    assert groups == ["中华人民共和国 (CHN)", "Korea, Republic of (KOR)", "美国 (USA)"]


def test_no_blank_title_lines(services: Services, smtp: SmtpServer) -> None:
    text, _ = _demo_like_digest(services, smtp, "zh")
    assert _title_of(text, "G/TBT/N/USA/1964/Add.3") == "G/TBT/N/USA/1964 的补遗：纽扣电池安全要求"
    assert _title_of(text, "G/TBT/N/KOR/1100/Add.1") == "G/TBT/N/KOR/1100 的补遗"  # base not stored
    assert (
        _title_of(text, "GB 31241-2022")
        == "便携式电子产品用锂离子电池和电池组安全要求（沿用 GB 31241-2014 的名称）"
    )
    assert _title_of(text, "GB/T 99-2020") == "国家标准（推荐性），未提供标准名称"
    assert _title_of(text, "G/TBT/N/CHN/1320") == "Electric vehicles traction battery safety"
    assert len(re.findall(r"^\* ", text, re.M)) == 6
    assert not re.search(r"^\* .+\n *\n", text, re.M)  # every code is followed by a title line


def test_en_titles_fall_back_and_say_what_the_document_is(services: Services, smtp: SmtpServer) -> None:
    text, html = _demo_like_digest(services, smtp, "en")
    assert _title_of(text, "G/TBT/N/USA/1964/Add.3") == "Addendum to G/TBT/N/USA/1964: Button cell batteries"
    assert _title_of(text, "G/TBT/N/KOR/1100/Add.1") == "Addendum to G/TBT/N/KOR/1100"
    assert _title_of(text, "GB/T 99-2020") == "National standards (recommended), no title given"
    assert _title_of(text, "G/TBT/N/CHN/94") == "关于限制进口电池产品汞含量的公告"  # no English title
    assert "Addendum to G/TBT/N/KOR/1100" in html


def test_one_item_one_day_in_english(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    services.repo.upsert_many(
        [tbt("G/TBT/N/CHN/1860", "CHN", title="Smoke alarms", comment_deadline="2026-03-03")]
    )
    sub = add_subscription(engine, add_org(engine), "Alarms", language="en")
    add_recipient(engine, sub, "one@example.com")
    outbox = OutboxRepository(engine)
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=BEFORE)
    outbox.add_alerts(
        [NewAlert(sub, "g-tbt-n-chn-1860", 20260303, "deadline_reminder", {"deadline": "2026-03-03"})],
        now=BEFORE,
    )
    make_digests(services, NOW)
    flush_outbox(services, NOW)
    msg = smtp.messages[0].message
    assert msg["Subject"] == "StdWatch alert | Alarms: 2 items"
    text = _text(msg)
    assert "(!! 1 day left)" in text and "1 days" not in text
    assert "1 day left to comment:" in text
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 2, "changed")], now=NOW)
    later = NOW + timedelta(minutes=1)
    make_digests(services, later)
    flush_outbox(services, later)
    assert smtp.messages[1].message["Subject"] == "StdWatch alert | Alarms: 1 item"


def test_digest_on_postgresql(pg_services: Services, smtp: SmtpServer) -> None:
    _setup(pg_services, "zh")
    assert make_digests(pg_services, NOW) == 2
    assert flush_outbox(pg_services, NOW).sent == 2
    assert make_digests(pg_services, NOW) == 0
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["li@example.com", "zhang@example.com"]
    assert smtp.messages[0].message["Subject"] == "StdWatch 预警｜锂电池出口预警：6 条"


def test_one_failing_digest_does_not_hold_up_the_others(
    services: Services, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = services.repo.engine
    org = add_org(engine)
    subs = [add_subscription(engine, org, name) for name in ("good", "broken")]
    for sub in subs:
        add_recipient(engine, sub, f"{sub}@example.com")
    OutboxRepository(engine).add_alerts([NewAlert(s, "g-tbt-n-chn-1860", 1, "new") for s in subs], now=BEFORE)

    def render(sub: SubscriptionInfo, *args: Any) -> Any:
        if sub.name == "broken":
            raise RuntimeError("template bug")
        return render_digest(sub, *args)

    monkeypatch.setattr(delivery, "render_digest", render)
    with pytest.raises(DigestError, match=rf"subscriptions \[{subs[1]}\] failed"):
        make_digests(services, NOW)
    outbox = OutboxRepository(engine)
    assert [e.subscription_id for e in outbox.emails()] == [subs[0]]
    assert [a.subscription_id for a in outbox.pending_alerts()] == [subs[1]]  # kept for the next round
    monkeypatch.setattr(delivery, "render_digest", render_digest)
    assert make_digests(services, NOW) == 1


# ------------------------------------------------------------------------------------------ periods
def _one_alert(
    services: Services, frequency: str, tz: str = "Asia/Shanghai", name: str = "org"
) -> tuple[OutboxRepository, int]:
    engine = services.repo.engine
    services.repo.upsert_many(
        [tbt("G/TBT/N/CHN/1860", "CHN", title="Smoke alarms", comment_deadline="2026-05-01")]
    )
    sub = add_subscription(engine, add_org(engine, name, tz), f"{frequency} {name}", frequency=frequency)
    add_recipient(engine, sub, f"{frequency}-{name}@example.com")
    return OutboxRepository(engine), sub


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in Asia/Shanghai (UTC+8, no daylight saving), as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_daily_digest_once_per_local_day_from_eight(services: Services, smtp: SmtpServer) -> None:
    outbox, sub = _one_alert(services, "daily")
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=_local(2, 10))
    assert make_digests(services, _local(2, 20)) == 0  # made after today's 08:00: tomorrow's digest
    assert make_digests(services, _local(3, 7, 59)) == 0
    assert make_digests(services, _local(3, 8)) == 1
    assert outbox.emails()[0].period_key == "daily:2026-03-03"
    # an alert arriving late but dated before the cut goes out with the NEXT day's digest, not a second one
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 2, "changed")], now=_local(3, 7))
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 3, "changed")], now=_local(3, 9))
    assert make_digests(services, _local(3, 23)) == 0
    assert make_digests(services, _local(4, 8, 5)) == 1
    assert [e.period_key for e in outbox.emails()] == ["daily:2026-03-04", "daily:2026-03-03"]
    assert outbox.pending_alerts() == []


def test_weekly_digest_once_per_iso_week(services: Services, smtp: SmtpServer) -> None:
    outbox, sub = _one_alert(services, "weekly")
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=_local(3, 10))  # a Tuesday
    assert make_digests(services, _local(8, 23)) == 0  # Sunday
    assert make_digests(services, _local(9, 8)) == 1  # Monday 08:00
    assert outbox.emails()[0].period_key == "weekly:2026-W11"
    assert make_digests(services, _local(10, 8)) == 0


def test_daily_digest_follows_the_organizations_timezone(services: Services, smtp: SmtpServer) -> None:
    shanghai, sub_sh = _one_alert(services, "daily", "Asia/Shanghai", "sh")
    _, sub_ny = _one_alert(services, "daily", "America/New_York", "ny")
    created = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai, 09:00 in New York
    shanghai.add_alerts([NewAlert(s, "g-tbt-n-chn-1860", 1, "new") for s in (sub_sh, sub_ny)], now=created)
    # 08:30 next morning in Shanghai; 19:30 the same day in New York, where the alert came after 08:00
    assert make_digests(services, datetime(2026, 3, 3, 0, 30, tzinfo=UTC)) == 1
    assert [e.recipient for e in shanghai.emails()] == ["daily-sh@example.com"]
    assert make_digests(services, datetime(2026, 3, 3, 13, 0, tzinfo=UTC)) == 1  # 08:00 in New York
    assert shanghai.emails()[0].recipient == "daily-ny@example.com"


# ------------------------------------------------------------------------------------------ addresses
def test_confirmation_email_once_with_a_signed_link(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    sub = add_subscription(engine, add_org(engine), "显示器")
    pending = add_recipient(engine, sub, "new@example.com", confirmed=False)
    add_recipient(engine, sub, "old@example.com")
    assert send_confirmations(services, NOW) == 1
    assert send_confirmations(services, NOW + timedelta(minutes=1)) == 0
    assert [m.rcpt_tos for m in smtp.messages] == [["new@example.com"]]
    msg = smtp.messages[0].message
    assert msg["Subject"] == "请确认订阅 StdWatch 预警：显示器"
    assert msg["List-Unsubscribe"] is None
    found = re.search(re.escape(f"{PUBLIC_URL}/subscriptions/confirm?token=") + r"(\S+)", _text(msg))
    assert found and f'href="{found.group(0)}"' in _html(msg)
    assert found and Signer(SECRET).verify("confirm", found.group(1)) == {"r": pending}
    with pytest.raises(TokenError):
        Signer(SECRET).verify("unsubscribe", found.group(1))


def test_alerts_wait_for_a_confirmed_address_and_close_when_nobody_is_left(
    services: Services, smtp: SmtpServer
) -> None:
    engine = services.repo.engine
    outbox, sub = _one_alert(services, "immediate")
    with engine.begin() as conn:
        conn.execute(update(SubscriptionRecipient).values(confirmed_at=None))
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=BEFORE)
    assert make_digests(services, NOW) == 0 and len(outbox.pending_alerts()) == 1  # kept for the address
    with engine.begin() as conn:
        conn.execute(update(SubscriptionRecipient).values(confirmed_at=NOW))
    assert make_digests(services, NOW) == 1
    with engine.begin() as conn:
        conn.execute(update(SubscriptionRecipient).values(unsubscribed_at=NOW))
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 2, "changed")], now=NOW)
    assert make_digests(services, NOW) == 0 and outbox.pending_alerts() == []  # nobody to tell: closed


def test_paused_subscription_gets_nothing(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    sub = add_subscription(engine, add_org(engine), "paused", active=False)
    add_recipient(engine, sub, "p@example.com")
    outbox = OutboxRepository(engine)
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=BEFORE)
    assert make_digests(services, NOW) == 0
    assert outbox.pending_alerts() == [] and outbox.emails() == []


def test_address_unsubscribed_after_rendering_is_not_sent(services: Services, smtp: SmtpServer) -> None:
    engine = services.repo.engine
    outbox, sub = _one_alert(services, "immediate")
    outbox.add_alerts([NewAlert(sub, "g-tbt-n-chn-1860", 1, "new")], now=BEFORE)
    assert make_digests(services, NOW) == 1
    with engine.begin() as conn:
        conn.execute(update(SubscriptionRecipient).values(unsubscribed_at=NOW))
    result = flush_outbox(services, NOW)
    assert (result.sent, result.cancelled) == (0, 1)
    assert smtp.messages == [] and outbox.emails()[0].status == "cancelled"
