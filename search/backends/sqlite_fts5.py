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
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from search.analysis import Analyzer, QueryClause
from search.base import SearchBackend, SearchBackendError
from search.codes import CodeQuery, code_query
from search.documents import SearchDocument, hs_tag, ics_tag, tags
from search.highlight import hit_highlights
from search.query import FACETS, SearchHit, SearchQuery, SearchResult, SortOrder

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs(
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, code TEXT NOT NULL,
  code_key TEXT NOT NULL, family TEXT, region TEXT NOT NULL, member TEXT, status TEXT, date INTEGER,
  title_len INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_code ON docs(code);
CREATE INDEX IF NOT EXISTS docs_code_key ON docs(code_key);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
  title_tok, title_bg, body_tok, body_bg, codes, tags, tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
"""
SQL_MATCH_ROWIDS = "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?"
SQL_CODE_EXACT = "SELECT rowid FROM docs WHERE code = ?"
SQL_CODE_KEY = "SELECT rowid FROM docs WHERE code_key = ? ORDER BY date DESC, code DESC"
SQL_CODE_PREFIX = "SELECT rowid FROM docs WHERE code >= ? AND code < ? ORDER BY code LIMIT 200"
SQL_FETCH = "SELECT rowid, id, kind, code, region, member, status, date, payload FROM docs WHERE rowid IN ({})"
SQL_COLUMNS = "SELECT rowid, kind, region, member, status, date, title_len FROM docs"
PLANNED_QUERIES = {"match": SQL_MATCH_ROWIDS, "code_exact": SQL_CODE_EXACT,
                   "code_key": SQL_CODE_KEY, "code_prefix": SQL_CODE_PREFIX}
_ALL_COLUMNS = ("{title_bg body_bg}", "{title_tok body_tok codes}")
_TITLE_COLUMNS = ("{title_bg}", "{title_tok}")
_NO_DATE = -1


@dataclass
class _Columns:
    """Facet/filter columns indexed by rowid; values dictionary-encoded (code 0 = none)."""

    generation: int
    alive: np.ndarray
    date: np.ndarray
    year: np.ndarray
    title_len: np.ndarray
    encoded: dict[str, np.ndarray]
    labels: dict[str, list[str]]

    def code_of(self, facet: str, value: str) -> int:
        labels = self.labels[facet]
        return labels.index(value) if value in labels else -1


def _date_ord(value: date | None) -> int:
    return value.toordinal() if value else _NO_DATE


class SqliteFts5Backend(SearchBackend):
    name = "sqlite"

    def __init__(self, path: Path, analyzer: Analyzer, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.analyzer = analyzer
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._columns_lock = threading.Lock()
        self._columns: _Columns | None = None
        with self._conn() as conn:
            conn.executescript(SCHEMA)

    # ------------------------------------------------------------------------------------------ plumbing
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _generation(self) -> int:
        return int(self._conn().execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    # ------------------------------------------------------------------------------------------ writing
    def index(self, docs: Sequence[SearchDocument]) -> None:
        latest = list({d.id: d for d in docs}.values())
        if not latest:
            return
        # Analyse before taking the write lock, so readers and other writers wait as little as possible.
        rows, texts = self._prepare(latest)
        self._write(lambda conn: self._insert(conn, rows, texts))

    def _prepare(self, docs: list[SearchDocument]) -> tuple[list[tuple], list[tuple[str, ...]]]:
        rows = [(doc.id, doc.kind, doc.code, doc.code_key, doc.family, doc.region, doc.member, doc.status,
                 _date_ord(doc.date), len(doc.title), self._payload(doc)) for doc in docs]
        return rows, [self._fts_values(doc) for doc in docs]

    def _insert(self, conn: sqlite3.Connection, rows: list[tuple], texts: list[tuple[str, ...]]) -> None:
        self._delete_ids(conn, [row[0] for row in rows])
        start = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM docs").fetchone()[0] + 1
        conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         [(rowid, *row) for rowid, row in enumerate(rows, start)])
        conn.executemany("INSERT INTO fts(rowid, title_tok, title_bg, body_tok, body_bg, codes, tags) "
                         "VALUES (?,?,?,?,?,?,?)", [(rowid, *t) for rowid, t in enumerate(texts, start)])

    def _fts_values(self, doc: SearchDocument) -> tuple[str, ...]:
        title_tokens, title_grams = self.analyzer.analyse("\n".join(doc.titles) or doc.title)
        body_tokens, body_grams = self.analyzer.analyse(doc.body)
        code_tokens = self.analyzer.runs(" ".join(doc.codes))
        return (" ".join(title_tokens), " ".join(title_grams), " ".join(body_tokens), " ".join(body_grams),
                " ".join(code_tokens), " ".join(tags(doc)))

    @staticmethod
    def _payload(doc: SearchDocument) -> str:
        return json.dumps({"title": doc.title, "titles": doc.titles, "body": doc.body, "ics": doc.ics,
                           "hs": doc.hs, "family": doc.family}, ensure_ascii=False)

    @staticmethod
    def _delete_ids(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
        old: list[tuple[int]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            old.extend(conn.execute(f"SELECT rowid FROM docs WHERE id IN ({marks})", chunk).fetchall())
        if old:
            conn.executemany("DELETE FROM fts WHERE rowid = ?", old)
            conn.executemany("DELETE FROM docs WHERE rowid = ?", old)

    def delete(self, ids: Sequence[str]) -> None:
        self._write(lambda conn: self._delete_ids(conn, list(ids)))

    def clear(self) -> None:
        self._write(lambda conn: conn.execute("DELETE FROM fts") and conn.execute("DELETE FROM docs"))

    def _write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        """Run one change in a write transaction and bump the generation readers watch."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            change(conn)
            conn.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise SearchBackendError(f"sqlite index write failed: {exc}") from exc

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """One write transaction: WAL readers keep seeing the old index until the new one commits."""
        conn = self._conn()
        count = 0
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM fts")
            conn.execute("DELETE FROM docs")
            batch: list[SearchDocument] = []
            for doc in docs:
                batch.append(doc)
                if len(batch) >= 2000:
                    count += self._insert_batch(conn, batch)
                    batch = []
            count += self._insert_batch(conn, batch)
            conn.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise SearchBackendError(f"sqlite index rebuild failed: {exc}") from exc
        return count

    def _insert_batch(self, conn: sqlite3.Connection, docs: list[SearchDocument]) -> int:
        latest = list({d.id: d for d in docs}.values())
        if latest:
            rows, texts = self._prepare(latest)
            self._insert(conn, rows, texts)
        return len(latest)

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM docs").fetchone()[0])

    # ------------------------------------------------------------------------------------------ columns
    def _load_columns(self) -> _Columns:
        generation = self._generation()
        with self._columns_lock:
            if self._columns is not None and self._columns.generation == generation:
                return self._columns
            rows = self._conn().execute(SQL_COLUMNS).fetchall()
            size = (max((r[0] for r in rows), default=0)) + 1
            alive = np.zeros(size, dtype=bool)
            dates = np.full(size, _NO_DATE, dtype=np.int64)
            title_len = np.zeros(size, dtype=np.int32)
            encoded = {f: np.zeros(size, dtype=np.int32) for f in ("kind", "region", "member", "status")}
            labels: dict[str, list[str]] = {f: [""] for f in encoded}
            index: dict[str, dict[str, int]] = {f: {} for f in encoded}
            for rowid, kind, region, member, status, day, length in rows:
                alive[rowid] = True
                dates[rowid] = day
                title_len[rowid] = length
                for facet, value in (("kind", kind), ("region", region), ("member", member), ("status", status)):
                    if value:
                        code = index[facet].get(value)
                        if code is None:
                            code = index[facet][value] = len(labels[facet])
                            labels[facet].append(value)
                        encoded[facet][rowid] = code
            years = np.zeros(size, dtype=np.int32)
            known = dates != _NO_DATE
            years[known] = _years(dates[known])
            self._columns = _Columns(generation, alive, dates, years, title_len, encoded, labels)
            return self._columns

    # ------------------------------------------------------------------------------------------ searching
    def match_expression(self, query: SearchQuery) -> str | None:
        """The FTS5 MATCH text for a query. Every term is a quoted token made by the analyzer, so user
        input never reaches FTS5 syntax: quotes, *, NEAR, brackets are searched as text or dropped."""
        parts = [self._clause_expression(c, _ALL_COLUMNS) for c in self.analyzer.query_clauses(query.text)]
        if query.ics_prefixes:
            parts.append(" OR ".join(f'tags : "{ics_tag(p)}"*' for p in query.ics_prefixes))
        if query.hs_prefixes:
            parts.append(" OR ".join(f'tags : "{hs_tag(p)}"*' for p in query.hs_prefixes))
        return " AND ".join(f"({p})" for p in parts) if parts else None

    def title_expression(self, query: SearchQuery) -> str | None:
        """Every query word in the title: the first relevance tier."""
        parts = [self._clause_expression(c, _TITLE_COLUMNS) for c in self.analyzer.query_clauses(query.text)]
        return " AND ".join(f"({p})" for p in parts) if parts else None

    @staticmethod
    def _clause_expression(clause: QueryClause, columns: tuple[str, str]) -> str:
        """One word or its synonyms. Han words match as bigram phrases (a substring match, so 锂电池 finds
        电动自行车用锂电池组 whatever jieba made of it); one Han character as a prefix; Latin words and numbers
        as whole tokens."""
        han_columns, word_columns = columns
        alternatives = []
        for alt in clause.alternatives:
            if not _is_han(alt):
                alternatives.append(f'{word_columns} : "{alt}"')
            elif len(alt) == 1:
                alternatives.append(f'{han_columns} : "{alt}"*')
            else:
                grams = " ".join(alt[i:i + 2] for i in range(len(alt) - 1))
                alternatives.append(f'{han_columns} : "{grams}"')
        return " OR ".join(alternatives)

    def _matching_rowids(self, match: str | None, cols: _Columns) -> np.ndarray:
        if match is None:
            return np.flatnonzero(cols.alive)
        try:
            # One comma-joined string parsed by numpy: ~4x faster than a Python row loop at 100k matches.
            joined = self._conn().execute(SQL_MATCH_ROWIDS, (match,)).fetchone()[0]
            ids = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)
        except sqlite3.OperationalError as exc:  # a bug in expression building, never user syntax
            raise SearchBackendError(f"FTS5 rejected {match!r}: {exc}") from exc
        ids = ids[ids < len(cols.alive)]
        return ids[cols.alive[ids]]

    def _code_rowids(self, code: CodeQuery | None) -> list[int]:
        if code is None:
            return []
        conn = self._conn()
        ordered: dict[int, None] = {}
        for sql, args in ((SQL_CODE_EXACT, (code.exact,)), (SQL_CODE_KEY, (code.key,)),
                          (SQL_CODE_PREFIX, (code.prefix, code.prefix + "\uffff"))):
            for (rowid,) in conn.execute(sql, args):
                ordered.setdefault(rowid, None)
        return list(ordered)

    def _filter_mask(self, rowids: np.ndarray, cols: _Columns, query: SearchQuery) -> np.ndarray:
        mask = np.ones(len(rowids), dtype=bool)
        for facet, values in (("kind", query.kinds), ("region", query.regions), ("member", query.members),
                              ("status", query.statuses)):
            if values:
                codes = [cols.code_of(facet, v) for v in values]
                mask &= np.isin(cols.encoded[facet][rowids], codes)
        if query.date_from or query.date_to:
            days = cols.date[rowids]
            mask &= days != _NO_DATE
            if query.date_from:
                mask &= days >= query.date_from.toordinal()
            if query.date_to:
                mask &= days <= query.date_to.toordinal()
        return mask

    @staticmethod
    def _facets(rowids: np.ndarray, cols: _Columns) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            if facet == "year":
                values, counts = np.unique(cols.year[rowids], return_counts=True)
                pairs = [(str(v), int(c)) for v, c in zip(values, counts) if v]
            else:
                counts = np.bincount(cols.encoded[facet][rowids], minlength=len(cols.labels[facet]))
                pairs = [(cols.labels[facet][i], int(c)) for i, c in enumerate(counts) if i and c]
            facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
        return facets

    def search(self, query: SearchQuery) -> SearchResult:
        cols = self._load_columns()
        code = code_query(query.text)
        match = self.match_expression(query)
        rowids = self._matching_rowids(match, cols)
        code_ids = [r for r in self._code_rowids(code) if r < len(cols.alive)]
        if code_ids and not (query.ics_prefixes or query.hs_prefixes):
            rowids = np.union1d(rowids, np.asarray(code_ids, dtype=np.int64))
        selected = rowids[self._filter_mask(rowids, cols, query)]
        facets = self._facets(selected, cols)
        page = self._order(selected, cols, query, code_ids)
        return SearchResult(total=int(len(selected)), hits=self._hits(page, query), facets=facets)

    def _order(self, selected: np.ndarray, cols: _Columns, query: SearchQuery, code_ids: list[int]) -> list[int]:
        """The rowids of the requested page, in order."""
        end = query.offset + query.size
        newest_first = _date_key(selected, cols.date[selected])
        if query.sort is SortOrder.NEWEST:
            return [int(r) for r in selected[_top(newest_first, end)][query.offset:end]]
        if query.sort is SortOrder.OLDEST:
            oldest_first = _date_key(selected, cols.date[selected], newest=False)
            return [int(r) for r in selected[_top(oldest_first, end)][query.offset:end]]
        passing = np.isin(np.asarray(code_ids, dtype=np.int64), selected) if code_ids else []
        first = [r for r, ok in zip(code_ids, passing) if ok]
        title_match = self.title_expression(query)
        if title_match is None:
            # No words to rank by: code hits first, then newest first.
            return _merge(first, selected[_top(newest_first, end + len(first))], end)[query.offset:end]
        in_title = np.isin(selected, self._matching_rowids(title_match, cols), assume_unique=True)
        # Title tier, then shorter titles, then newest: one int64 key, so only the page needs sorting.
        lengths = np.minimum(cols.title_len[selected], 1023).astype(np.int64)
        key = ((~in_title).astype(np.int64) << 61) | (lengths << 51) | newest_first
        return _merge(first, selected[_top(key, end + len(first))], end)[query.offset:end]

    def _hits(self, rowids: list[int], query: SearchQuery) -> list[SearchHit]:
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = {r[0]: r for r in self._conn().execute(SQL_FETCH.format(marks), rowids)}
        terms = self.analyzer.highlight_terms(query.text)
        hits = []
        for rowid in rowids:
            _, doc_id, kind, code, region, member, status, day, payload = rows[rowid]
            data = json.loads(payload)
            hits.append(SearchHit(
                id=doc_id, kind=kind, code=code, title=data["title"],
                highlight=hit_highlights(data["title"], data["titles"], data["body"], code, terms, self.analyzer), status=status, region=region,
                member=member, date=date.fromordinal(day) if day != _NO_DATE else None,
            ))
        return hits


_DATE_BITS, _ROWID_BITS = 21, 30
_DATE_MAX, _ROWID_MAX = (1 << _DATE_BITS) - 1, (1 << _ROWID_BITS) - 1


def _date_key(rowids: np.ndarray, dates: np.ndarray, newest: bool = True) -> np.ndarray:
    """Ascending int64 sort key by date (undated always last), ties by indexing order (latest first when
    newest). Fits in 51 bits, leaving room above for relevance tiers."""
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
    for rowid in rest[:end + len(out)].tolist():
        if len(out) >= end:
            break
        if rowid not in seen:
            seen.add(rowid)
            out.append(rowid)
    return out


def _is_han(text: str) -> bool:
    return bool(text) and "\u3400" <= text[0] <= "\ufaff"


def _years(days: np.ndarray) -> np.ndarray:
    # Vectorised ordinal -> year: numpy datetime64 days counted from 1970-01-01 (ordinal 719163).
    return (days - 719163).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
