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
from config.settings import CONFIG_DIR
from stdwatch.identifiers import CodeError, parse_tbt_symbol, slug
from stdwatch.store.outbox import PendingAlert, Recipient, SubscriptionInfo

TEMPLATES = Path(__file__).resolve().parent / "templates"
MEMBERS_PATH = CONFIG_DIR / "wto_members.toml"
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
def member_names() -> dict[str, str]:
    """WTO Members' names by the code their symbols carry (config/wto_members.toml, former codes too)."""
    with MEMBERS_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    return {**data.get("former", {}), **data.get("members", {})}


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


def counted(words: dict[str, Any], key: str, number: int, **fields: Any) -> str:
    """The words for `number` of something: `<key>_one` for exactly one, where a language has it (English;
    Chinese needs no plural)."""
    template = words.get(f"{key}_one") if number == 1 else None
    return str(template or words[key]).format(**fields)


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "zh"


def _own_title(data: dict[str, Any], lang: str) -> str:
    order: tuple[str, ...]
    if data.get("kind") == "tbt_notification":
        order = ("title_zh", "title") if lang == "zh" else ("title", "title_zh")
    elif lang == "zh":
        order = ("title_zh", "title_zh_hant", "title_en")
    else:
        order = ("title_en", "title_zh", "title_zh_hant")
    return next((str(data[k]).strip() for k in order if str(data.get(k) or "").strip()), "")


def base_id(symbol: str) -> str | None:
    """The document id of the notification an addendum (revision, corrigendum...) belongs to."""
    try:
        parsed = parse_tbt_symbol(symbol)
    except CodeError:
        return None
    return None if parsed.is_base else slug(str(parsed.base))


def related_ids(data: dict[str, Any]) -> list[str]:
    """Documents whose title an untitled one may borrow: an addendum's base notification, the editions a
    standard replaces (a new edition keeps its predecessor's title, as a rule)."""
    if data.get("kind") == "tbt_notification":
        found = base_id(str(data.get("symbol") or ""))
        return [found] if found else []
    return [slug(str(code)) for code in data.get("replaces") or []]


def _notification_type(data: dict[str, Any], code: str) -> str:
    stated = str(data.get("notification_type") or "")
    if stated:
        return stated
    return "regular" if base_id(code) is None else "addendum"


def _title(data: dict[str, Any], code: str, lang: str, docs: dict[str, dict[str, Any]]) -> str:
    """Never empty: the document's own title, else a related document's (see related_ids), else what kind of
    document it is."""
    own = _own_title(data, lang)
    if own:
        return own
    if data.get("kind") == "tbt_notification" or code.startswith("G/TBT/"):
        return _untitled_notification(data, code, lang, docs)
    words = labels()[lang]
    for other_id in related_ids(data):
        other = docs.get(other_id, {})
        if borrowed := _own_title(other, lang):
            source = str(other.get("code") or other_id)
            return str(words["borrowed_title"]).format(title=borrowed, source=source)
    family = str(data.get("family") or "")
    kind = words["family"].get(family, family) or words["standards"]
    return str(words["untitled_standard"]).format(kind=kind)


def _untitled_notification(
    data: dict[str, Any], code: str, lang: str, docs: dict[str, dict[str, Any]]
) -> str:
    """'Addendum to G/TBT/N/USA/1964: <its title>' when the store has the base notification."""
    words = labels()[lang]
    base = base_id(code)
    if base is None:
        return str(words["untitled_notification"])
    kind = _notification_type(data, code)
    fields = {
        "kind": words["notification_type"].get(kind, kind),
        "base": str(parse_tbt_symbol(code).base),
        "title": _own_title(docs.get(base, {}), lang),
    }
    return str(words["part_titled" if fields["title"] else "part_untitled"]).format(**fields)


def _days(deadline: str, today: date, words: dict[str, Any]) -> tuple[int | None, str, bool]:
    try:
        left = (date.fromisoformat(deadline[:10]) - today).days
    except ValueError:  # empty, or a date only a human can read: shown as printed, without a count
        return None, "", False
    if left < 0:
        return left, str(words["closed"]), False
    text = str(words["closes_today"]) if left == 0 else counted(words, "days_left", left, days=left)
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
    if reason == "replaced" and not by:
        reason = "replaced_unnamed"  # the successor said it replaces this one; this record names none
    return str(words["change"][reason]).format(by=_codes(by), date=when or "", watched=watched).strip()


