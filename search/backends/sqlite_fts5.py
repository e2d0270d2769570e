"""The embedded search backend: SQLite FTS5 over tokens made by search.analysis, facets in numpy.

Why this shape (measured on the 2-core machine, 100k documents, see bench/):
- Text matching is FTS5's job, and its MATCH always drives: filter columns are never JOINed to the FTS table
  (SQLite may then pick a plan 100-1000x slower; tests/search/test_sqlite_plans.py guards this).
- Facets and equality/date filters run over in-memory numpy columns of the docs table, like an engine's doc
  values: counting 90k matches costs ~1 ms instead of ~90 ms for a GROUP BY join.
- Relevance is title-first, computed exactly over every match without bm25: documents whose TITLE holds every
  query word come first, shorter (more focused) titles before longer ones, then newest first; then the documents
  that match elsewhere (body, codes), newest first. bm25 would cost ~1.3 us per matching row plus statistics over
  every common bigram in the index (measured: 20-45 ms for a word in half of 100k documents).

Broad terms at a million records (issue 12): a word in half of 1,000,000 documents costs a bare FTS5 rowid scan
of ~500k rows before anything is ranked or counted, several times the 60 ms target. Nobody reads past the first
pages of such an answer, and no ranking over 500k equally-matching titles is meaningful, so a relevance search
with words stops counting at `count_bound` (10,000, Elasticsearch's track_total_hits default):
- FTS5 walks the doclist newest-indexed first (ORDER BY rowid DESC, LIMIT: it stops reading there), applying the
  filters to each chunk, until count_bound + 1 documents pass; the total is then reported as count_bound with
  `total_is_lower_bound` (the API shows "10,000+"), exactly as Elasticsearch reports hits.total with
  relation "gte". Below the bound nothing changes: exact total, every match ranked, exact facets.
- Top-k: the page is ranked (same tiers and keys as below the bound) over those candidates, the newest-indexed
  matches: the index grows in time order (backfill first, then each day's documents), so they are the newest
  arrivals, and a broad word still gets title matches, focused titles and current standards first among them.
  Their tiers come from FTS5 title look-ups that read only from the oldest candidate on. Exact code hits
  always lead, whatever their age. (Walking the title tier first would rank old title matches too, but a
  word frequent in texts and rare in titles then costs a whole doclist: measured 35-80 ms at 1M.)
- Facets count the candidates, so they too are lower bounds ("at least") when the total is; Elasticsearch
  counts every match, which is also a valid lower bound: the API contract is the same for both.
- Restrictive filters make the walk longer (chunks grow 4x), never wrong: a filter passing few documents ends
  with the exact answer after a full walk, as before. Sorts by date, and queries without words, stay exact
  (their order is a date order that no sample gives; filters alone never touch FTS5).
A per-term cache of full counts was the alternative: it makes repeats fast but leaves every first query (and
every query after a write bumps the generation) at the full cost, which is the p99 the issue targets.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from search.analysis import Analyzer
from search.base import IndexSchemaError, SearchBackend, SearchBackendError
from search.codes import code_order, is_stale, part_prefixes
from search.documents import IndexedDocument, SearchDocument, index_document
from search.fields import (
    COLUMNS,
    DATE_COLUMNS,
    FACETS,
    MULTI,
    SCHEMA_VERSION,
    FieldType,
    FilterKind,
    multi_values,
)
from search.highlight import bounded_title, hit_highlights
from search.plan import Clause, Plan, TermMode, compile_query
from search.query import SearchHit, SearchQuery, SearchResult, SortOrder

_SQL_TYPES = {FieldType.KEYWORD: "TEXT", FieldType.DATE: "INTEGER", FieldType.INTEGER: "INTEGER"}
_COLUMN_NAMES = tuple(f.name for f in COLUMNS)
# Keyword columns held in memory, dictionary-encoded, for facets and equality filters.
_ENCODED = tuple(f.name for f in COLUMNS if f.type is FieldType.KEYWORD and (f.facet or f.filter))
_MULTI = tuple(f.name for f in MULTI)
_TEXT_COLUMNS = ("title_tok", "title_bg", "body_tok", "body_bg", "codes", "tags")
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs(
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, code TEXT NOT NULL, code_key TEXT NOT NULL,
  {", ".join(f"{f.name} {_SQL_TYPES[f.type]}" for f in COLUMNS)}, title_len INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_code ON docs(code);
CREATE INDEX IF NOT EXISTS docs_code_key ON docs(code_key);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
  {", ".join(_TEXT_COLUMNS)}, tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
CREATE TABLE IF NOT EXISTS doc_values(rowid INTEGER NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS doc_values_rowid ON doc_values(rowid);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
"""
SQL_INSERT_DOC = (
    f"INSERT INTO docs(rowid, id, code, code_key, {', '.join(_COLUMN_NAMES)}, title_len, payload) "
    f"VALUES ({', '.join('?' * (len(_COLUMN_NAMES) + 6))})"
)
SQL_INSERT_FTS = f"INSERT INTO fts(rowid, {', '.join(_TEXT_COLUMNS)}) VALUES ({', '.join('?' * 7)})"
SQL_MATCH_ROWIDS = "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ? AND rowid >= ?"
# Newest-indexed first, below a rowid, at most LIMIT: FTS5 reads its doclist backwards and stops there.
SQL_MATCH_NEWEST = (
    "SELECT group_concat(rowid) FROM "
    "(SELECT rowid FROM fts WHERE fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?)"
)
SQL_CODE_EXACT = "SELECT rowid FROM docs WHERE code = ?"
SQL_CODE_KEY = "SELECT rowid FROM docs WHERE code_key = ? ORDER BY date DESC, code DESC"
SQL_CODE_PREFIX = "SELECT rowid FROM docs WHERE code >= ? AND code < ? ORDER BY code LIMIT 200"
SQL_CODE_ROWS = "SELECT rowid, code, code_key, status, date FROM docs WHERE rowid IN ({})"
SQL_FETCH = (
    "SELECT rowid, id, kind, code, region, member, status, date, deadline, notification_type, payload "
    "FROM docs WHERE rowid IN ({})"
)
SQL_COLUMNS = f"SELECT rowid, title_len, {', '.join(DATE_COLUMNS + _ENCODED)} FROM docs"
SQL_VALUES = "SELECT rowid, field, value FROM doc_values"
SQL_INSERT_VALUE = "INSERT INTO doc_values(rowid, field, value) VALUES (?, ?, ?)"
PLANNED_QUERIES = {
    "match": SQL_MATCH_ROWIDS,
    "match_newest": SQL_MATCH_NEWEST,
    "code_exact": SQL_CODE_EXACT,
    "code_key": SQL_CODE_KEY,
    "code_prefix": SQL_CODE_PREFIX,
}
_ALL_COLUMNS = ("{title_bg body_bg}", "{title_tok body_tok codes}")
_TITLE_COLUMNS = ("{title_bg}", "{title_tok}")
_NO_DATE = -1
COUNT_BOUND = 10_000  # Elasticsearch's track_total_hits default; config: STDWATCH_SEARCH_COUNT_BOUND


