"""The one analyzer: folding, segmentation with the standards dictionary, synonyms, mixed text."""

from __future__ import annotations

import json
import re

import pytest

from search.analysis import Analyzer
from tests.conftest import DEMO_RECORDS, ROOT


def test_traditional_and_full_width_fold_to_simplified(analyzer: Analyzer) -> None:
    assert analyzer.normalize("電動自行車 ＬＥＤ") == "电动自行车 led"
    assert analyzer.analyse("電動自行車")[0] == analyzer.analyse("电动自行车")[0]


def test_user_dictionary_keeps_standards_vocabulary_whole(analyzer: Analyzer) -> None:
    assert "锂离子电池" in analyzer.words("电动自行车用锂离子电池安全技术规范")
    assert "技术性贸易措施" in analyzer.words("技术性贸易措施评议指南")


def test_mixed_chinese_english_and_codes(analyzer: Analyzer) -> None:
    tokens = analyzer.analyse("普通照明用LED产品 GB/T 24826-2016")[0]
    assert {"led", "gb", "t", "24826", "2016", "照明"} <= set(tokens)


def test_bigrams_cover_every_pair_and_the_last_character(analyzer: Analyzer) -> None:
    assert analyzer.analyse("锂电池 and 储能")[1] == ["锂电", "电池", "池", "储能", "能"]


def test_query_clauses_expand_synonyms_and_drop_particles(analyzer: Analyzer) -> None:
    clauses = analyzer.query_clauses("鋰電池的安全")
    assert [c.alternatives[0] for c in clauses] == ["锂电池", "安全"]
    assert "锂离子电池" in clauses[0].alternatives


def test_user_input_syntax_is_just_text(analyzer: Analyzer) -> None:
    words = analyzer.words('"玩具" NEAR(安全 * (')
    assert words == ["玩具", "near", "安全"]


@pytest.mark.slow
def test_rjieba_agrees_with_jieba_on_our_texts() -> None:
    """rjieba is the default only because it segments our texts exactly as the reference jieba does."""
    config = ROOT / "config"
    fast = Analyzer(config / "jieba_userdict.txt", config / "synonyms.txt", "rjieba")
    reference = Analyzer(config / "jieba_userdict.txt", config / "synonyms.txt", "jieba")
    texts = [
        value
        for line in DEMO_RECORDS.read_text(encoding="utf-8").splitlines()
        for value in json.loads(line).values()
        if isinstance(value, str) and re.search("[\u4e00-\u9fff]", value)
    ]
    assert len(texts) > 100
    for text in texts:
        assert fast.analyse(text)[0] == reference.analyse(text)[0], text
        assert fast.words(text) == reference.words(text), text
