from search.analysis import Analyzer
from search.highlight import highlight
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
