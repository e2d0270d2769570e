"""A search request compiled once into a backend-neutral plan, and a pure-Python evaluator of it.

Every backend only translates the plan (SQLite into an FTS5 MATCH expression, Elasticsearch into a bool query);
`Plan.matches` answers "would this document be a hit?" with the same semantics, so the alert matcher means
exactly what search means. The behaviour suite checks the evaluator against both backends.

Semantics (a document is a hit when every part holds):
- text: every clause matches (a clause is a query word, its synonyms, its cross-strait spellings or its
  translations from the glossary) — OR a code hit;
  a Han word matches as a phrase of its bigrams within one Han run of one field (a substring match, whatever
  jieba made of the document); one Han character matches any bigram starting with it; a Latin word or number
  matches a whole token of the titles, the body or the codes (English words as Snowball stems); several
  English words (a translation such as `medical device`) match as consecutive tokens;
- code hit: the query is a standard code / TBT symbol and the document is that code, another edition of it, or a
  code that starts with it;
- filters: equality fields hold one of the values (a multi-valued field such as `degree`: any of its values);
  prefix fields (ICS, CCS, HS) have a code starting with one of the prefixes; ranges hold the document's value
  (undated documents fail a date range); `open_for_comments` is a range on the comment deadline from the day
  the query is compiled (SearchQuery.as_of, else today).
Ranking tiers (backends apply them): code hits first (search.codes.code_order: the exact code, other editions
newest first, its parts, then longer numbers that merely start with it), then
documents whose titles match every clause with same-language terms, shorter titles first, then newest; then
those whose titles match only through a translation (cross-language), likewise; then the rest, newest first.
Within every tier (code tiers included) current, upcoming and status-less documents come before replaced and
withdrawn ones (search.codes.is_stale), whose hits show their successors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property

from search.analysis import Analyzer, CrossTerm, QueryClause, is_han
from search.codes import CodeQuery, code_query
from search.documents import IndexedDocument
from search.fields import BY_NAME, FilterKind, tag
from search.query import SearchQuery, SortOrder


class TermMode(StrEnum):
    PHRASE = "phrase"  # Han word of 2+ characters: its bigrams, consecutive
    PREFIX = "prefix"  # one Han character: a bigram (or final unigram) starting with it
    TOKEN = "token"  # Latin word or number: one whole token
    WORDS = "words"  # several Latin words (stems joined by spaces): consecutive tokens


@dataclass(frozen=True)
class Term:
    text: str
    mode: TermMode
    via: str | None = None  # set on cross-language terms: why they are there ("纺织品 -> textiles")

    @property
    def cross(self) -> bool:
        return self.via is not None

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The tokens a WORDS term is made of."""
        return tuple(self.text.split())

    @cached_property
    def grams(self) -> tuple[str, ...]:
        """The bigrams a PHRASE term is made of."""
        return tuple(self.text[i : i + 2] for i in range(len(self.text) - 1))


@dataclass(frozen=True)
class Clause:
    """Any one of the terms satisfies the clause (a word, its synonyms and spellings, its translations)."""

    terms: tuple[Term, ...]

    @property
    def direct(self) -> Clause:
        """The clause without its cross-language terms."""
        return Clause(tuple(t for t in self.terms if not t.cross))


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
        """The title tiers: every clause matches within the titles (translations included)."""
        return bool(self.clauses) and all(
            _clause_matches(c, (doc.title_bg,), (doc.title_tok,)) for c in self.clauses
        )

    def direct_title_matches(self, doc: IndexedDocument) -> bool:
        """The first relevance tier: every clause matches within the titles in the query's own language."""
        return bool(self.clauses) and all(
            _clause_matches(c.direct, (doc.title_bg,), (doc.title_tok,)) for c in self.clauses
        )

    @property
    def has_cross_terms(self) -> bool:
        return any(t.cross for c in self.clauses for t in c.terms)

    def matched_via(self, doc: IndexedDocument) -> tuple[str, ...]:
        """Why a hit matched through translations: the cross-language terms of the clauses that its text
        matches only through them (empty for a document that matches in the query's own language)."""
        return self._via((doc.title_bg, doc.body_bg), (doc.title_tok, doc.body_tok, doc.codes))

    def matched_via_tokens(
        self,
        title_tok: Sequence[str],
        title_bg: Sequence[str],
        body_tok: Sequence[str],
        body_bg: Sequence[str],
    ) -> tuple[str, ...]:
        """`matched_via` for a hit read back from an index, from the tokens it stored for the hit."""
        if not self.has_cross_terms:
            return ()
        return self._via((title_bg, body_bg), (title_tok, body_tok))

    def title_tier(self, title_tok: Sequence[str], title_bg: Sequence[str]) -> int:
        """The relevance tier of a document by its title tokens: 0 when every clause matches within the titles
        in the query's own language, 1 when only through translations, else 2."""
        titles: tuple[Sequence[str], ...] = (title_bg,)
        words: tuple[Sequence[str], ...] = (title_tok,)
        if all(_clause_matches(c.direct, titles, words) for c in self.clauses):
            return 0
        return 1 if all(_clause_matches(c, titles, words) for c in self.clauses) else 2

    def _via(self, han: Sequence[Sequence[str]], words: Sequence[Sequence[str]]) -> tuple[str, ...]:
        via: list[str] = []
        for clause in self.clauses:
            if _clause_matches(clause.direct, han, words):
                continue
            via += [t.via for t in clause.terms if t.via and _clause_matches(Clause((t,)), han, words)]
        return tuple(dict.fromkeys(via))

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
                value = d.value(f.field)
                values = value if isinstance(value, list) else [value]
                if not any(v in f.values for v in values):
                    return False
            elif not any(t.startswith(f.values) for t in doc.tags):
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
        elif term.mode is TermMode.WORDS:
            if any(_has_phrase(tokens, term.words) for tokens in word_fields):
                return True
        elif term.mode is TermMode.PREFIX:
            if any(g.startswith(term.text) for grams in han_fields for g in grams):
                return True
        elif any(_has_phrase(grams, term.grams) for grams in han_fields):
            return True
    return False


