"""The one Chinese/English analyzer, used at index time and at query time by every search backend.

Text is folded (NFKC full-width -> half-width, OpenCC traditional -> simplified, lower case), split into runs of
Han characters and runs of letters/digits, and the Han runs are segmented by a jieba-compatible segmenter with the
standards vocabulary in config/. English words are stemmed (Snowball) in documents and queries alike. Both backends
index the same tokens and the same CJK bigrams, so they agree.

Queries are expanded here (search/vocabulary.py): synonyms and cross-strait spellings are same-language
alternatives of a word; glossary translations are cross-language alternatives, marked so that backends rank them
below same-language matches and hits can say why they matched.
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
import snowballstemmer

from search.vocabulary import Vocabulary, load_vocabulary

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_HAN}]+|[a-z0-9]+")
_HAN_RE = re.compile(rf"[{_HAN}]")

Segmenter = Literal["rjieba", "jieba"]
_CONFIG = Path(__file__).resolve().parent.parent / "config"
CROSS_STRAIT = _CONFIG / "cross_strait.txt"
GLOSSARIES = (_CONFIG / "glossary_zh_en.tsv", _CONFIG / "glossary_mined.tsv")
# Dropped from queries that have other words (as one-character Han words are): `safety of toys` == `toy safety`.
STOP_WORDS = frozenset("a an and are as at be by for from in into is of on or the to with".split())
_STEM_CACHE_LIMIT = 200_000


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
class CrossTerm:
    """A translation of (part of) the query: folded Han text, or English stems joined by spaces."""

    text: str
    via: str  # why it is there, shown with hits: "纺织品 -> textiles"


@dataclass(frozen=True)
class QueryClause:
    """One thing the query asks for; any of its alternatives (a word, its synonyms and cross-strait spellings)
    or of its cross-language terms satisfies it. Latin alternatives are stems; several words join with spaces."""

    alternatives: tuple[str, ...]
    cross: tuple[CrossTerm, ...] = ()
    word: str = ""  # the query word as written (folded), before stemming


class Analyzer:
    """Folds, segments, stems and expands text the same way for documents and queries."""

    def __init__(
        self,
        user_dict: Path | None = None,
        synonyms: Path | None = None,
        segmenter: Segmenter = "rjieba",
        cross_strait: Path | None = CROSS_STRAIT,
        glossaries: tuple[Path, ...] = GLOSSARIES,
    ) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._engine: _Engine = _rjieba_engine() if segmenter == "rjieba" else _JiebaEngine()
        self.segmenter = segmenter
        self._stemmer = snowballstemmer.stemmer("english")
        self._stems: dict[str, str] = {}
        if user_dict is not None:
            for word, freq, tag in read_user_dict(user_dict):
                self._engine.add_word(word, freq, tag)  # type: ignore[attr-defined]
        self._synonyms = read_synonyms(synonyms, self) if synonyms is not None else {}
        self.vocabulary: Vocabulary = load_vocabulary(
            self.normalize, self.english_terms, cross_strait, glossaries, use_opencc=cross_strait is not None
        )

    # ------------------------------------------------------------------------------------------ folding
    def normalize(self, text: str) -> str:
        """Full-width -> half-width, traditional -> simplified, lower case."""
        if text.isascii():
            return text.lower()
        return str(self._t2s.convert(unicodedata.normalize("NFKC", text))).lower()

    def runs(self, text: str) -> list[str]:
        """Han runs and letter/digit runs of the normalized text; punctuation and spaces separate them."""
        return _RUN_RE.findall(self.normalize(text))

    def stem(self, word: str) -> str:
        """The Snowball stem of a folded Latin word (numbers and codes such as `b7` stay as they are)."""
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word) if word.isalpha() else word
            if len(self._stems) > _STEM_CACHE_LIMIT:  # words are Zipf-distributed: a full cache restarts
                self._stems.clear()
            self._stems[word] = stem
        return stem

    def english_terms(self, text: str) -> tuple[str, ...]:
        """Stems of an English phrase without its stop words (as queries are read)."""
        words = [w for w in self.runs(text) if not _HAN_RE.match(w)]
        kept = [w for w in words if w not in STOP_WORDS] or words
        return tuple(self.stem(w) for w in kept)

    # ------------------------------------------------------------------------------------------ index side
    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """Index tokens and CJK bigrams of one text, folding it once.

        Tokens: jieba's search-mode tokens of the Han runs plus the stemmed letter/digit words other than
        stop words (queries drop them too). Bigrams:
        overlapping CJK bigrams of each Han run, then the run's last character alone; they give recall where
        segmentation differs between a document and a query, and the trailing unigram lets a one-character
        query (a prefix search on this field) find characters at the end of a run."""
        tokens: list[str] = []
        grams: list[str] = []
        for run in self.runs(text):
            if _HAN_RE.match(run):
                tokens.extend(t for t in self._engine.cut_for_search(run) if t.strip())
                grams.extend(run[i : i + 2] for i in range(len(run) - 1))
                grams.append(run[-1])
            elif run not in STOP_WORDS:  # so `implants for surgery` holds the phrase `implant surgeri`
                tokens.append(self.stem(run))
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
        """What a query asks for: every clause must match. One-character Han words and English stop words are
        dropped when the query has other words (mostly particles such as 的/用/和, of/for/and); they still
        count where they complete a glossary term (色 + 牢度 = 色牢度)."""
        words = list(dict.fromkeys(self.words(text)))
        keep = [not _is_particle(w) for w in words]
        if not any(keep):
            keep = [True] * len(words)
        cross = _cross_terms(self, words)
        spanning = _spanning_spellings(self, words)
        clauses = []
        for i, word in enumerate(words):
            if keep[i]:
                alternatives = tuple(dict.fromkeys([*self._alternatives(word), *spanning[i]]))
                clauses.append(QueryClause(alternatives, tuple(dict.fromkeys(cross[i])), word))
        return clauses

    def _alternatives(self, word: str) -> tuple[str, ...]:
        """The word, its synonyms and their cross-strait spellings (Han) or stems (Latin)."""
        out: list[str] = []
        for term in (word, *self._synonyms.get(word, ())):
            if _HAN_RE.match(term):
                out += self.vocabulary.spellings(term)
            else:
                out.append(" ".join(self.english_terms(term)) or term)
        return tuple(dict.fromkeys(out))


def _is_particle(word: str) -> bool:
    return (len(word) == 1 and bool(_HAN_RE.match(word))) or word in STOP_WORDS


def _cross_terms(analyzer: Analyzer, words: list[str]) -> list[list[CrossTerm]]:
    """Cross-language terms for each query word. Every run of consecutive words that is a glossary term (in
    any of its synonyms' or cross-strait spellings) gives its translations to each word of the run: `A B`
    translated as T reads (A or T) and (B or T), which is (A and B) or T."""
    out: list[list[CrossTerm]] = [[] for _ in words]
    vocabulary = analyzer.vocabulary
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + 6) + 1):
            span = words[start:end]
            han = [bool(_HAN_RE.match(w)) for w in span]
            if all(han):
                joined = "".join(span)
                found = [
                    CrossTerm(" ".join(e.en), f"{joined} -> {e.en_label}")
                    for form in _han_forms(analyzer, joined)
                    for e in vocabulary.zh_to_en.get(form, ())
                ]
            elif not any(han):
                stems = analyzer.english_terms(" ".join(span))
                found = [
                    CrossTerm(e.zh, f"{' '.join(span)} -> {e.zh_label}")
                    for e in vocabulary.en_to_zh.get(stems, ())
                ]
                found += [
                    CrossTerm(alt, t.via) for t in list(found) for alt in _han_forms(analyzer, t.text)[1:]
                ]
            else:
                continue
            for i in range(start, end):
                out[i] += found
    return out


def _spanning_spellings(analyzer: Analyzer, words: list[str], longest: int = 4) -> list[list[str]]:
    """Cross-strait spellings of phrases that segmentation cut in two (醫療器材 -> 医疗 | 器材 -> 医疗器械): each
    spelling of a run of consecutive Han words that no word-by-word spelling gives is an alternative of every
    word of the run, as translations are."""
    out: list[list[str]] = [[] for _ in words]
    for start in range(len(words)):
        for end in range(start + 2, min(len(words), start + longest) + 1):
            span = words[start:end]
            if not all(_HAN_RE.match(w) for w in span):
                break
            per_word = [""]
            for w in span:
                per_word = [p + s for p in per_word for s in analyzer.vocabulary.spellings(w)][:64]
            new = [s for s in analyzer.vocabulary.spellings("".join(span)) if s not in per_word]
            for i in range(start, end):
                out[i] += new
    return out


def _han_forms(analyzer: Analyzer, text: str) -> list[str]:
    """A Han term, its synonyms, and the cross-strait spellings of each."""
    forms = [text, *analyzer._synonyms.get(text, ())]
    return list(dict.fromkeys(s for f in forms if _HAN_RE.match(f) for s in analyzer.vocabulary.spellings(f)))


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
def get_analyzer(
    user_dict: Path | None,
    synonyms: Path | None,
    segmenter: Segmenter = "rjieba",
    cross_strait: Path | None = CROSS_STRAIT,
    glossaries: tuple[Path, ...] = GLOSSARIES,
) -> Analyzer:
    """A shared analyzer (loading the dictionaries takes a moment)."""
    return Analyzer(user_dict, synonyms, segmenter, cross_strait, glossaries)
