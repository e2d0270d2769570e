"""A search request compiled once into a backend-neutral plan, and a pure-Python evaluator of it.

Every backend only translates the plan (SQLite into an FTS5 MATCH expression, Elasticsearch into a bool query);
`Plan.matches` answers "would this document be a hit?" with the same semantics, so the alert matcher means
exactly what search means. The behaviour suite checks the evaluator against both backends.

Semantics (a document is a hit when every part holds):
- text: every clause matches (a clause is a query word or any of its synonyms) — OR a code hit;
  a Han word matches as a phrase of its bigrams within one Han run of one field (a substring match, whatever
  jieba made of the document); one Han character matches any bigram starting with it; a Latin word or number
  matches a whole token of the titles, the body or the codes;
- code hit: the query is a standard code / TBT symbol and the document is that code, another edition of it, or a
  code that starts with it;
- filters: equality fields hold one of the values; prefix fields (ICS, HS) have a code starting with one of the
  prefixes; ranges hold the document's value (undated documents fail a date range).
Ranking tiers (backends apply them): code hits first (exact, other editions newest first, longer codes), then
documents whose titles match every clause, shorter titles first, then newest; then the rest, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from search.analysis import Analyzer, QueryClause, is_han
from search.codes import CodeQuery, code_query
from search.documents import IndexedDocument
from search.fields import BY_NAME, FilterKind, tag
from search.query import SearchQuery, SortOrder


class TermMode(StrEnum):
    PHRASE = "phrase"  # Han word of 2+ characters: its bigrams, consecutive
    PREFIX = "prefix"  # one Han character: a bigram (or final unigram) starting with it
    TOKEN = "token"  # Latin word or number: one whole token


@dataclass(frozen=True)
class Term:
    text: str
    mode: TermMode

    @property
    def grams(self) -> tuple[str, ...]:
        """The bigrams a PHRASE term is made of."""
        return tuple(self.text[i : i + 2] for i in range(len(self.text) - 1))


@dataclass(frozen=True)
class Clause:
    """Any one of the terms satisfies the clause (a word and its synonyms)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class FieldFilter:
    field: str
    kind: FilterKind
    values: tuple[str, ...]  # equality: field values; prefix: tag prefixes (search.fields.tag)


@dataclass(frozen=True)
class RangeFilter:
    field: str
    low: date | None
    high: date | None


@dataclass(frozen=True)
class Plan:
    clauses: tuple[Clause, ...]
    code: CodeQuery | None
    filters: tuple[FieldFilter, ...]
    ranges: tuple[RangeFilter, ...]
    sort: SortOrder = SortOrder.RELEVANCE
    offset: int = 0
    size: int = 20
    highlight_terms: tuple[str, ...] = field(default=())

    @property
    def ranks_by_title(self) -> bool:
        return self.sort is SortOrder.RELEVANCE and bool(self.clauses)

    # ------------------------------------------------------------------------------------------ evaluator
    def matches(self, doc: IndexedDocument) -> bool:
        """Would `doc` be a hit of this plan? (The same answer every backend gives.)"""
        if not self.passes_filters(doc):
            return False
        return self.is_code_hit(doc) or self.text_matches(doc)

    def text_matches(self, doc: IndexedDocument) -> bool:
        return all(
            _clause_matches(c, (doc.title_bg, doc.body_bg), (doc.title_tok, doc.body_tok, doc.codes))
            for c in self.clauses
        )

    def title_matches(self, doc: IndexedDocument) -> bool:
        """The first relevance tier: every clause matches within the titles."""
        return bool(self.clauses) and all(
            _clause_matches(c, (doc.title_bg,), (doc.title_tok,)) for c in self.clauses
        )

    def is_code_hit(self, doc: IndexedDocument) -> bool:
        code = self.code
        if code is None:
            return False
        d = doc.document
        return d.code == code.exact or d.code_key == code.key or d.code.startswith(code.prefix)

    def passes_filters(self, doc: IndexedDocument) -> bool:
        d = doc.document
        for f in self.filters:
            if f.kind is FilterKind.EQUALITY:
                if d.value(f.field) not in f.values:
                    return False
            elif not any(t.startswith(p) for t in doc.tags for p in f.values):
                return False
        for r in self.ranges:
            value = d.value(r.field)
            if not isinstance(value, date) or (r.low and value < r.low) or (r.high and value > r.high):
                return False
        return True


def _clause_matches(
    clause: Clause, han_fields: Sequence[Sequence[str]], word_fields: Sequence[Sequence[str]]
) -> bool:
    for term in clause.terms:
        if term.mode is TermMode.TOKEN:
            if any(term.text in tokens for tokens in word_fields):
                return True
        elif term.mode is TermMode.PREFIX:
            if any(g.startswith(term.text) for grams in han_fields for g in grams):
                return True
        elif any(_has_phrase(grams, term.grams) for grams in han_fields):
            return True
    return False


def _has_phrase(tokens: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(token == first and tuple(tokens[i:i + n]) == phrase for i, token in enumerate(tokens))


# ------------------------------------------------------------------------------------------ compiling
def _term(text: str) -> Term:
    if not is_han(text):
        return Term(text, TermMode.TOKEN)
    return Term(text, TermMode.PREFIX if len(text) == 1 else TermMode.PHRASE)


def _clause(clause: QueryClause) -> Clause:
    return Clause(tuple(_term(alt) for alt in clause.alternatives))


def compile_query(query: SearchQuery, analyzer: Analyzer) -> Plan:
    """Analyse the request once; every backend and the alert matcher work from the result."""
    clauses = analyzer.query_clauses(query.text)
    filters = []
    for name, values in query.filters.items():
        kind = BY_NAME[name].filter
        assert kind is not None  # SearchQuery admits filter fields only
        prefixes = tuple(tag(name, v) for v in values) if kind is FilterKind.PREFIX else tuple(values)
        filters.append(FieldFilter(name, kind, prefixes))
    ranges = tuple(RangeFilter(name, low, high) for name, (low, high) in query.ranges.items())
    terms = {alt for c in clauses for alt in c.alternatives}
    return Plan(
        clauses=tuple(_clause(c) for c in clauses),
        code=code_query(query.text),
        filters=tuple(filters),
        ranges=ranges,
        sort=query.sort,
        offset=query.offset,
        size=query.size,
        highlight_terms=tuple(sorted(terms, key=len, reverse=True)),
    )
