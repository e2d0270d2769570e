"""Full-text search of studies with the documents' analyzer (search/analysis.py), evaluated in Python.

Why not an index: studies are few (hundreds, a few thousand at most) and change through a review workflow, not
a crawl. Each study revision's text is analysed once and its word sets cached by (id, revision), so a query is
set look-ups over the listed studies (bench/bench_study_search.py: 1,000 studies take about 1 s to analyse the
first time, then about 20 ms a query; 5,000 about 70 ms; reading the studies from the store comes on top). No
second index has to be kept in step with the store, and the answer is the same on both search backends, since
neither is involved. A query is read like a document search: every clause must match, any of its alternatives
(a word or its synonyms) will do; a Han word also matches when all its bigrams occur (segmentation can cut a
study's text differently). A query that is a standard code matches the studies naming that standard (any
edition when the query gives none). Title hits rank first.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.analysis import Analyzer, QueryClause, is_han
from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.store.studies import StoredStudy, code_and_key
from stdwatch.studies.model import StudyContent


@dataclass(frozen=True)
class _Terms:
    tokens: frozenset[str]
    grams: frozenset[str]

    def has(self, word: str) -> bool:
        if word in self.tokens:
            return True
        if is_han(word) and len(word) > 1:
            return all(word[i : i + 2] in self.grams for i in range(len(word) - 1))
        return False


def _terms(analyzer: Analyzer, texts: list[str]) -> _Terms:
    tokens, grams = analyzer.analyse("\n".join(t for t in texts if t))
    return _Terms(frozenset(tokens), frozenset(grams))


def _body(content: StudyContent) -> list[str]:
    texts = [content.purpose, content.scope, content.method, content.conclusion, content.recommendations]
    texts += [*content.authors, *content.domestic, *content.counterparts]
    for item in content.items:
        texts += [item.clause, item.indicator, item.note, item.domestic.text if item.domestic else ""]
        texts += [cp.requirement.text for cp in item.counterparts if cp.requirement]
    return texts


def _code_query(q: str) -> tuple[str, str] | None:
    try:
        parse_standard_code(q)
    except CodeError:
        return None
    return code_and_key(q)


def _names(study: StoredStudy, code: str, key: str) -> bool:
    for text in (*study.content.domestic, *study.content.counterparts):
        own_code, own_key = code_and_key(text)
        if code in (own_code, own_key) or (code == key and own_key == key):
            return True
    return False


# (analyzer, study id, revision) -> (title terms, body terms): a revision's text never changes, so its analysis
# is done once per process; bounded so a long-running server does not grow without limit.
_CACHE: dict[tuple[int, int, int], tuple[_Terms, _Terms]] = {}
_CACHE_SIZE = 20_000


def _study_terms(analyzer: Analyzer, study: StoredStudy) -> tuple[_Terms, _Terms]:
    key = (id(analyzer), study.id, study.revision)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        found = _CACHE[key] = (
            _terms(analyzer, [study.content.title]),
            _terms(analyzer, _body(study.content)),
        )
    return found


def _score(analyzer: Analyzer, study: StoredStudy, clauses: list[QueryClause]) -> int:
    title, body = _study_terms(analyzer, study)
    score = 0
    for clause in clauses:
        if any(title.has(w) for w in clause.alternatives):
            score += 3
        elif any(body.has(w) for w in clause.alternatives):
            score += 1
        else:
            return 0
    return score


def search_studies(analyzer: Analyzer, studies: list[StoredStudy], q: str) -> list[StoredStudy]:
    """The studies matching `q`, best first (ties: most recently changed first, as listed)."""
    if code := _code_query(q.strip()):
        return [s for s in studies if _names(s, *code)]
    clauses = analyzer.query_clauses(q)
    if not clauses:
        return []
    scored = [(_score(analyzer, s, clauses), i, s) for i, s in enumerate(studies)]
    return [s for score, _, s in sorted(scored, key=lambda t: (-t[0], t[1])) if score > 0]
