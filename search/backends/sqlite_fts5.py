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
  Their tiers come from the stored title tokens of the best title candidates (_walked_tiers), else from FTS5
  title look-ups that read only from the oldest candidate on. Exact code hits
  always lead, whatever their age. (Walking the title tier first would rank old title matches too, but a
  word frequent in texts and rare in titles then costs a whole doclist: measured 35-80 ms at 1M.)
- Facets count the candidates, so they too are lower bounds ("at least") when the total is; Elasticsearch
  counts the first count_bound + 1 matches each shard reads, also a lower bound: the API contract is the same.
- Restrictive filters make the walk longer (chunks grow 4x), never wrong: a filter passing few documents ends
  with the exact answer after a full walk, as before. Sorts by date, and queries without words, stay exact
  (their order is a date order that no sample gives; filters alone never touch FTS5).
A per-term cache of full counts was the alternative: it makes repeats fast but leaves every first query (and
every query after a write bumps the generation) at the full cost, which is the p99 the issue targets.
The facet/filter columns follow writes by what changed (a trigger logs deleted rowids; new rowids are read past
the last one seen) instead of reloading a million rows, and prefix filters are cached as masks until the next
write (_prefix_mask).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
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
from search.plan import Clause, CompiledPlans, Plan, Term, TermMode
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
# Every match, oldest-indexed first, at most LIMIT: FTS5 reads doclists forwards ~25% faster than backwards.
SQL_MATCH_OLDEST = (
    "SELECT group_concat(rowid) FROM (SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?)"
)
# The tokens stored for some rowids (FTS5's own content table, looked up by rowid).
SQL_TOKENS = "SELECT rowid, {} FROM fts WHERE rowid IN ({})"
SQL_SEARCH_META = "SELECT key, value FROM meta WHERE key IN ('schema_version', 'generation')"
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
# Deleted rowids by the generation that deleted them, so that a reader brings its columns up to date by what a
# write changed instead of reloading a million rows (6-10 s). Kept by a trigger, so no writer can forget it; the
# trigger goes with the docs table on a rebuild, which the schema cookie tells readers (they then reload and put
# it back).
SQL_DELETED_LOG = """
CREATE TABLE IF NOT EXISTS deleted_docs(rowid INTEGER PRIMARY KEY, generation INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deleted_docs_generation ON deleted_docs(generation);
CREATE TRIGGER IF NOT EXISTS docs_deleted AFTER DELETE ON docs BEGIN
  INSERT OR REPLACE INTO deleted_docs VALUES (old.rowid, (SELECT value FROM meta WHERE key = 'generation'));
END;
"""
SQL_DELETED_SINCE = "SELECT group_concat(rowid) FROM deleted_docs WHERE generation >= ?"
SQL_INSERT_VALUE = "INSERT INTO doc_values(rowid, field, value) VALUES (?, ?, ?)"
PLANNED_QUERIES = {
    "match": SQL_MATCH_ROWIDS,
    "match_newest": SQL_MATCH_NEWEST,
    "match_oldest": SQL_MATCH_OLDEST,
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
    """Facet/filter columns indexed by rowid; values dictionary-encoded (code 0 = none).

    Never changed once searches can see it: a write makes a new one (_ColumnLoader.update) that shares what did
    not change, so a search running in another thread keeps a consistent view."""

    generation: int
    schema_cookie: (
        int  # PRAGMA schema_version: a rebuild (DROP/CREATE) changes it, and the update is then a load
    )
    max_rowid: int
    alive: np.ndarray
    dates: dict[str, np.ndarray]
    year: np.ndarray
    title_len: np.ndarray
    encoded: dict[str, np.ndarray]
    labels: dict[str, list[str]]
    codes: dict[str, dict[str, int]]  # label -> code, per field
    # Multi-valued fields as (rowid, value code) pairs: filters and facets are isin/bincount over them.
    pair_rows: dict[str, np.ndarray]
    pair_codes: dict[str, np.ndarray]
    # Rowid sets of prefix filters, by their FTS5 expression (see _prefix_mask); they live as long as the columns.
    prefix_masks: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def date(self) -> np.ndarray:
        return self.dates["date"]

    def code_of(self, facet: str, value: str) -> int:
        return self.codes[facet].get(value, -1)


def _date_ord(value: date | None) -> int:
    return value.toordinal() if value else _NO_DATE


def _clause_expression(clause: Clause, columns: tuple[str, str]) -> str:
    """One clause as FTS5 text. Every term is a quoted analyzer token, so user input never reaches FTS5
    syntax: quotes, *, NEAR, brackets are searched as text or dropped."""
    han_columns, word_columns = columns
    alternatives = []
    for term in _needed_terms(clause):
        if term.mode in (TermMode.TOKEN, TermMode.WORDS):  # WORDS: stems joined by spaces, an FTS5 phrase
            alternatives.append(f'{word_columns} : "{term.text}"')
        elif term.mode is TermMode.PREFIX:
            alternatives.append(f'{han_columns} : "{term.text}"*')
        else:
            alternatives.append(f'{han_columns} : "{" ".join(term.grams)}"')
    return " OR ".join(alternatives)


def _needed_terms(clause: Clause) -> list[Term]:
    """The clause's terms without those another term makes redundant in an OR: one that every document it
    matches also matches (`safeti requir` beside `safeti`, 安全要求 beside 安全), and repeats. The same matches,
    fewer doclists: translations often bring such pairs (measured: a third of a two-word MATCH)."""
    first: dict[tuple[TermMode, str], Term] = {}
    for term in clause.terms:
        first.setdefault((term.mode, term.text), term)
    unique = list(first.values())
    return [t for t in unique if not any(_subsumes(other, t) for other in unique if other is not t)]


def _subsumes(broad: Term, narrow: Term) -> bool:
    """Whether every document `narrow` matches is matched by `broad` (both in the same columns)."""
    words = (TermMode.TOKEN, TermMode.WORDS)
    if broad.mode in words and narrow.mode in words:
        inner, outer = broad.text.split(), narrow.text.split()
        return len(inner) < len(outer) and any(
            outer[i : i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1)
        )
    if narrow.mode is TermMode.PHRASE and broad.mode is TermMode.PHRASE:
        # Han phrases are consecutive bigrams: a shorter word inside a longer one has its bigrams inside too.
        return len(broad.text) < len(narrow.text) and broad.text in narrow.text
    if narrow.mode is TermMode.PHRASE and broad.mode is TermMode.PREFIX:
        return broad.text in narrow.text[:-1]  # a bigram of the phrase starts with the character
    return False


def _words_expression(plan: Plan) -> str | None:
    return _and(_clause_expression(c, _ALL_COLUMNS) for c in plan.clauses)


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


# One analysed document's rows, rowid aside: (id, docs row, FTS5 texts, (field, value) pairs of doc_values).
IndexRows = tuple[str, tuple[Any, ...], tuple[str, ...], tuple[tuple[str, str], ...]]


def _rows_of(d: IndexedDocument) -> IndexRows:
    doc = d.document
    texts = tuple(" ".join(getattr(d, c)) for c in _TEXT_COLUMNS)
    pairs = tuple((f.name, value) for f in MULTI for value in multi_values(f, doc.value(f.name)))
    return doc.id, SqliteFts5Backend._doc_row(doc), texts, pairs


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
        self._plans = CompiledPlans(analyzer)
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
        """index() for documents already analysed."""
        self.index_prepared(self.prepare(docs))

    @staticmethod
    def prepare(docs: Sequence[IndexedDocument]) -> list[IndexRows]:
        """The rows index_prepared writes for analysed documents (the last of each id). Pure, so the ingest
        flow's worker processes run it: plain tuples cost a fraction of IndexedDocument to send back."""
        return [_rows_of(d) for d in {d.document.id: d for d in docs}.values()]

    def index_prepared(self, rows: Sequence[IndexRows]) -> None:
        """Write rows made by prepare() (in any process) in one transaction."""
        self._check_schema()
        latest = list({r[0]: r for r in rows}.values())
        if not latest:
            return
        with self._transaction("write") as conn:
            self._insert_rows(conn, latest)

    def _insert(self, conn: sqlite3.Connection, docs: list[IndexedDocument]) -> None:
        self._insert_rows(conn, [_rows_of(d) for d in docs])

    def _insert_rows(self, conn: sqlite3.Connection, rows: list[IndexRows]) -> None:
        self._delete_ids(conn, [r[0] for r in rows])
        start = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM docs").fetchone()[0] + 1
        conn.executemany(SQL_INSERT_DOC, [(rowid, *r[1]) for rowid, r in enumerate(rows, start)])
        conn.executemany(SQL_INSERT_FTS, [(rowid, *r[2]) for rowid, r in enumerate(rows, start)])
        conn.executemany(
            SQL_INSERT_VALUE, [(rowid, *pair) for rowid, r in enumerate(rows, start) for pair in r[3]]
        )

    @staticmethod
    def _doc_row(doc: SearchDocument) -> tuple[Any, ...]:
        """A docs row without its rowid (given when written)."""
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
        return (doc.id, doc.code, doc.code_key, *values, len(doc.title), payload)

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
    def _load_columns(self, generation: int | None = None) -> _Columns:
        """The columns as of the index's current generation: kept while nothing is written, brought up to date
        by what a write changed (new rowids, and the deleted ones the trigger logged), loaded whole only the
        first time and after a rebuild."""
        if generation is None:
            generation = self._meta("generation") or 0
        with self._columns_lock:
            cols = self._columns
            if cols is not None and cols.generation == generation:
                return cols
            conn = self._conn()
            if cols is None or _schema_cookie(conn) != cols.schema_cookie:
                # First load, or a rebuild dropped the trigger with the docs table: put it back before the
                # load, so that a write after the load is logged and one before it is in the load.
                self._ensure_deleted_log(conn)
                cols = None
            conn.execute("BEGIN")  # one read snapshot: the generation and the rows it names
            try:
                generation = self._meta("generation") or 0
                cookie = _schema_cookie(conn)
                fresh = None
                if cols is not None and cookie == cols.schema_cookie:
                    fresh = _update_columns(conn, cols, generation)
                if fresh is None:
                    fresh = _full_columns(conn, generation, cookie)
            finally:
                conn.execute("COMMIT")
            self._columns = fresh
            return fresh

    @staticmethod
    def _ensure_deleted_log(conn: sqlite3.Connection) -> None:
        """The deletion log and its trigger (new in an old index, and gone with the docs table on a rebuild).
        Made before a full load, so a write after it is logged and one before it is in the load."""
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_deleted'").fetchone() is None:
            conn.executescript(SQL_DELETED_LOG)

    # ------------------------------------------------------------------------------------------ searching
    def match_expression(self, plan: Plan) -> str | None:
        """The FTS5 MATCH text of a plan's words and prefix filters."""
        return _and([_words_expression(plan), _tags_expression(plan)])

    def _prefix_mask(self, plan: Plan, cols: _Columns) -> np.ndarray | None:
        """The rowids passing the plan's prefix filters (ICS, CCS, HS) as a mask, or None without any.

        A filter cache, as Lucene keeps filter bitsets: the mask comes from one FTS5 look-up of the same tag
        prefixes the MATCH uses (so the same semantics), kept with the columns until the next write. Why: a
        prefix expands to every tag under it (~1,500 ICS codes under `29`), ~18 ms at 1M in every statement
        that names it, while the prefixes people filter by are few (the facets' top levels)."""
        tags = _tags_expression(plan)
        if tags is None:
            return None
        mask = cols.prefix_masks.get(tags)
        if mask is None:
            mask = np.zeros(len(cols.alive), dtype=bool)
            mask[self._matching_rowids(tags, cols)] = True
            _remember(cols.prefix_masks, tags, mask, _PREFIX_MASKS)
        return mask

    def _matching_rowids(self, match: str | None, cols: _Columns, low: int = 0) -> np.ndarray:
        """Rowids matching `match` (all live documents when None), from rowid `low` up, ascending."""
        if match is None:
            return np.flatnonzero(cols.alive)
        return _alive(self._rowids(SQL_MATCH_ROWIDS, match, low), cols)

    def _rowids(self, sql: str, match: str, *args: int) -> np.ndarray:
        """The rowids a MATCH statement returns, live or not (their count tells whether a LIMIT was reached;
        _alive keeps the live ones)."""
        try:
            # One comma-joined string parsed by numpy: ~4x faster than a Python row loop at 100k matches.
            joined = self._conn().execute(sql, (match, *args)).fetchone()[0]
            ids = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)
        except sqlite3.OperationalError as exc:  # a bug in expression building, never user syntax
            raise SearchBackendError(f"FTS5 rejected {match!r}: {exc}") from exc
        return ids

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
        # Most queries' words match fewer than `keep` documents: read them all forwards first (~25% cheaper than
        # the backwards walk), without the prefix filters (their cached mask applies them), and walk backwards
        # only when the LIMIT says there are more. The walk keeps the prefixes in its MATCH: for a broad word,
        # FTS5's intersection with them reads less than the word's whole doclist.
        words = _words_expression(plan)
        assert words is not None  # a ranked plan has words
        ids = self._rowids(SQL_MATCH_OLDEST, words, chunk)
        if len(ids) < chunk:
            ids = _alive(ids, cols)
            return ids[self._filter_mask(ids, cols, plan, prefixes=True)], False
        found: list[np.ndarray] = []
        count = walked = 0
        while True:
            returned = self._rowids(SQL_MATCH_NEWEST, match, below, chunk)
            ids = _alive(returned, cols)
            passing = ids[self._filter_mask(ids, cols, plan)]
            found.append(passing)
            count, walked = count + len(passing), walked + len(ids)
            if count > keep:
                return np.sort(np.concatenate(found)[:keep]), True
            if len(returned) < chunk:  # the walk reached the oldest match: the answer is exact
                return np.sort(np.concatenate(found)), False
            rate = max(count / max(walked, 1), 0.001)
            below, chunk = int(returned[-1]), max(chunk, int((keep + 1 - count) / rate * 1.25))

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
        prefixes = self._prefix_mask(plan, cols)
        if prefixes is not None:
            rowids = [r for r in rowids if prefixes[r]]
        return rowids

    def _filter_mask(
        self, rowids: np.ndarray, cols: _Columns, plan: Plan, prefixes: bool = False
    ) -> np.ndarray:
        """Which rowids pass the equality and range filters, and the prefix filters too when `prefixes` (when
        not, the MATCH that found the rowids applied them)."""
        mask = np.ones(len(rowids), dtype=bool)
        prefix_mask = self._prefix_mask(plan, cols) if prefixes else None
        if prefix_mask is not None:
            mask &= prefix_mask[rowids]
        for f in plan.filters:
            if f.kind is not FilterKind.EQUALITY:
                continue
            # A table indexed by value code: one lookup per row, where np.isin sorts or allocates per call.
            wanted = _code_table(cols, f.field, f.values)
            if f.field in cols.pair_rows:
                # A rowid-indexed mask: a lookup per candidate, not a sort of them (np.isin) at 1M rows.
                having = np.zeros(len(cols.alive), dtype=bool)
                having[cols.pair_rows[f.field][wanted[cols.pair_codes[f.field]]]] = True
                mask &= having[rowids]
            else:
                mask &= wanted[cols.encoded[f.field][rowids]]
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
        for facet in FACETS:
            if facet == "year":
                values, counts = np.unique(cols.year[rowids], return_counts=True)
                pairs = [(str(v), int(c)) for v, c in zip(values, counts, strict=True) if v]
                facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
                continue
            if facet in cols.pair_rows:
                codes = cols.pair_codes[facet][_pairs_of(cols.pair_rows[facet], rowids)]
            else:
                codes = cols.encoded[facet][rowids]
            labels = cols.labels[facet]
            if len(codes) <= _SMALL_FACET:
                # A page-sized answer: counting a short list in Python beats four numpy calls per facet.
                pairs = [(labels[c], n) for c, n in Counter(codes.tolist()).items() if c]
            else:
                counts = np.bincount(codes, minlength=len(labels))
                counts[0] = 0  # code 0: no value
                # Only the values present: a million records hold thousands of ICS/HS labels.
                pairs = [(labels[i], int(counts[i])) for i in np.flatnonzero(counts).tolist()]
            facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
        return facets

    def search(self, query: SearchQuery) -> SearchResult:
        # The schema check and the generation in one statement: every search reads both.
        meta = dict(self._conn().execute(SQL_SEARCH_META).fetchall())
        if meta.get("schema_version") != SCHEMA_VERSION:
            self._check_schema()
        plan = self._plans.compile(query)
        cols = self._load_columns(int(meta.get("generation", 0)))
        code_ids = self._code_rowids(plan, cols)
        more = False
        if plan.ranks_by_title:
            selected, more = self._candidates(plan, cols)
        elif plan.clauses:
            rowids = self._matching_rowids(self.match_expression(plan), cols)
            selected = rowids[self._filter_mask(rowids, cols, plan)]
        else:  # filters alone: numpy over the columns, from the rows their cached prefix masks pass
            prefixes = self._prefix_mask(plan, cols)
            rowids = np.flatnonzero(cols.alive if prefixes is None else cols.alive & prefixes)
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
        first = [r for r, ok in zip(code_ids, _contains(selected, code_ids).tolist(), strict=True) if ok]
        # Within a tier, current/upcoming before replaced/withdrawn (issue 11, item 4).
        stale = self._stale_table(cols)[cols.encoded["status"][selected]].astype(np.int64) << 60
        if not plan.ranks_by_title:
            # No words to rank by: code hits first, then newest first.
            return _merge(first, selected[_top(stale | newest_first, end + len(first))], end)[start:end]
        # Tiers: titles matching in the query's language (0), titles matching only through a translation (1),
        # the rest (2). Then shorter titles first, then newest: one int64 key, so only the page needs sorting.
        needed = end + len(first)
        in_title_key = (
            stale | (np.minimum(cols.title_len[selected], 1023).astype(np.int64) << 50) | newest_first
        )
        tier = self._walked_tiers(selected, in_title_key, plan, needed)
        if tier is None:
            tier = self._tiers(selected, cols, plan, needed)
        key = np.where(tier < 2, in_title_key, stale | newest_first) | (tier << 61)
        return _merge(first, selected[_top(key, needed)], end)[start:end]

    def _walked_tiers(
        self, selected: np.ndarray, in_title_key: np.ndarray, plan: Plan, needed: int
    ) -> np.ndarray | None:
        """The tiers that decide the page, from the stored title tokens of the few best title candidates, or
        None when that would take long (then FTS5 looks the titles up).

        The rows are checked in the order a title match would rank them (`in_title_key`); as soon as `needed`
        of them match in the query's language, they are the page's rows whatever the other rows' tiers are
        (those rank after them), so those are left at tier 2. A whole small selection is checked outright.
        Why: a title look-up re-reads the same doclists as the main MATCH (FTS5 keeps one doclist per token for
        all columns), so it cost ~40% of a text search and grows with the index; checking ~30 titles in Python
        costs ~0.3 ms at any size."""
        if needed > 2 * _WALK_BUDGET:
            return None  # a deep page: too many titles to read one by one
        budget = max(_WALK_BUDGET, 2 * needed)
        order = _top(in_title_key, min(len(selected), budget))
        tier = np.full(len(selected), 2, dtype=np.int64)
        found = walked = 0
        batch = max(32, 2 * needed)
        while walked < len(order):
            part = order[walked : walked + batch]
            tokens = self._stored_tokens([int(r) for r in selected[part]], ("title_tok", "title_bg"))
            for i, rowid in zip(part.tolist(), selected[part].tolist(), strict=True):
                tier[i] = plan.title_tier(*tokens[rowid])
            found += int(np.count_nonzero(tier[part] == 0))
            walked += len(part)
            if found >= needed or walked == len(selected):
                return tier
            rate = found / walked
            if rate == 0 or walked + (needed - found) / rate > len(order):
                return None  # too few title matches among the best candidates: FTS5 is cheaper
            batch = len(order) - walked
        return None

    def _stored_tokens(self, rowids: list[int], columns: tuple[str, ...]) -> dict[int, list[list[str]]]:
        """The token columns FTS5 stored for these rowids, split back into tokens (tokens never hold spaces,
        so this is exactly what FTS5 indexed)."""
        sql = SQL_TOKENS.format(", ".join(columns), ",".join("?" * len(rowids)))
        return {row[0]: [text.split() for text in row[1:]] for row in self._conn().execute(sql, rowids)}

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
    def _stale_table(cols: _Columns) -> np.ndarray:
        return _code_table(
            cols, "status", [label for label in cols.labels["status"] if label and is_stale(label)]
        )

    def _hits(self, rowids: list[int], plan: Plan) -> list[SearchHit]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = {r[0]: r for r in self._conn().execute(SQL_FETCH.format(marks), rowids)}
        terms = list(plan.highlight_terms)
        # Why a hit matched through a translation, from the tokens stored at indexing (analysing the hit's text
        # again cost more than the rest of the page).
        tokens = self._stored_tokens(rowids, _VIA_COLUMNS) if plan.has_cross_terms else {}
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
                    matched_via=plan.matched_via_tokens(*tokens[rowid]) if tokens else (),
                )
            )
        return hits