@dataclass
class _Columns:
    """Facet/filter columns indexed by rowid; values dictionary-encoded (code 0 = none)."""

    generation: int
    alive: np.ndarray
    dates: dict[str, np.ndarray]
    year: np.ndarray
    title_len: np.ndarray
    encoded: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    # Multi-valued fields as (rowid, value code) pairs: filters and facets are isin/bincount over them.
    pair_rows: dict[str, np.ndarray]
    pair_codes: dict[str, np.ndarray]

    @property
    def date(self) -> np.ndarray:
        return self.dates["date"]

    def code_of(self, facet: str, value: str) -> int:
        labels = self.labels[facet]
        return labels.index(value) if value in labels else -1


def _date_ord(value: date | None) -> int:
    return value.toordinal() if value else _NO_DATE


def _clause_expression(clause: Clause, columns: tuple[str, str]) -> str:
    """One clause as FTS5 text. Every term is a quoted analyzer token, so user input never reaches FTS5
    syntax: quotes, *, NEAR, brackets are searched as text or dropped."""
    han_columns, word_columns = columns
    alternatives = []
    for term in clause.terms:
        if term.mode in (TermMode.TOKEN, TermMode.WORDS):  # WORDS: stems joined by spaces, an FTS5 phrase
            alternatives.append(f'{word_columns} : "{term.text}"')
        elif term.mode is TermMode.PREFIX:
            alternatives.append(f'{han_columns} : "{term.text}"*')
        else:
            alternatives.append(f'{han_columns} : "{" ".join(term.grams)}"')
    return " OR ".join(alternatives)


