"""The WTO TBT notification form as text (items 1-11), in English as the WTO circulates it and in the Chinese
relay versions.

The form has changed over the years (G/TBT/1 and its revisions; G/TBT/52 for the current one) and relays print
it in several ways, all read here:
- item 1 is "Notifying Member:" now, "Member to Agreement notifying:" on the older form;
- item 5 is "Title, number of pages and language(s) of the notified document:" on older forms and "Details of
  notified document(s):" (title, pages, languages and a members.wto.org link) on the current one;
- relays render the form as a table (`| 1. | Notifying Member: CHINA |`) or run an item into the next one
  (`... P.R.C.) 3. Notified under Article ...`).

Labels are looked for in form order (a label word inside an earlier value is not taken for a label), each
value ends where the next item's label starts, and the next item's number, table cells and the form's
instructions are taken out of it. Texts found on the web are often cut off: the parser takes what is there
and says which items it could not find, rather than failing or guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from crawlers.parsing.eping import hs_codes, ics_codes
from stdwatch.identifiers import parse_tbt_symbol

# form item number -> (record field, labels: English current and older forms, Chinese relays). A space in a
# label matches any run of white space (tables wrap labels); the colon after an English label is optional
# (table cells drop it), after a Chinese one it is required (the bare words occur in running text).
ITEMS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("member_name", ("Notifying Member", "Member to Agreement notifying", "通报成员", "发布通报成员")),
    2: ("agency", ("Agency responsible", "负责机构")),
    3: (
        "notified_under",
        ("Notified under Article", "Notified under", "通报依据的条款", "根据协定哪一条通报"),
    ),
    4: ("products", ("Products covered", "覆盖的产品", "涵盖产品")),
    5: (
        "title",
        (
            "Title, number of pages and language(s) of the notified document",
            "Details of notified document(s)",
            "Details of the notified document(s)",
            "通报标题",
            "通报文件的标题、语言和页数",
        ),
    ),
    6: ("description", ("Description of content", "内容简述", "通报文件内容简述")),
    7: (
        "objective",
        (
            "Objective and rationale, including the nature of urgent problems where applicable",
            "Objective and rationale",
            "目的和理由",
        ),
    ),
    8: ("relevant_documents", ("Relevant documents", "相关文件")),
    9: ("proposed_adoption", ("Proposed date of adoption", "拟批准日期")),
    10: ("comment_deadline", ("Final date for comments", "意见反馈截止日期")),
    11: ("texts_available", ("Texts available from", "Text(s) available from", "文本可从以下机构得到")),
}
ENTRY_INTO_FORCE = ("proposed_entry_into_force", ("Proposed date of entry into force", "拟生效日期"))

# Items 1 and 2 hold a second question of the form; what follows it goes to its own value, not the item's.
_SUB_ITEMS = {
    "member_name": (
        "local_government",
        re.compile(
            r"If applicable,? name of (?:the )?local government involved \(Articles? 3\.2 and 7\.2\):?|"
            r"如可能,?列出涉及的地方政府名称:?",
            re.IGNORECASE,
        ),
    ),
    "agency": (
        "comments_agency",
        re.compile(
            r"Name and address \([^)]{0,200}\) of (?:the )?agency or authority designated to handle comments "
            r"regarding the notification shall be indicated if different from above:?|"
            r"如果负责处理反馈意见的机构不同于上述负责机构[^:]{0,80}:?",
            re.IGNORECASE,
        ),
    ),
}
# The form's own instructions, printed inside the other items (older and current wordings).
_INSTRUCTIONS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^\s*\((?:HS|provide)[^:]{0,300}?\)\s*:",
        r"or address, telephone and fax numbers,? (?:and )?e-?mail and web-?site addresses,? if available,? "
        r"of (?:the )?other body:?",
        r"\[excerpt ends here\]",
    )
]
_CELL_RULE = re.compile(r"\|\s*:?-{3,}:?\s*(?=\|)")  # markdown table rules: |---|---|
_SYMBOL = re.compile(r"G/TBT/N/[A-Z]{2,4}/\d{1,6}(?:/(?:Rev|Add|Corr|Suppl)\.\s?\d{1,4}){0,4}", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s|;,)]+")
_PAGES = re.compile(r"\(?\s*(\d{1,5}) page\(s\),? in ([^)]{1,200})\)?", re.IGNORECASE)
_DETAIL_LABELS = re.compile(
    r"(Title(?: of the notified document)?|Number of pages|Language\(s\)(?: of the notified document)?|"
    r"Link(?: to (?:the )?notified document)?)\s*:",
    re.IGNORECASE,
)


# Read and kept in NotificationText.values, but not fields of a notification record.
_NOT_RECORDED = {"texts_available", "local_government", "comments_agency"}


@dataclass
class NotificationText:
    record: dict[str, Any]
    found: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    pages: int | None = None  # of the notified document, when item 5 states it
    languages: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)  # every item, cleaned (item 11 too)


def _label_re(label: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in label.split(" ")]
    colon = r"\s*:?" if label.isascii() else r"\s*:"
    return re.compile(r"\s+".join(words) + colon, re.IGNORECASE)


_LABELS: list[tuple[int, str, list[re.Pattern[str]]]] = [
    (n, name, [_label_re(lb) for lb in labels]) for n, (name, labels) in ITEMS.items()
] + [(9, ENTRY_INTO_FORCE[0], [_label_re(lb) for lb in ENTRY_INTO_FORCE[1]])]
_LABELS.sort(key=lambda entry: (entry[0], entry[1] == ENTRY_INTO_FORCE[0]))


def _first(patterns: list[re.Pattern[str]], body: str, start: int) -> re.Match[str] | None:
    hits = [m for p in patterns if (m := p.search(body, start))]
    return min(hits, key=lambda m: (m.start(), -m.end()), default=None)


def _marks(body: str) -> list[tuple[int, int, int, str]]:
    """(label start, label end, item number, field) for each label found, in text order. Labels are looked for
    in form order first; one printed out of order is still found if it does not fall inside another label."""
    marks: list[tuple[int, int, int, str]] = []
    cursor = 0
    for number, name, patterns in _LABELS:
        if match := _first(patterns, body, cursor):
            marks.append((match.start(), match.end(), number, name))
            cursor = match.end()
    taken = {name for *_, name in marks}
    for number, name, patterns in _LABELS:
        if name in taken:
            continue
        for match in (m for p in patterns for m in p.finditer(body)):
            if not any(s <= match.start() < e or match.start() <= s < match.end() for s, e, *_ in marks):
                marks.append((match.start(), match.end(), number, name))
                break
    return sorted(marks)


def _clean(value: str, next_item: int | None) -> str | None:
    for pattern in _INSTRUCTIONS:
        value = pattern.sub(" ", value)
    value = re.sub(r"\s+", " ", value)  # single spaces from here on keep the patterns below linear
    if next_item is not None:  # `... P.R.C.) 3.` / `| 5. |` / `5.  1.`: the next item's number, a sub-number
        value = re.sub(rf"(?: ?\|? ?(?<![\d.])(?:{next_item}|1) ?\. ?\|?)+ ?$", "", value)
    value = re.sub(r" ?\| ?", " ", value)
    return value.strip(" ;|-:") or None


def _values(body: str, marks: list[tuple[int, int, int, str]]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for i, (_, end, _, name) in enumerate(marks):
        after = marks[i + 1] if i + 1 < len(marks) else None
        stop = after[0] if after else len(body)
        # a cut-off text ends with the number of the item it did not reach
        if after is None:
            next_item: int | None = marks[i][2] + 1
        else:
            next_item = None if after[3] == ENTRY_INTO_FORCE[0] else after[2]
        if name in values:
            continue
        value, tail = body[end:stop], None
        if name in _SUB_ITEMS:
            sub, instruction = _SUB_ITEMS[name]
            value, *rest = instruction.split(value, maxsplit=1)
            tail = rest[0] if rest else None
            values[sub] = _clean(tail, next_item) if tail is not None else None
        values[name] = _clean(value, None if tail is not None else next_item)
    return values


def _notified_under(value: str) -> str | None:
    ticked = re.findall(r"(\d\.\d{1,2}(?:\.\d)?)\s*\[\s*X\s*\]", value, re.IGNORECASE)
    ticked += re.findall(r"\[\s*X\s*\]\s*(\d\.\d{1,2}(?:\.\d)?)", value, re.IGNORECASE)
    return ", ".join(dict.fromkeys(ticked)) or None


def _products(record: dict[str, Any]) -> None:
    products = record["products"]
    hs = re.search(r"HS code\(s\):\s*([^)]*)\)", products)
    ics = re.search(r"ICS code\(s\):\s*([^)]*)\)", products)
    record["hs"] = hs_codes(hs.group(1)) if hs else []
    record["ics"] = ics_codes(ics.group(1)) if ics else []
    without_codes = re.sub(r"\s*[(;]*\s*\((?:HS|ICS) code\(s\):[^)]*\)\)?;?", "", products)
    record["products"] = without_codes.strip(" ;:") or None


def _document(value: str, parsed: NotificationText) -> str | None:
    """Item 5, either form: the title, and the pages, languages and link of the notified document."""
    links = _URL.findall(value)
    if links:
        parsed.record["text_links"] = links
        value = _URL.sub(" ", value)
    parts = _DETAIL_LABELS.split(value)
    if len(parts) > 1:  # "Title: ... Number of pages: 13 Language(s): English Link: ..."
        pairs = zip(parts[1::2], parts[2::2], strict=True)
        fields = {label.split()[0].lower(): text.strip(" ;,") for label, text in pairs}
        if pages := re.search(r"\d+", fields.get("number", "")):
            parsed.pages = int(pages.group(0))
        parsed.languages = fields.get("language(s)") or None
        value = fields.get("title", parts[0])
    if found := _PAGES.search(value):
        parsed.pages, parsed.languages = int(found.group(1)), found.group(2).strip()
        value = value[: found.start()]
    return value.strip(" ;,") or None


def parse_notification(body: str) -> NotificationText:
    """Record fields (tbt_notification interchange keys) from a notification form's text."""
    # relays print full-width colons and brackets
    body = _CELL_RULE.sub(" ", unicodedata.normalize("NFKC", body))
    marks = _marks(body)
    values = _values(body, marks)
    parsed = NotificationText({}, values=values)
    record = parsed.record
    record.update({k: v for k, v in values.items() if v and k not in _NOT_RECORDED})
    # item 8 may cite other notifications: the symbol is the one at the head of the form
    header = body[: marks[0][0]] if marks else body
    if symbol := _SYMBOL.search(header):
        record["symbol"] = str(parse_tbt_symbol(symbol.group(0)))
    if "notified_under" in record:
        record["notified_under"] = _notified_under(record["notified_under"])
    if record.get("products"):
        _products(record)
    if record.get("title"):
        record["title"] = _document(record["title"], parsed)
    parsed.found = sorted({n for _, _, n, _ in marks})
    parsed.missing = [n for n in ITEMS if n not in parsed.found]
    parsed.record = {k: v for k, v in record.items() if v not in (None, "", [])}
    return parsed