def _encode(values: Sequence[str | None], codes: dict[str, int], labels: list[str]) -> np.ndarray:
    """Dictionary codes of the values (0 for none), adding new labels: one C-level map, not a row loop."""
    for value in set(values):
        if value and value not in codes:
            codes[value] = len(labels)
            labels.append(value)
    lookup: dict[str | None, int] = {"": 0, None: 0}
    lookup.update(codes)
    return np.fromiter(map(lookup.__getitem__, values), dtype=np.int32, count=len(values))


def _read_rows(
    conn: sqlite3.Connection,
    where: str,
    args: Sequence[int],
    codes: dict[str, dict[str, int]],
    labels: dict[str, list[str]],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """rowids, title lengths, date columns and encoded keyword columns of the docs rows `where` selects."""
    rows = conn.execute(f"{SQL_COLUMNS} {where}", args).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(DATE_COLUMNS) + len(_ENCODED))
    rowids = np.array(columns[0], dtype=np.int64)
    title_len = np.array(columns[1], dtype=np.int32)
    dates = {
        name: np.array([_NO_DATE if d is None else d for d in columns[2 + i]], dtype=np.int64)
        for i, name in enumerate(DATE_COLUMNS)
    }
    first = 2 + len(DATE_COLUMNS)
    encoded = {f: _encode(columns[first + i], codes[f], labels[f]) for i, f in enumerate(_ENCODED)}
    return rowids, title_len, dates, encoded


