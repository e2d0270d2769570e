"""Highlighted snippets in a document's ORIGINAL text (traditional characters, full-width forms kept)."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Sequence

from search.analysis import Analyzer

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
# A hit carries bounded text, never a whole long record (issue 10, item 5): snippets of at most SNIPPET_WIDTH
# source characters around the first match, titles cut at MAX_HIT_TITLE; the document endpoint stays whole.
SNIPPET_WIDTH = 240
MAX_HIT_TITLE = 500


def bounded_title(title: str, limit: int = MAX_HIT_TITLE) -> str:
    """The title a hit shows: whole when it is of a sane length, else cut with an ellipsis."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


@functools.cache
def _nfkc_tables() -> tuple[dict[int, str], re.Pattern[str]]:
    """Per-character NFKC of the Basic Multilingual Plane as a str.translate table (characters whose form is one
    other character: full-width forms, compatibility ideographs), and a pattern finding the characters whose form
    has another length (ligatures, ㎜, ①) or that lie outside the plane. Built once (~10 ms): folding a hit's text
    character by character in Python was the largest cost of a search's hits."""
    single: dict[int, str] = {}
    other: list[str] = []
    for point in range(0x10000):
        ch = chr(point)
        form = unicodedata.normalize("NFKC", ch)
        if form != ch:
            if len(form) == 1:
                single[point] = form
            else:
                other.append(re.escape(ch))
    return single, re.compile(f"[{''.join(other)}\U00010000-\U0010ffff]")


def _folded_with_offsets(text: str, analyzer: Analyzer) -> tuple[str, Sequence[int]]:
    """The analyzer's folding of `text`, and for each folded character the index of its source character."""
    single, other = _nfkc_tables()
    if other.search(text) is None:
        # Every character keeps its length: the same per-character NFKC by one C-level translate, and the
        # folded text lines up with the source character for character.
        nfkc_text = text.translate(single)
        offsets: Sequence[int] = range(len(text))
    else:
        pieces, expanded = [], []
        for i, ch in enumerate(text):
            nfkc = unicodedata.normalize("NFKC", ch)
            pieces.append(nfkc)
            expanded.extend([i] * len(nfkc))
        nfkc_text, offsets = "".join(pieces), expanded
    folded = analyzer.normalize(nfkc_text)
    if len(folded) != len(nfkc_text):
        # OpenCC changed the length (rare phrase conversions): fold character by character instead.
        folded = "".join(analyzer.normalize(c)[:1] or c for c in nfkc_text)
    return folded, offsets


def _at_word_edges(folded: str, start: int, end: int) -> bool:
    """Latin words and numbers match whole (`t` must not light up every t in `State`); Han text has no edges."""
    if not folded[start].isascii():
        return True
    before = folded[start - 1] if start > 0 else " "
    after = folded[end] if end < len(folded) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _spans(folded: str, offsets: Sequence[int], terms: list[str]) -> list[tuple[int, int]]:
    taken = [False] * len(folded)
    spans = []
    for term in terms:  # longest first, so 锂离子电池 wins over 电池
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]) and _at_word_edges(folded, start, end):
                taken[start:end] = [True] * len(term)
                spans.append((offsets[start], offsets[end - 1] + 1))
            start = folded.find(term, end)
    return sorted(spans)


def highlight(text: str, terms: list[str], analyzer: Analyzer, width: int = SNIPPET_WIDTH) -> str | None:
    """HTML-escaped snippet of `text` around its first match with matches in <mark>; None when none match."""
    if not text or not terms:
        return None
    folded, offsets = _folded_with_offsets(text, analyzer)
    spans = _spans(folded, offsets, terms)
    if not spans:
        return None
    lo = max(0, spans[0][0] - width // 4)
    hi = min(len(text), lo + width)
    out, pos = [], lo
    for start, end in spans:
        if start < pos or end > hi:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(MARK_OPEN + html.escape(text[start:end]) + MARK_CLOSE)
        pos = end
    out.append(html.escape(text[pos:hi]))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")


def hit_highlights(
    title: str, titles: list[str], body: str, code: str, terms: list[str], analyzer: Analyzer
) -> dict[str, str]:
    """The snippets a search hit shows: title, text and code, each only when it holds a match."""
    out = {}
    for name, text in (("title", "\n".join(titles) or title), ("text", body), ("code", code)):
        marked = highlight(text, terms, analyzer)
        if marked:
            out[name] = marked
    return out