def build_entry(
    alert: PendingAlert,
    docs: dict[str, dict[str, Any]],
    today: date,
    lang: str,
    links: Links,
) -> Entry:
    """One line of the digest; `docs` holds the documents' StdWatch JSON by id (an addendum's base
    notification too, when the store has it); a document the store no longer has reads as {}."""
    words = labels()[lang]
    data = docs.get(alert.document_id, {})
    is_tbt = data.get("kind") == "tbt_notification" or alert.document_id.startswith("g-tbt-")
    code = str(data.get("symbol") or data.get("code") or alert.document_id)
    title = _title(data, code, lang, docs)
    entry = Entry(alert.document_id, code, title, links.document(alert.document_id), is_tbt)
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
        entry.note = counted(words, "reminder_line", entry.days_left, days=entry.days_left)
    return entry


def _member_code(data: dict[str, Any], code: str) -> str:
    member = str(data.get("member") or "")
    if not member:
        try:
            member = parse_tbt_symbol(code).member
        except CodeError:
            member = ""
    return member or "?"


def _member_label(member: str, names: set[str], lang: str) -> str:
    """One label per notifying member, whatever each record calls it: for a zh digest a Chinese name a
    record gives; else the WTO's name (config/wto_members.toml); else a Latin-script name a record gives."""
    chinese = sorted(n for n in names if not n.isascii())
    latin = sorted(n for n in names if n.isascii() and n != member)
    candidates = [*(chinese if lang == "zh" else []), member_names().get(member, ""), *latin]
    name = next((c for c in candidates if c), "")
    return f"{name} ({member})" if name and member != "?" else name or member


def _family_label(data: dict[str, Any], lang: str) -> str:
    family = str(data.get("family") or "")
    return str(labels()[lang]["family"].get(family, family or "?"))


def _place(alert: PendingAlert, entry: Entry, data: dict[str, Any], lang: str) -> tuple[str, str]:
    """(section, group key) of an entry: notifications group by member code, standards by family."""
    if alert.reason in WATCH_REASONS:
        return "changes", ""
    if alert.reason == REMINDER:
        return "reminders", ""
    if entry.is_tbt:
        return "notifications", _member_code(data, entry.code)
    return "standards", _family_label(data, lang)


def _grouped(pairs: list[tuple[str, Entry]], labels_of: dict[str, str]) -> list[Group]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for key, entry in pairs:
        groups[key].append(entry)
    return [
        Group(labels_of.get(key, key), sorted(entries, key=lambda e: e.code))
        for key, entries in sorted(groups.items())
    ]


def build_sections(
    alerts: Sequence[PendingAlert], docs: dict[str, dict[str, Any]], today: date, lang: str, links: Links
) -> list[Section]:
    """The digest's sections in a fixed order, empty ones left out. `docs` may hold more documents than
    the alerts name (the base notifications of addenda, for their titles)."""
    lang = _lang(lang)
    words = labels()[lang]
    buckets: dict[str, list[tuple[str, Entry]]] = defaultdict(list)
    kept: dict[tuple[str, str], Entry] = {}
    member_aliases: dict[str, set[str]] = defaultdict(set)
    for alert in sorted(alerts, key=lambda a: (a.document_id, -a.version)):
        data = docs.get(alert.document_id, {})
        entry = build_entry(alert, docs, today, lang, links)
        key, group = _place(alert, entry, data, lang)
        if key == "notifications" and data.get("member_name"):
            member_aliases[group].add(str(data["member_name"]).strip())
        # One entry per document and section: "new" then "changed" before a digest went out is simply new.
        slot = (key, f"{alert.document_id}:{alert.reason}" if key == "changes" else alert.document_id)
        if slot in kept:
            if alert.reason == "new":
                kept[slot].reason_label = str(words["new"])
            continue
        kept[slot] = entry
        buckets[key].append((group, entry))
    member_labels = {
        code: _member_label(code, member_aliases[code], lang) for code, _ in buckets["notifications"]
    }
    return [Section(k, str(words[k]), _grouped(buckets[k], member_labels)) for k in SECTIONS if buckets[k]]


def render_digest(
    sub: SubscriptionInfo, sections: list[Section], recipient: Recipient, today: date, links: Links
) -> Rendered:
    lang = _lang(sub.language)
    words = labels()[lang]
    count = sum(s.count for s in sections)
    subject = counted(words, "subject", count, name=sub.name, count=count)
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