def _tags_expression(plan: Plan) -> str | None:
    parts = [
        " OR ".join(f'tags : "{prefix}"*' for prefix in f.values)
        for f in plan.filters
        if f.kind is FilterKind.PREFIX
    ]
    return " AND ".join(f"({p})" for p in parts) if parts else None


def _and(parts: Iterable[str | None]) -> str | None:
    present = [p for p in parts if p]
    return " AND ".join(f"({p})" for p in present) if present else None


class SqliteFts5Backend(SearchBackend):
    name = "sqlite"

    def __init__(
        self, path: Path, analyzer: Analyzer, busy_timeout: float = 30.0, count_bound: int = COUNT_BOUND
    ) -> None:
        self.path = Path(path)
        self.count_bound = count_bound
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.analyzer = analyzer
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._columns_lock = threading.Lock()
        self._columns: _Columns | None = None
        conn = self._conn()
        fresh = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'docs'").fetchone()[0] == 0
        conn.executescript(SCHEMA)
        if fresh:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))

    # ------------------------------------------------------------------------------------------ plumbing
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _meta(self, key: str) -> int | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else None

    def schema_problem(self) -> str | None:
        found = self._meta("schema_version")
        if found == SCHEMA_VERSION:
            return None
        return (
            f"the search index at {self.path} was built by an older version of StdWatch (index schema {found}, "
            f"this version needs {SCHEMA_VERSION}); run `stdwatch index rebuild`"
        )

    def _check_schema(self) -> None:
        if problem := self.schema_problem():
            raise IndexSchemaError(problem)

    @contextmanager
    def _transaction(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction that bumps the generation readers watch; WAL readers keep seeing the old
        state until it commits."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise SearchBackendError(f"sqlite index {what} failed: {exc}") from exc

    # ------------------------------------------------------------------------------------------ writing
    def index(self, docs: Sequence[SearchDocument]) -> None:
        self._check_schema()
        latest = list({d.id: d for d in docs}.values())
        if not latest:
            return
        # Analyse before taking the write lock, so readers and other writers wait as little as possible.
        self.index_analysed([index_document(d, self.analyzer) for d in latest])

    def index_analysed(self, docs: Sequence[IndexedDocument]) -> None:
        """index() for documents already analysed (by the ingest flow's worker processes)."""
        self._check_schema()
        latest = list({d.document.id: d for d in docs}.values())
        if not latest:
            return
        with self._transaction("write") as conn:
            self._insert(conn, latest)

    def _insert(self, conn: sqlite3.Connection, docs: list[IndexedDocument]) -> None:
        self._delete_ids(conn, [d.document.id for d in docs])
        start = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM docs").fetchone()[0] + 1
        conn.executemany(
            SQL_INSERT_DOC, [self._doc_row(rowid, d.document) for rowid, d in enumerate(docs, start)]
        )
        conn.executemany(
            SQL_INSERT_FTS,
            [
                (rowid, *(" ".join(getattr(d, c)) for c in _TEXT_COLUMNS))
                for rowid, d in enumerate(docs, start)
            ],
        )
        conn.executemany(
            SQL_INSERT_VALUE,
            [
                (rowid, f.name, value)
                for rowid, d in enumerate(docs, start)
                for f in MULTI
                for value in multi_values(f, d.document.value(f.name))
            ],
        )

    @staticmethod
    def _doc_row(rowid: int, doc: SearchDocument) -> tuple[Any, ...]:
        values = [
            _date_ord(doc.value(f.name)) if f.type is FieldType.DATE else doc.value(f.name) for f in COLUMNS
        ]
        payload = json.dumps(
            {
                "title": doc.title,
                "titles": doc.titles,
                "body": doc.body,
                "ics": doc.ics,
                "hs": doc.hs,
                "replaced_by": doc.replaced_by,
            },
            ensure_ascii=False,
        )
        return (rowid, doc.id, doc.code, doc.code_key, *values, len(doc.title), payload)

    @staticmethod
    def _delete_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        old: list[tuple[int]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            old.extend(conn.execute(f"SELECT rowid FROM docs WHERE id IN ({marks})", chunk).fetchall())
        if old:
            conn.executemany("DELETE FROM fts WHERE rowid = ?", old)
            conn.executemany("DELETE FROM docs WHERE rowid = ?", old)
            conn.executemany("DELETE FROM doc_values WHERE rowid = ?", old)

    def delete(self, ids: Sequence[str]) -> None:
        with self._transaction("delete") as conn:
            self._delete_ids(conn, list(ids))

    def clear(self) -> None:
        self.rebuild([])

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Drop and recreate the tables in one write transaction (the current shape, whatever built the old
        index); WAL readers keep seeing the old index until the new one commits."""
        count = 0
        with self._transaction("rebuild") as conn:
            conn.execute("DROP TABLE IF EXISTS fts")
            conn.execute("DROP TABLE IF EXISTS docs")
            conn.execute("DROP TABLE IF EXISTS doc_values")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            batch: list[SearchDocument] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= 2000:
                    count += self._insert_batch(conn, batch)
                    batch = []
            count += self._insert_batch(conn, batch)
        return count

    def _insert_batch(self, conn: sqlite3.Connection, docs: list[SearchDocument]) -> int:
        latest = list({d.id: d for d in docs}.values())
        if latest:
            self._insert(conn, [index_document(d, self.analyzer) for d in latest])
        return len(latest)

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM docs").fetchone()[0])

    # ------------------------------------------------------------------------------------------ columns
    def _load_columns(self) -> _Columns:
        generation = self._meta("generation") or 0
        with self._columns_lock:
            if self._columns is not None and self._columns.generation == generation:
                return self._columns
            rows = self._conn().execute(SQL_COLUMNS).fetchall()
            size = (max((r[0] for r in rows), default=0)) + 1
            alive = np.zeros(size, dtype=bool)
            dates = {name: np.full(size, _NO_DATE, dtype=np.int64) for name in DATE_COLUMNS}
            title_len = np.zeros(size, dtype=np.int32)
            encoded = {f: np.zeros(size, dtype=np.int32) for f in _ENCODED}
            labels: dict[str, list[str]] = {f: [""] for f in (*_ENCODED, *_MULTI)}
            index: dict[str, dict[str, int]] = {f: {} for f in (*_ENCODED, *_MULTI)}

            def code_of(facet: str, value: str) -> int:
                code = index[facet].get(value)
                if code is None:
                    code = index[facet][value] = len(labels[facet])
                    labels[facet].append(value)
                return code

            for rowid, length, *values in rows:
                alive[rowid] = True
                title_len[rowid] = length
                for name, day in zip(DATE_COLUMNS, values, strict=False):
                    dates[name][rowid] = _NO_DATE if day is None else day
                for facet, value in zip(_ENCODED, values[len(DATE_COLUMNS) :], strict=True):
                    if value:
                        encoded[facet][rowid] = code_of(facet, value)
            pairs: dict[str, tuple[list[int], list[int]]] = {f: ([], []) for f in _MULTI}
            for rowid, name, value in self._conn().execute(SQL_VALUES):
                if name in pairs and rowid < size:
                    pairs[name][0].append(rowid)
                    pairs[name][1].append(code_of(name, value))
            years = np.zeros(size, dtype=np.int32)
            known = dates["date"] != _NO_DATE
            years[known] = _years(dates["date"][known])
            self._columns = _Columns(
                generation,
                alive,
                dates,
                years,
                title_len,
                encoded,
                labels,
                {f: np.asarray(p[0], dtype=np.int64) for f, p in pairs.items()},
                {f: np.asarray(p[1], dtype=np.int32) for f, p in pairs.items()},
            )
            return self._columns

    # ------------------------------------------------------------------------------------------ searching
    def match_expression(self, plan: Plan) -> str | None:
        """The FTS5 MATCH text of a plan's words and prefix filters."""
        words = _and(_clause_expression(c, _ALL_COLUMNS) for c in plan.clauses)
        return _and([words, _tags_expression(plan)])

    def _matching_rowids(self, match: str | None, cols: _Columns, low: int = 0) -> np.ndarray:
        """Rowids matching `match` (all live documents when None), from rowid `low` up, ascending."""
        if match is None:
            return np.flatnonzero(cols.alive)
        return self._rowids(cols, SQL_MATCH_ROWIDS, match, low)

    def _rowids(self, cols: _Columns, sql: str, match: str, *args: int) -> np.ndarray:
        try:
            # One comma-joined string parsed by numpy: ~4x faster than a Python row loop at 100k matches.
            joined = self._conn().execute(sql, (match, *args)).fetchone()[0]
            ids = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)
        except sqlite3.OperationalError as exc:  # a bug in expression building, never user syntax
            raise SearchBackendError(f"FTS5 rejected {match!r}: {exc}") from exc
        ids = ids[ids < len(cols.alive)]
        alive: np.ndarray = ids[cols.alive[ids]]
        return alive

    def _candidates(self, plan: Plan, cols: _Columns) -> tuple[np.ndarray, bool]:
        """A ranked search's candidates (ascending) and whether more documents match than were counted: the
        newest-indexed matches passing the filters (see the module docstring)."""
        blocks = max(1, -(-(plan.offset + plan.size) // self.count_bound))
        match = self.match_expression(plan)
        assert match is not None  # a ranked plan has words
        return self._newest_passing(match, cols, plan, blocks * self.count_bound)

    def _newest_passing(self, match: str, cols: _Columns, plan: Plan, keep: int) -> tuple[np.ndarray, bool]:
        """Matches passing the filters, newest-indexed first, until keep + 1 pass: the first `keep` (ascending)
        and whether more exist. After the first chunk, the next is sized from the share that passed (each
        statement re-expands prefix filters, ~18 ms at 1M), so a restrictive filter walks the whole doclist in
        two or three statements and ends exact.

        `keep` comes in blocks of count_bound, so every page within the first block ranks the same candidates
        (pages never overlap there); a page past it takes the next block whole."""
        chunk, below = keep + 1, len(cols.alive)
        found: list[np.ndarray] = []
        count = walked = 0
        while True:
            ids = self._rowids(cols, SQL_MATCH_NEWEST, match, below, chunk)
            passing = ids[self._filter_mask(ids, cols, plan)]
            found.append(passing)
            count, walked = count + len(passing), walked + len(ids)
            if count > keep:
                return np.sort(np.concatenate(found)[:keep]), True
            if len(ids) < chunk:  # the walk reached the oldest match: the answer is exact
                return np.sort(np.concatenate(found)), False
            rate = max(count / walked, 0.001)
            below, chunk = int(ids[-1]), max(chunk, int((keep + 1 - count) / rate * 1.25))

    def _code_rowids(self, plan: Plan, cols: _Columns) -> list[int]:
        """Code hits in rank order (search.codes.code_order: exact code, other editions, parts, longer
        numbers), that pass the prefix filters."""
        code = plan.code
        if code is None:
            return []
        conn = self._conn()
        found: dict[int, None] = {}
        lookups: list[tuple[str, tuple[str, ...]]] = [
            (SQL_CODE_EXACT, (code.exact,)),
            (SQL_CODE_KEY, (code.key,)),
        ]
        lookups += [(SQL_CODE_PREFIX, (p, p + "\uffff")) for p in (*part_prefixes(code), code.prefix)]
        for sql, args in lookups:
            for (rowid,) in conn.execute(sql, args):
                if rowid < len(cols.alive):
                    found.setdefault(rowid, None)
        if not found:
            return []
        rows = conn.execute(SQL_CODE_ROWS.format(",".join("?" * len(found))), list(found)).fetchall()
        rows.sort(key=lambda r: code_order(code, r[1], r[2], r[3], _day(r[4])))
        rowids = [r[0] for r in rows]
        tags = _tags_expression(plan)
        if tags and rowids:
            passing = set(self._matching_rowids(tags, cols, min(rowids)).tolist())
            rowids = [r for r in rowids if r in passing]
        return rowids

    def _filter_mask(self, rowids: np.ndarray, cols: _Columns, plan: Plan) -> np.ndarray:
        mask = np.ones(len(rowids), dtype=bool)
        for f in plan.filters:
            if f.kind is not FilterKind.EQUALITY:
                continue
            codes = [cols.code_of(f.field, v) for v in f.values]
            if f.field in cols.pair_rows:
                # A rowid-indexed mask: a lookup per candidate, not a sort of them (np.isin) at 1M rows.
                having = np.zeros(len(cols.alive), dtype=bool)
                having[cols.pair_rows[f.field][np.isin(cols.pair_codes[f.field], codes)]] = True
                mask &= having[rowids]
            else:
                mask &= np.isin(cols.encoded[f.field][rowids], codes)
        for r in plan.ranges:
            days = cols.dates[r.field][rowids]
            mask &= days != _NO_DATE
            if r.low:
                mask &= days >= r.low.toordinal()
            if r.high:
                mask &= days <= r.high.toordinal()
        return mask

    @staticmethod
    def _facets(rowids: np.ndarray, cols: _Columns) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        selected = np.zeros(len(cols.alive), dtype=bool)
        selected[rowids] = True
        for facet in FACETS:
            if facet == "year":
                values, counts = np.unique(cols.year[rowids], return_counts=True)
                pairs = [(str(v), int(c)) for v, c in zip(values, counts, strict=True) if v]
                facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
                continue
            if facet in cols.pair_rows:
                codes = cols.pair_codes[facet][selected[cols.pair_rows[facet]]]
            else:
                codes = cols.encoded[facet][rowids]
            counts = np.bincount(codes, minlength=len(cols.labels[facet]))
            counts[0] = 0  # code 0: no value
            # Only the values present: a million records hold thousands of ICS/HS labels.
            labels = cols.labels[facet]
            pairs = [(labels[i], int(counts[i])) for i in np.flatnonzero(counts).tolist()]
            facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
        return facets

    def search(self, query: SearchQuery) -> SearchResult:
        self._check_schema()
        plan = compile_query(query, self.analyzer)
        cols = self._load_columns()
        code_ids = self._code_rowids(plan, cols)
        more = False
        if plan.ranks_by_title:
            selected, more = self._candidates(plan, cols)
        else:
            rowids = self._matching_rowids(self.match_expression(plan), cols)
            selected = rowids[self._filter_mask(rowids, cols, plan)]
        if code_ids:
            codes = np.asarray(code_ids, dtype=np.int64)
            codes = np.setdiff1d(codes[self._filter_mask(codes, cols, plan)], selected)
            if len(codes):
                selected = np.sort(np.concatenate([selected, codes]))
        facets = self._facets(selected, cols)
        page = self._order(selected, cols, plan, code_ids)
        total = self.count_bound if more else len(selected)
        return SearchResult(total, self._hits(page, plan), facets, total_is_lower_bound=more)

    def _order(self, selected: np.ndarray, cols: _Columns, plan: Plan, code_ids: list[int]) -> list[int]:
        """The rowids of the requested page, in order."""
        start, end = plan.offset, plan.offset + plan.size
        newest_first = _date_key(selected, cols.date[selected])
        if plan.sort is SortOrder.NEWEST:
            return [int(r) for r in selected[_top(newest_first, end)][start:end]]
        if plan.sort is SortOrder.OLDEST:
            oldest_first = _date_key(selected, cols.date[selected], newest=False)
            return [int(r) for r in selected[_top(oldest_first, end)][start:end]]
        passing = np.isin(np.asarray(code_ids, dtype=np.int64), selected)
        first = [r for r, ok in zip(code_ids, passing.tolist(), strict=True) if ok]
        # Within a tier, current/upcoming before replaced/withdrawn (issue 11, item 4).
        stale = np.isin(cols.encoded["status"][selected], self._stale_codes(cols)).astype(np.int64) << 60
        if not plan.ranks_by_title:
            # No words to rank by: code hits first, then newest first.
            return _merge(first, selected[_top(stale | newest_first, end + len(first))], end)[start:end]
        # Tiers: titles matching in the query's language (0), titles matching only through a translation (1),
        # the rest (2). Then shorter titles first, then newest: one int64 key, so only the page needs sorting.
        tier = self._tiers(selected, cols, plan, end + len(first))
        in_title = tier < 2
        lengths = np.where(in_title, np.minimum(cols.title_len[selected], 1023), 0).astype(np.int64)
        key = (tier << 61) | stale | (lengths << 50) | newest_first
        return _merge(first, selected[_top(key, end + len(first))], end)[start:end]

    def _tiers(self, selected: np.ndarray, cols: _Columns, plan: Plan, needed: int) -> np.ndarray:
        """The relevance tier of each selected rowid, by FTS5 title look-ups. Only the selected matter, so
        FTS5 reads from the oldest of them on (a bounded search's candidates are the newest), and the prefix
        filters they all pass narrow the look-up further. When the direct tier alone holds the `needed` first
        rows, the page comes from it whatever the others' tiers are, so the translations are not looked up."""
        tags = _tags_expression(plan)
        low = int(selected.min()) if len(selected) else 0

        def in_title_of(clauses: Iterable[Clause]) -> np.ndarray:
            match = _and([_and(_clause_expression(c, _TITLE_COLUMNS) for c in clauses), tags])
            return np.isin(selected, self._matching_rowids(match, cols, low), assume_unique=True)

        if not plan.has_cross_terms:
            return np.where(in_title_of(plan.clauses), 0, 2).astype(np.int64)
        in_direct = in_title_of(c.direct for c in plan.clauses)
        if int(np.count_nonzero(in_direct)) >= needed:
            return np.where(in_direct, 0, 2).astype(np.int64)
        if len(plan.clauses) == 1:
            # One clause: its title matches are the direct ones plus the translations' (few word tokens), so the
            # costly Han phrases are looked up once, not twice.
            (clause,) = plan.clauses
            in_title = in_direct | in_title_of([Clause(tuple(t for t in clause.terms if t.cross))])
        else:
            in_title = in_title_of(plan.clauses)
        return np.where(in_direct, 0, np.where(in_title, 1, 2)).astype(np.int64)

    @staticmethod
    def _stale_codes(cols: _Columns) -> list[int]:
        return [i for i, label in enumerate(cols.labels["status"]) if i and is_stale(label)]

    def _hits(self, rowids: list[int], plan: Plan) -> list[SearchHit]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = {r[0]: r for r in self._conn().execute(SQL_FETCH.format(marks), rowids)}
        terms = list(plan.highlight_terms)
        hits = []
        for rowid in rowids:
            _, doc_id, kind, code, region, member, status, day, deadline, ntype, payload = rows[rowid]
            data = json.loads(payload)
            hits.append(
                SearchHit(
                    id=doc_id,
                    kind=kind,
                    code=code,
                    title=bounded_title(data["title"]),
                    highlight=hit_highlights(
                        data["title"], data["titles"], data["body"], code, terms, self.analyzer
                    ),
                    status=status,
                    region=region,
                    member=member,
                    date=_day(day),
                    replaced_by=tuple(data.get("replaced_by", ())),
                    deadline=_day(deadline),
                    notification_type=ntype,
                    matched_via=plan.matched_via_text(
                        data["titles"] or [data["title"]], data["body"], self.analyzer
                    ),
                )
            )
        return hits


_DATE_BITS, _ROWID_BITS = 21, 29
_DATE_MAX, _ROWID_MAX = (1 << _DATE_BITS) - 1, (1 << _ROWID_BITS) - 1


def _date_key(rowids: np.ndarray, dates: np.ndarray, newest: bool = True) -> np.ndarray:
    """Ascending int64 sort key by date (undated always last), ties by indexing order (latest first when
    newest). Fits in 50 bits, leaving room above for relevance tiers."""
    dated = dates != _NO_DATE
    age = np.where(dated, (_DATE_MAX - 1 - dates) if newest else dates, _DATE_MAX).astype(np.int64)
    tie = (_ROWID_MAX - rowids) if newest else rowids
    return (age << _ROWID_BITS) | tie.astype(np.int64)


def _top(key: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the `count` smallest keys, in order, without sorting everything."""
    if count < len(key):
        part = np.argpartition(key, count)[:count]
        return part[np.argsort(key[part], kind="stable")]
    return np.argsort(key, kind="stable")


def _merge(first: list[int], rest: np.ndarray, end: int) -> list[int]:
    """Code hits, then the rest in the given order, without repeats, up to `end`."""
    out = list(dict.fromkeys(first))
    seen = set(out)
    for rowid in rest[: end + len(out)].tolist():
        if len(out) >= end:
            break
        if rowid not in seen:
            seen.add(rowid)
            out.append(rowid)
    return out


def _day(ordinal: int | None) -> date | None:
    return date.fromordinal(ordinal) if ordinal not in (None, _NO_DATE) else None


def _years(days: np.ndarray) -> np.ndarray:
    # Vectorised ordinal -> year: numpy datetime64 days counted from 1970-01-01 (ordinal 719163).
    return (days - 719163).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