def _has_phrase(tokens: Sequence[str], phrase: tuple[str, ...]) -> bool:
    # list.index scans in C: the matcher asks this hundreds of thousands of times per batch of documents
    n, first = len(phrase), phrase[0]
    if first not in tokens:
        return False
    if n == 1:
        return True
    start = 0
    try:
        while True:
            i = tokens.index(first, start)
            if tuple(tokens[i : i + n]) == phrase:
                return True
            start = i + 1
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------ compiling
def _term(text: str, via: str | None = None) -> Term:
    if not is_han(text):
        return Term(text, TermMode.WORDS if " " in text else TermMode.TOKEN, via)
    return Term(text, TermMode.PREFIX if len(text) == 1 else TermMode.PHRASE, via)


def _clause(clause: QueryClause) -> Clause:
    direct = [_term(alt) for alt in clause.alternatives]
    known = set(clause.alternatives)
    cross = [_term(c.text, c.via) for c in _first_via(clause.cross) if c.text not in known]
    return Clause(tuple(direct + cross))


def _first_via(terms: Sequence[CrossTerm]) -> list[CrossTerm]:
    """One cross-language term per text (the first reason found for it)."""
    first: dict[str, CrossTerm] = {}
    for t in terms:
        first.setdefault(t.text, t)
    return list(first.values())


def _highlight_terms(clauses: Sequence[QueryClause]) -> tuple[str, ...]:
    """What hits mark: every alternative; for stems and translations also the words as written."""
    terms: set[str] = set()
    for c in clauses:
        terms.update(alt for alt in (c.word, *c.alternatives) if alt)
        for cross in c.cross:
            terms.add(cross.text)
            terms.add(cross.via.split(" -> ", 1)[1].lower())
    return tuple(sorted(terms, key=len, reverse=True))


def _open_range(field: str, values: Sequence[str], today: date) -> RangeFilter:
    """`open_for_comments=true`: the deadline is today or later; `false`: it has passed. Resolved when the
    query is compiled, so a saved search means "open as of the day it runs"."""
    if "true" in values:
        return RangeFilter(field, today, None)
    return RangeFilter(field, None, today - timedelta(days=1))


def compile_query(query: SearchQuery, analyzer: Analyzer) -> Plan:
    """Analyse the request once; every backend and the alert matcher work from the result."""
    clauses = analyzer.query_clauses(query.text)
    filters = []
    ranges = [RangeFilter(name, low, high) for name, (low, high) in query.ranges.items()]
    for name, values in query.filters.items():
        kind = BY_NAME[name].filter
        assert kind is not None  # SearchQuery admits filter fields only
        if kind is FilterKind.OPEN:
            ranges.append(_open_range(BY_NAME[name].source or name, values, query.as_of or date.today()))
            continue
        prefixes = tuple(tag(name, v) for v in values) if kind is FilterKind.PREFIX else tuple(values)
        filters.append(FieldFilter(name, kind, prefixes))
    return Plan(
        clauses=tuple(_clause(c) for c in clauses),
        code=code_query(query.text),
        filters=tuple(filters),
        ranges=tuple(ranges),
        sort=query.sort,
        offset=query.offset,
        size=query.size,
        highlight_terms=_highlight_terms(clauses),
    )


class CompiledPlans:
    """compile_query, remembered for the last `limit` requests of one analyzer: analysing a query with the
    cross-strait and glossary vocabulary is ~50 us, a sixth of a cheap search, and texts repeat (pages of one
    search, popular and saved searches). The key is every field of the request (so a new field is part of it)
    and the day open filters are judged on. Safe to share between threads: a plan is immutable, and an entry
    another thread dropped first is simply gone."""

    def __init__(self, analyzer: Analyzer, limit: int = 512) -> None:
        self.analyzer = analyzer
        self.limit = limit
        self._plans: dict[tuple[object, ...], Plan] = {}

    def compile(self, query: SearchQuery) -> Plan:
        key = (*(_hashable(getattr(query, f.name)) for f in fields(query)), query.as_of or date.today())
        plan = self._plans.get(key)
        if plan is None:
            plan = compile_query(query, self.analyzer)
            while len(self._plans) >= self.limit:
                try:
                    self._plans.pop(next(iter(self._plans)), None)
                except (RuntimeError, StopIteration):  # changed or emptied by another thread meanwhile
                    break
            self._plans[key] = plan
        return plan

    def clear(self) -> None:
        self._plans.clear()


def _hashable(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
