from search.analysis import Analyzer
from search.highlight import highlight


def test_marks_the_original_traditional_text(analyzer: Analyzer) -> None:
    marked = highlight("電動自行車用鋰離子電池", analyzer.highlight_terms("锂电池"), analyzer)
    assert marked == "電動自行車用<mark>鋰離子電池</mark>"


def test_escapes_html_and_marks_whole_latin_words_only(analyzer: Analyzer) -> None:
    marked = highlight("<b>LED</b> lighting, not a tLEDx", analyzer.highlight_terms("led"), analyzer)
    assert marked == "&lt;b&gt;<mark>LED</mark>&lt;/b&gt; lighting, not a tLEDx"


def test_long_text_is_cut_around_the_first_match(analyzer: Analyzer) -> None:
    text = "前言" * 100 + "锂离子电池" + "附录" * 100
    marked = highlight(text, analyzer.highlight_terms("锂离子电池"), analyzer, width=40)
    assert marked is not None and marked.startswith("…") and marked.endswith("…")
    assert "<mark>锂离子电池</mark>" in marked


def test_no_match_no_snippet(analyzer: Analyzer) -> None:
    assert highlight("玩具安全", analyzer.highlight_terms("电池"), analyzer) is None
