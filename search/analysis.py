"""The one Chinese/English analyzer, used at index time and at query time by every search backend.

Text is folded (NFKC full-width -> half-width, OpenCC traditional -> simplified, lower case), split into runs of
Han characters and runs of letters/digits, and the Han runs are segmented by a jieba-compatible segmenter with the
standards vocabulary in config/. Both backends index the same tokens and the same CJK bigrams, so they agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import opencc

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_HAN_RE = re.compile(rf"[{_HAN}]")

Segmenter = Literal["rjieba", "jieba"]


class _Engine(Protocol):
    def cut(self, text: str) -> list[str]: ...
    def cut_for_search(self, text: str) -> list[str]: ...


class _JiebaEngine:
    """The reference jieba, adapted to rjieba's list-returning interface."""

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(60)
        self._tokenizer = jieba.Tokenizer()

    def add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        self._tokenizer.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return list(self._tokenizer.lcut(text, HMM=True))

    def cut_for_search(self, text: str) -> list[str]:
        return list(self._tokenizer.lcut_for_search(text, HMM=True))


def _rjieba_engine() -> _Engine:
    import rjieba

    return rjieba.Jieba()


def is_han(text: str) -> bool:
    """Does the text start with a Han character (a Han run, as `Analyzer.runs` splits text)?"""
    return bool(_HAN_RE.match(text))


@dataclass(frozen=True)
class QueryClause:
    """One thing the query asks for; any of its alternatives (a word and its synonyms) satisfies it."""

    alternatives: tuple[str, ...]


class Analyzer:
    """Folds, segments and expands text the same way for documents and queries."""

    def __init__(
        self, user_dict: Path | None = None, synonyms: Path | None = None, segmenter: Segmenter = "rjieba"
    ) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._engine: _Engine = _rjieba_engine() if segmenter == "rjieba" else _JiebaEngine()
        self.segmenter = segmenter
        if user_dict is not None:
            for word, freq, tag in read_user_dict(user_dict):
                self._engine.add_word(word, freq, tag)  # type: ignore[attr-defined]
        self._synonyms = read_synonyms(synonyms, self) if synonyms is not None else {}

    # ------------------------------------------------------------------------------------------ folding
    def normalize(self, text: str) -> str:
        """Full-width -> half-width, traditional -> simplified, lower case."""
        if text.isascii():
            return text.lower()
        return str(self._t2s.convert(unicodedata.normalize("NFKC", text))).lower()

    def runs(self, text: str) -> list[str]:
        """Han runs and letter/digit runs of the normalized text; punctuation and spaces separate them."""
        return _RUN_RE.findall(self.normalize(text))

    # ------------------------------------------------------------------------------------------ index side
    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """Index tokens and CJK bigrams of one text, folding it once.

        Tokens: jieba's search-mode tokens of the Han runs plus the letter/digit words. Bigrams: overlapping CJK
        bigrams of each Han run, then the run's last character alone; they give recall where segmentation
        differs between a document and a query, and the trailing unigram lets a one-character query (a prefix
        search on this field) find characters at the end of a run."""
        tokens: list[str] = []
        grams: list[str] = []
        for run in self.runs(text):
            if _HAN_RE.match(run):
                tokens.extend(t for t in self._engine.cut_for_search(run) if t.strip())
                grams.extend(run[i : i + 2] for i in range(len(run) - 1))
                grams.append(run[-1])
            else:
                tokens.append(run)
        return tokens, grams

    # ------------------------------------------------------------------------------------------ query side
    def words(self, text: str) -> list[str]:
        """Query words: jieba's precise mode on Han runs, letter/digit runs as they are."""
        words: list[str] = []
        for run in self.runs(text):
            if _HAN_RE.match(run):
                words.extend(w for w in self._engine.cut(run) if w.strip())
            else:
                words.append(run)
        return words

    def query_clauses(self, text: str) -> list[QueryClause]:
        """What a query asks for: every clause must match. One-character Han words are dropped when the
        query has longer words (they are mostly particles such as 的/用/和)."""
        words = list(dict.fromkeys(self.words(text)))
        if any(len(w) > 1 or not _HAN_RE.match(w) for w in words):
            words = [w for w in words if len(w) > 1 or not _HAN_RE.match(w)]
        return [QueryClause(tuple(dict.fromkeys([w, *self._synonyms.get(w, ())]))) for w in words]


def read_user_dict(path: Path) -> Iterator[tuple[str, int | None, str | None]]:
    """Lines of `word [freq] [tag]`, as jieba's user dictionaries are written."""
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        yield parts[0], freq, tag


def read_synonyms(path: Path, analyzer: Analyzer) -> dict[str, tuple[str, ...]]:
    """Comma-separated groups of equivalent terms, folded like everything else."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        terms = [analyzer.normalize(t).strip() for t in line.split(",") if t.strip()]
        for term in terms:
            groups[term] = tuple(t for t in terms if t != term)
    return groups


@lru_cache(maxsize=4)
def get_analyzer(user_dict: Path | None, synonyms: Path | None, segmenter: Segmenter = "rjieba") -> Analyzer:
    """A shared analyzer (loading the dictionaries takes a moment)."""
    return Analyzer(user_dict, synonyms, segmenter)
