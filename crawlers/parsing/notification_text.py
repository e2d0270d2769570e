"""The WTO TBT notification form as text (items 1-11), in English as the WTO circulates it and in the Chinese relay
versions, plus the daily 通报速递 summary of SAMR's review centre.

Texts found on the web are often cut off (the samples are excerpts): the parser takes what is there and says which
form items it could not find, rather than failing or guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from crawlers.parsing.eping import hs_codes, ics_codes
from stdwatch.identifiers import parse_tbt_symbol

# form item number -> (record field, labels in English and Chinese)
ITEMS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("member_name", ("Notifying Member:", "通报成员：", "通报成员:")),
    2: ("agency", ("Agency responsible:", "负责机构：", "负责机构:")),
    3: ("notified_under", ("Notified under Article", "通报依据的条款：", "通报依据的条款:")),
    4: ("products", ("Products covered", "覆盖的产品：", "覆盖的产品:")),
    5: ("title", ("Title, number of pages and language(s) of the notified document:",
                  "Title, number of pages and language(s) of the notified document", "通报标题：", "通报标题:")),
    6: ("description", ("Description of content:", "内容简述：", "内容简述:")),
    7: ("objective", ("Objective and rationale, including the nature of urgent problems where applicable:",
                      "目的和理由：", "目的和理由:")),
    8: ("relevant_documents", ("Relevant documents:", "相关文件：", "相关文件:")),
    9: ("proposed_adoption", ("Proposed date of adoption:", "拟批准日期：", "拟批准日期:")),
    10: ("comment_deadline", ("Final date for comments:", "意见反馈截止日期：", "意见反馈截止日期:")),
    11: ("texts_available", ("Texts available from:", "文本可从以下机构得到：", "文本可从以下机构得到:")),
}
ENTRY_INTO_FORCE = ("Proposed date of entry into force:", "拟生效日期：", "拟生效日期:")
_BOILERPLATE = (
    r"If applicable, name of local government involved \(Article 3\.2 and 7\.2\):",
    r"Name and address \(including telephone and fax numbers, email and website addresses, if available\) of agency "
    r"or authority designated to handle comments regarding the notification shall be indicated if different from "
    r"above:",
    r"\(HS or CCCN where applicable, otherwise national tariff heading\. ICS numbers may be provided in addition, "
    r"where applicable\):",
    r"\[excerpt ends here\]",
)
_SYMBOL = re.compile(r"G/TBT/N/[A-Z]{2,4}/\d+(?:/(?:Rev|Add|Corr|Suppl)\.\s?\d+)*", re.IGNORECASE)


@dataclass
class NotificationText:
    record: dict[str, Any]
    found: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def _positions(body: str) -> list[tuple[int, int, str]]:
    """(start of label, end of label, field) for every label present, in text order."""
    marks = []
    for _, (name, labels) in ITEMS.items():
        for label in labels:
            at = body.find(label)
            if at != -1:
                marks.append((at, at + len(label), name))
                break
    for label in ENTRY_INTO_FORCE:
        at = body.find(label)
        if at != -1:
            marks.append((at, at + len(label), "proposed_entry_into_force"))
            break
    return sorted(marks)


def _clean(value: str) -> str | None:
    for pattern in _BOILERPLATE:
        value = re.sub(pattern, " ", value)
    value = re.sub(r"(?m)^\s*\d{1,2}\.\s*\|?\s*$", " ", value)  # the item numbers of the next item
    value = re.sub(r"\s*\|\s*", " ", value)
    value = re.sub(r"\s+", " ", value).strip(" ;|")
    return value or None


def parse_notification(body: str) -> NotificationText:
    """Record fields (tbt_notification interchange keys) from a notification form's text."""
    body = unicodedata.normalize("NFKC", body)  # relays print full-width colons and brackets
    marks = _positions(body)
    values: dict[str, str | None] = {}
    for i, (_, end, name) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(body)
        values[name] = _clean(body[end:stop])
    record: dict[str, Any] = {k: v for k, v in values.items() if v and k != "texts_available"}
    if symbol := _SYMBOL.search(body):
        record["symbol"] = str(parse_tbt_symbol(symbol.group(0)))
    if "notified_under" in record:
        ticked = re.findall(r"(\d\.\d+(?:\.\d+)?)\s*\[\s*[Xx]\s*\]", record["notified_under"])
        record["notified_under"] = ", ".join(ticked) if ticked else None
    if products := record.get("products"):
        hs = re.search(r"HS code\(s\):\s*([^)]*)\)", products)
        ics = re.search(r"ICS code\(s\):\s*([^)]*)\)", products)
        record["hs"] = hs_codes(hs.group(1)) if hs else []
        record["ics"] = ics_codes(ics.group(1)) if ics else []
        record["products"] = re.sub(r"\s*[(;]*\s*\((?:HS|ICS) code\(s\):[^)]*\)\)?;?", "", products).strip(" ;:") or None
    if title := record.get("title"):
        record["title"] = re.sub(r"\s*;?\s*\(\d+ page\(s\), in [^)]*\)\s*$", "", title).strip(" ;") or None
    found = [n for n, (name, _) in ITEMS.items() if name in values]
    return NotificationText({k: v for k, v in record.items() if v not in (None, "", [])}, found,
                            [n for n in ITEMS if n not in found])


@dataclass(frozen=True)
class DailySummary:
    """The review centre's daily bulletin (每日通报): how many measures which members notified that day."""

    day: str
    members: int
    measures: int
    tbt: int
    sps: int
    by_member: dict[str, int]


def parse_daily_summary(body: str) -> DailySummary:
    head = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日[,，]共有(\d+)个WTO成员通报了(\d+)项技术性贸易措施[,，]"
                     r"其中TBT措施(\d+)项、SPS措施(\d+)项", body)
    if not head:
        raise ValueError("not a daily notification summary: the opening sentence is missing")
    year, month, day, members, measures, tbt, sps = head.groups()
    listing = re.search(r"通报情况为[:：](.*?)。", body)
    by_member = {m: int(n) for m, n in re.findall(r"([^、:：]+?)(\d+)项", listing.group(1))} if listing else {}
    return DailySummary(f"{int(year):04d}-{int(month):02d}-{int(day):02d}", int(members), int(measures), int(tbt),
                        int(sps), by_member)
