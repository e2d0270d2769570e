"""What a digest says: alerts and their documents turned into sections (notifications by notifying
member, standards by family, watch-list changes, deadline reminders), rendered in zh or en from Jinja2
templates."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.mail import Links, Rendered
from stdwatch.store.outbox import PendingAlert, Recipient, SubscriptionInfo

TEMPLATES = Path(__file__).resolve().parent / "templates"
URGENT_DAYS = 15  # fewer days than this until the final date for comments are highlighted
WATCH_REASONS = ("new_edition", "withdrawn", "replaced", "effective")
REMINDER = "deadline_reminder"
LANGUAGES = ("zh", "en")
SECTIONS = ("notifications", "standards", "changes", "reminders")


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, Any]]:
    with (TEMPLATES / "labels.toml").open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass
class Entry:
    doc_id: str
    code: str
    title: str
    url: str
    is_tbt: bool
    reason_label: str = ""
    note: str = ""
    status_label: str = ""
    effective: str = ""
    products: str = ""
    hs: list[str] = field(default_factory=list)
    deadline: str = ""
    days_left: int | None = None
    days_text: str = ""
    urgent: bool = False


@dataclass
class Group:
    label: str
    entries: list[Entry]


@dataclass
class Section:
    key: str  # one of SECTIONS
    title: str
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "zh"


def _title(data: dict[str, Any], lang: str) -> str:
    order: tuple[str, ...]
    if data.get("kind") == "tbt_notification":
        order = ("title_zh", "title") if lang == "zh" else ("title", "title_zh")
    elif lang == "zh":
        order = ("title_zh", "title_zh_hant", "title_en")
    else:
        order = ("title_en", "title_zh", "title_zh_hant")
    return next((str(data[k]) for k in order if data.get(k)), "")


def _days(deadline: str, today: date, words: dict[str, Any]) -> tuple[int | None, str, bool]:
    try:
        left = (date.fromisoformat(deadline[:10]) - today).days
    except ValueError:  # empty, or a date only a human can read: shown as printed, without a count
        return None, "", False
    if left < 0:
        return left, str(words["closed"]), False
    text = str(words["closes_today"]) if left == 0 else str(words["days_left"]).format(days=left)
    return left, text, left < URGENT_DAYS


def _codes(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _change_note(alert: PendingAlert, data: dict[str, Any], words: dict[str, Any]) -> str:
    """'replaced by GB/T 2-2025' from the alert's details (as the matcher writes them: watched, code,
    replaced_by, effective), else from the document itself."""
    details, reason = alert.details, alert.reason
    by = {
        "replaced": details.get("replaced_by") or data.get("replaced_by"),
        "new_edition": details.get("code") or data.get("code"),
    }.get(reason)
    when = {
        "withdrawn": details.get("withdrawn") or data.get("withdrawn"),
        "effective": details.get("effective") or data.get("effective"),
    }.get(reason)
    watched = details.get("watched") or data.get("code") or alert.document_id
    return str(words["change"][reason]).format(by=_codes(by), date=when or "", watched=watched).strip()


def build_entry(alert: PendingAlert, data: dict[str, Any], today: date, lang: str, links: Links) -> Entry:
    """One line of the digest; `data` is the document's StdWatch JSON ({} when the store no longer has it)."""
    words = labels()[lang]
    is_tbt = data.get("kind") == "tbt_notification" or alert.document_id.startswith("g-tbt-")
    code = str(data.get("symbol") or data.get("code") or alert.document_id)
    entry = Entry(alert.document_id, code, _title(data, lang), links.document(alert.document_id), is_tbt)
    if alert.reason in ("new", "changed"):
        entry.reason_label = str(words[alert.reason])
    if is_tbt:
        entry.products = str(data.get("products") or "")
        entry.hs = [str(h) for h in data.get("hs") or []]
        deadline = alert.details.get("deadline") if alert.reason == REMINDER else None
        entry.deadline = str(deadline or data.get("comment_deadline") or "")
        entry.days_left, entry.days_text, entry.urgent = _days(entry.deadline, today, words)
    else:
        status = str(data.get("status") or "")
        entry.status_label = str(words["status_names"].get(status, status))
        entry.effective = str(data.get("effective") or "")
    if alert.reason in WATCH_REASONS:
        entry.note = _change_note(alert, data, words)
    elif alert.reason == REMINDER and entry.days_left is not None and entry.days_left >= 0:
        entry.note = str(words["reminder_line"]).format(days=entry.days_left)
    return entry


