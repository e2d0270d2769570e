import unicodedata

import pytest

from search.analysis import Analyzer
from search.highlight import _folded_with_offsets, highlight
from search.plan import compile_query
from search.query import SearchQuery


def test_marks_the_original_traditional_text(analyzer: Analyzer) -> None:
    marked = highlight(
        "電動自行車用鋰離子電池",
        list(compile_query(SearchQuery(text="锂电池"), analyzer).highlight_terms),
        analyzer,
    )
    assert marked == "電動自行車用<mark>鋰離子電池</mark>"


def test_escapes_html_and_marks_whole_latin_words_only(analyzer: Analyzer) -> None:
    marked = highlight(
        "<b>LED</b> lighting, not a tLEDx",
        list(compile_query(SearchQuery(text="led"), analyzer).highlight_terms),
        analyzer,
    )
    assert marked == "&lt;b&gt;<mark>LED</mark>&lt;/b&gt; lighting, not a tLEDx"


def test_long_text_is_cut_around_the_first_match(analyzer: Analyzer) -> None:
    text = "前言" * 100 + "锂离子电池" + "附录" * 100
    marked = highlight(
        text,
        list(compile_query(SearchQuery(text="锂离子电池"), analyzer).highlight_terms),
        analyzer,
        width=40,
    )
    assert marked is not None and marked.startswith("…") and marked.endswith("…")
    assert "<mark>锂离子电池</mark>" in marked


def test_no_match_no_snippet(analyzer: Analyzer) -> None:
    assert (
        highlight(
            "玩具安全", list(compile_query(SearchQuery(text="电池"), analyzer).highlight_terms), analyzer
        )
        is None
    )


def _reference_fold(text: str, analyzer: Analyzer) -> tuple[str, list[int]]:
    """The per-character folding the fast path must reproduce (NFKC of each character on its own)."""
    pieces, offsets = [], []
    for i, ch in enumerate(text):
        nfkc = unicodedata.normalize("NFKC", ch)
        pieces.append(nfkc)
        offsets.extend([i] * len(nfkc))
    nfkc_text = "".join(pieces)
    folded = analyzer.normalize(nfkc_text)
    if len(folded) != len(nfkc_text):
        folded = "".join(analyzer.normalize(c)[:1] or c for c in nfkc_text)
    return folded, offsets


@pytest.mark.parametrize(
    "text",
    [
        "電動自行車用鋰離子電池，ＬＥＤ模块（第１部分）",  # full-width forms: one character each
        "ﬁlter ㎜ ① 锂电池…",  # forms of another length: ligature, unit, circled digit
        "e\u0301cole 𠀀𝐀 锂电池",  # a combining accent, characters outside the BMP
        "plain ascii text",
        "",
    ],
)
def test_folding_lines_up_with_the_source_like_per_character_nfkc(text: str, analyzer: Analyzer) -> None:
    folded, offsets = _folded_with_offsets(text, analyzer)
    expected, expected_offsets = _reference_fold(text, analyzer)
    assert folded == expected
    assert list(offsets) == expected_offsets


def test_marks_full_width_and_expanded_text_at_the_source_characters(analyzer: Analyzer) -> None:
    assert highlight("ﬁ ＬＥＤ灯", ["led"], analyzer) == "ﬁ <mark>ＬＥＤ</mark>灯"
    assert highlight("ＬＥＤ灯", ["led"], analyzer) == "<mark>ＬＥＤ</mark>灯"