def _read_pairs(
    conn: sqlite3.Connection,
    where: str,
    args: Sequence[int],
    codes: dict[str, dict[str, int]],
    labels: dict[str, list[str]],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found: dict[str, tuple[list[int], list[str]]] = {f: ([], []) for f in _MULTI}
    for rowid, name, value in conn.execute(f"{SQL_VALUES} {where}", args):
        if name in found:
            found[name][0].append(rowid)
            found[name][1].append(value)
    return {f: (np.array(r, dtype=np.int64), _encode(v, codes[f], labels[f])) for f, (r, v) in found.items()}


def _schema_cookie(conn: sqlite3.Connection) -> int:
    """PRAGMA schema_version (a rebuild's DROP/CREATE changes it), or -1 while the deletion log's trigger is
    missing: columns loaded then must be loaded whole next time."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_deleted'").fetchone() is None:
        return -1
    return int(conn.execute("PRAGMA schema_version").fetchone()[0])


def _full_columns(conn: sqlite3.Connection, generation: int, cookie: int) -> _Columns:
    labels: dict[str, list[str]] = {f: [""] for f in (*_ENCODED, *_MULTI)}
    codes: dict[str, dict[str, int]] = {f: {} for f in (*_ENCODED, *_MULTI)}
    rowids, title_len, dates, encoded = _read_rows(conn, "", (), codes, labels)
    max_rowid = int(rowids.max()) if len(rowids) else 0
    cols = _Columns(
        generation=generation,
        schema_cookie=cookie,
        max_rowid=max_rowid,
        alive=np.zeros(max_rowid + 1, dtype=bool),
        dates={name: np.full(max_rowid + 1, _NO_DATE, dtype=np.int64) for name in DATE_COLUMNS},
        year=np.zeros(max_rowid + 1, dtype=np.int32),
        title_len=np.zeros(max_rowid + 1, dtype=np.int32),
        encoded={f: np.zeros(max_rowid + 1, dtype=np.int32) for f in _ENCODED},
        labels=labels,
        codes=codes,
        pair_rows={},
        pair_codes={},
    )
    _put_rows(cols, rowids, title_len, dates, encoded)
    pairs = _read_pairs(conn, "WHERE rowid <= ?", (max_rowid,), codes, labels)
    for f, (rows, codes_) in pairs.items():
        cols.pair_rows[f], cols.pair_codes[f] = _by_rowid(rows, codes_)
    return cols


def _put_rows(
    cols: _Columns,
    rowids: np.ndarray,
    title_len: np.ndarray,
    dates: dict[str, np.ndarray],
    encoded: dict[str, np.ndarray],
) -> None:
    cols.alive[rowids] = True
    cols.title_len[rowids] = title_len
    for name, values in dates.items():
        cols.dates[name][rowids] = values
    for f, values in encoded.items():
        cols.encoded[f][rowids] = values
    day = dates["date"]
    known = day != _NO_DATE
    cols.year[rowids] = 0
    cols.year[rowids[known]] = _years(day[known])


def _by_rowid(rows: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ordered by rowid (stable: a document's values keep their order), so _pairs_of can binary-search."""
    order = np.argsort(rows, kind="stable")
    return rows[order], codes[order]


def _pairs_of(pair_rows: np.ndarray, rowids: np.ndarray) -> np.ndarray:
    """Indexes (or a mask) of the pairs whose rowid is among the ascending `rowids`. A few rowids: a binary
    search each for their runs of pairs; many: one pass over every pair (at 1M, reading all 850k ICS pairs for
    a 10-hit page was most of its facet time)."""
    if not len(pair_rows) or not len(rowids):
        return np.empty(0, dtype=np.int64)
    if len(rowids) * 16 >= len(pair_rows):
        selected = np.zeros(int(max(pair_rows[-1], rowids[-1])) + 1, dtype=bool)
        selected[rowids] = True
        mask: np.ndarray = selected[pair_rows]
        return mask
    starts = np.searchsorted(pair_rows, rowids, "left")
    counts = np.searchsorted(pair_rows, rowids, "right") - starts
    total = int(counts.sum())
    # Run i covers pair indexes starts[i] .. starts[i] + counts[i] - 1, laid end to end.
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    indexes: np.ndarray = offsets + np.arange(total)
    return indexes


def _grown(array: np.ndarray, size: int, fill: int | bool) -> np.ndarray:
    """A copy of `array` at least `size` long (new entries `fill`): searches may still read the old one."""
    out = np.full(max(size, len(array)), fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def _update_columns(conn: sqlite3.Connection, cols: _Columns, generation: int) -> _Columns | None:
    """`cols` brought to `generation` by the rows written since: rowids above the last one seen (inserts), and
    the rowids the deletion log names (deleted, or deleted and written again under the same rowid). Costs a
    copy of the columns (~20 ms at 1M) and reading only the written rows, where a full load read 1M."""
    joined = conn.execute(SQL_DELETED_SINCE, (cols.generation,)).fetchone()[0]
    deleted = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)
    deleted = deleted[deleted <= cols.max_rowid]
    if len(deleted) > _MAX_REREAD:
        return None  # a large rewrite: reading it all is simpler and about as fast
    labels = {f: list(v) for f, v in cols.labels.items()}
    codes = {f: dict(v) for f, v in cols.codes.items()}
    marks = ",".join("?" * len(deleted))
    where = f"WHERE rowid > ?{f' OR rowid IN ({marks})' if len(deleted) else ''}"
    args = (cols.max_rowid, *deleted.tolist())
    rowids, title_len, dates, encoded = _read_rows(conn, where, args, codes, labels)
    max_rowid = max(cols.max_rowid, int(rowids.max()) if len(rowids) else 0)
    size = max_rowid + 1
    new = replace(
        cols,
        generation=generation,
        max_rowid=max_rowid,
        alive=_grown(cols.alive, size, False),
        dates={name: _grown(a, size, _NO_DATE) for name, a in cols.dates.items()},
        year=_grown(cols.year, size, 0),
        title_len=_grown(cols.title_len, size, 0),
        encoded={f: _grown(a, size, 0) for f, a in cols.encoded.items()},
        labels=labels,
        codes=codes,
        prefix_masks={},
    )
    new.alive[deleted] = False
    _put_rows(new, rowids, title_len, dates, encoded)
    pairs = _read_pairs(conn, where, args, codes, labels)
    for f in _MULTI:
        keep = ~np.isin(cols.pair_rows[f], deleted) if len(deleted) else slice(None)
        new.pair_rows[f], new.pair_codes[f] = _by_rowid(
            np.concatenate([cols.pair_rows[f][keep], pairs[f][0]]),
            np.concatenate([cols.pair_codes[f][keep], pairs[f][1]]),
        )
    return new


_VIA_COLUMNS = ("title_tok", "title_bg", "body_tok", "body_bg")
# Deleted rowids an update re-reads by rowid (SQLite binds at most 32,766 values) before loading whole instead.
_MAX_REREAD = 20_000
# Prefix-filter masks kept until the next write (one byte per document each: at most 16 MB at 1M).
_PREFIX_MASKS = 16
# Facets of at most this many values are counted in Python (see _facets).
_SMALL_FACET = 64
# How many title candidates _walked_tiers reads before leaving the tiers to FTS5 (~10 us each).
_WALK_BUDGET = 256


def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """cache[key] = value, dropping the oldest entries past `limit`. Searches in other threads may do the same:
    an entry another thread dropped first is simply gone."""
    while len(cache) >= limit:
        try:
            cache.pop(next(iter(cache)), None)
        except (RuntimeError, StopIteration):  # changed or emptied by another thread meanwhile
            break
    cache[key] = value


def _alive(ids: np.ndarray, cols: _Columns) -> np.ndarray:
    """The rowids that are live in these columns (a write after they were loaded is not seen yet)."""
    ids = ids[ids < len(cols.alive)]
    alive: np.ndarray = ids[cols.alive[ids]]
    return alive


def _contains(ascending: np.ndarray, values: list[int]) -> np.ndarray:
    """Which of `values` are in the ascending array (a binary search each: np.isin sorts or tables both)."""
    if not len(ascending):
        return np.zeros(len(values), dtype=bool)
    wanted = np.asarray(values, dtype=np.int64)
    at = np.minimum(np.searchsorted(ascending, wanted), len(ascending) - 1)
    found: np.ndarray = ascending[at] == wanted
    return found


def _code_table(cols: _Columns, field: str, values: Iterable[str]) -> np.ndarray:
    """A boolean table over `field`'s value codes: True for the codes of `values`."""
    table = np.zeros(len(cols.labels[field]), dtype=bool)
    table[[code for v in values if (code := cols.code_of(field, v)) >= 0]] = True
    return table


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