def _member_label(data: dict[str, Any], lang: str) -> str:
    member = str(data.get("member") or "")
    name = str(data.get("member_name") or "")
    if name and name != member and (lang == "zh" or name.isascii()):
        return f"{name} ({member})" if member else name
    return member or "?"


def _family_label(data: dict[str, Any], lang: str) -> str:
    family = str(data.get("family") or "")
    return str(labels()[lang]["family"].get(family, family or "?"))


def _place(alert: PendingAlert, entry: Entry, data: dict[str, Any], lang: str) -> tuple[str, str]:
    """(section, group label) of an entry."""
    if alert.reason in WATCH_REASONS:
        return "changes", ""
    if alert.reason == REMINDER:
        return "reminders", ""
    if entry.is_tbt:
        return "notifications", _member_label(data, lang)
    return "standards", _family_label(data, lang)


def _grouped(pairs: list[tuple[str, Entry]]) -> list[Group]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for label, entry in pairs:
        groups[label].append(entry)
    return [Group(label, sorted(entries, key=lambda e: e.code)) for label, entries in sorted(groups.items())]


def build_sections(
    alerts: Sequence[PendingAlert], docs: dict[str, dict[str, Any]], today: date, lang: str, links: Links
) -> list[Section]:
    """The digest's sections in a fixed order, empty ones left out."""
    lang = _lang(lang)
    words = labels()[lang]
    buckets: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
    kept: dict[tuple[str, str], Entry] = {}
    for alert in sorted(alerts, key=lambda a: (a.document_id, -a.version)):
        data = docs.get(alert.document_id, {})
        entry = build_entry(alert, data, today, lang, links)
        key, label = _place(alert, entry, data, lang)
        # One entry per document and section: "new" then "changed" before a digest went out is simply new.
        slot = (key, f"{alert.document_id}:{alert.reason}" if key == "changes" else alert.document_id)
        if slot in kept:
            if alert.reason == "new":
                kept[slot].reason_label = str(words["new"])
            continue
        kept[slot] = entry
        buckets[key].append((label, entry))
    return [Section(k, str(words[k]), _grouped(buckets[k])) for k in SECTIONS if buckets[k]]


def render_digest(
    sub: SubscriptionInfo, sections: list[Section], recipient: Recipient, today: date, links: Links
) -> Rendered:
    lang = _lang(sub.language)
    words = labels()[lang]
    subject = str(words["subject"]).format(name=sub.name, count=sum(s.count for s in sections))
    context = {
        "L": words,
        "lang": lang,
        "subject": subject,
        "sections": sections,
        "intro": str(words["intro"]).format(
            name=sub.name,
            today=today.isoformat(),
            frequency=words["frequency"].get(sub.frequency, sub.frequency),
        ),
        "footer": str(words["footer"]).format(email=recipient.email, name=sub.name),
        "manage_url": links.manage(sub.id),
        "unsubscribe_url": links.unsubscribe(recipient.id),
    }
    env = environment()
    return Rendered(
        subject,
        env.get_template("digest.txt").render(context),
        env.get_template("digest.html").render(context),
    )


def render_confirmation(sub: SubscriptionInfo, recipient: Recipient, links: Links) -> Rendered:
    lang = _lang(sub.language)
    words = labels()[lang]
    subject = str(words["confirm_subject"]).format(name=sub.name)
    context = {
        "L": words,
        "lang": lang,
        "subject": subject,
        "confirm_url": links.confirm(recipient.id),
        "intro": str(words["confirm_intro"]).format(email=recipient.email, name=sub.name),
    }
    env = environment()
    return Rendered(
        subject,
        env.get_template("confirm.txt").render(context),
        env.get_template("confirm.html").render(context),
    )
