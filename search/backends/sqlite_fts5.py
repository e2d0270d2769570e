"""The embedded search backend: SQLite FTS5 over tokens made by search.analysis, facets in numpy.

Why this shape (measured on the 2-core machine, 100k documents, see bench/):
- Text matching is FTS5's job, and its MATCH always drives: filter columns are never JOINed to the FTS table
  (SQLite may then pick a plan 100-1000x slower; tests/search/test_sqlite_plans.py guards this).
- Facets and equality/date filters run over in-memory numpy columns of the docs table, like an engine's doc
  values: counting 90k matches costs ~1 ms instead of ~90 ms for a GROUP BY join.
- bm25 costs ~1.3 us per matching row, so when more than `rank_candidates` documents match, relevance is ranked
  among that many most recently indexed matches (the rest follow, newest first); totals and facets stay exact.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from search.analysis import Analyzer, QueryClause
from search.base import SearchBackend, SearchBackendError
from search.codes import CodeQuery, code_query
from search.documents import SearchDocument
from search.highlight import highlight
from search.query import FACETS, SearchHit, SearchQuery, SearchResult, SortOrder

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs(
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, code TEXT NOT NULL,
  code_key TEXT NOT NULL, family TEXT, region TEXT NOT NULL, member TEXT, status TEXT, date INTEGER,
  payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS docs_code ON docs(code);
CREATE INDEX IF NOT EXISTS docs_code_key ON docs(code_key);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
  title_tok, title_bg, body_tok, body_bg, codes, tags, tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
"""
# Column weights for bm25: title words first, codes as strong as titles, tags never rank.
BM25 = "bm25(fts, 8.0, 4.0, 2.0, 1.0, 10.0, 0.0)"
SQL_MATCH_ROWIDS = "SELECT rowid FROM fts WHERE fts MATCH ?"
SQL_RANK_RANGE = f"SELECT rowid, {BM25} FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ?"
SQL_CODE_EXACT = "SELECT rowid FROM docs WHERE code = ?"
SQL_CODE_KEY = "SELECT rowid FROM docs WHERE code_key = ? ORDER BY date DESC, code DESC"
SQL_CODE_PREFIX = "SELECT rowid FROM docs WHERE code >= ? AND code < ? ORDER BY code LIMIT 200"
SQL_FETCH = "SELECT rowid, id, kind, code, region, member, status, date, payload FROM docs WHERE rowid IN ({})"
SQL_COLUMNS = "SELECT rowid, kind, region, member, status, date FROM docs"
PLANNED_QUERIES = {"match": SQL_MATCH_ROWIDS, "rank": SQL_RANK_RANGE, "code_exact": SQL_CODE_EXACT,
                   "code_key": SQL_CODE_KEY, "code_prefix": SQL_CODE_PREFIX}
_HAN_BG = "{title_bg body_bg}"
_TOK = "{title_tok body_tok}"
_TOK_CODES = "{title_tok body_tok codes}"
_NO_DATE = -1


@dataclass
class _Columns:
    """Facet/filter columns indexed by rowid; values dictionary-encoded (code 0 = none)."""

    generation: int
    alive: np.ndarray
    date: np.ndarray
    year: np.ndarray
    encoded: dict[str, np.ndarray]
    labels: dict[str, list[str]]

    def code_of(self, facet: str, value: str) -> int:
        labels = self.labels[facet]
        return labels.index(value) if value in labels else -1


def _date_ord(value: date | None) -> int:
    return value.toordinal() if value else _NO_DATE


def _tags(doc: SearchDocument) -> str:
    ics = [f"ics_{c.replace('.', '_')}" for c in doc.ics]
    hs = [f"hs_{''.join(ch for ch in h if ch.isdigit())}" for h in doc.hs]
    return " ".join(ics + hs)


class SqliteFts5Backend(SearchBackend):
    name = "sqlite"

    def __init__(self, path: Path, analyzer: Analyzer, rank_candidates: int = 3000,
                 busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.analyzer = analyzer
        self.rank_candidates = rank_candidates
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
        rows = [(doc.id, doc.kind, doc.code, doc.code_key, doc.family, doc.region, doc.member, doc.status,
                 _date_ord(doc.date), self._payload(doc)) for doc in latest]
        texts = [self._fts_values(doc) for doc in latest]
        self._write(lambda conn: self._insert(conn, rows, texts))

    def _insert(self, conn: sqlite3.Connection, rows: list[tuple], texts: list[tuple[str, ...]]) -> None:
        self._delete_ids(conn, [row[0] for row in rows])
        start = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM docs").fetchone()[0] + 1
        conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         [(rowid, *row) for rowid, row in enumerate(rows, start)])
        conn.executemany("INSERT INTO fts(rowid, title_tok, title_bg, body_tok, body_bg, codes, tags) "
                         "VALUES (?,?,?,?,?,?,?)", [(rowid, *t) for rowid, t in enumerate(texts, start)])

    def _fts_values(self, doc: SearchDocument) -> tuple[str, ...]:
        a = self.analyzer
        titles = "\n".join(doc.titles) or doc.title
        return (" ".join(a.index_tokens(titles)), " ".join(a.bigrams(titles)), " ".join(a.index_tokens(doc.body)),
                " ".join(a.bigrams(doc.body)), " ".join(a.index_tokens(" ".join(doc.codes))), _tags(doc))

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
            encoded = {f: np.zeros(size, dtype=np.int32) for f in ("kind", "region", "member", "status")}
            labels: dict[str, list[str]] = {f: [""] for f in encoded}
            index: dict[str, dict[str, int]] = {f: {} for f in encoded}
            for rowid, kind, region, member, status, day in rows:
                alive[rowid] = True
                dates[rowid] = day
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
            self._columns = _Columns(generation, alive, dates, years, encoded, labels)
            return self._columns

    # ------------------------------------------------------------------------------------------ searching
    def match_expression(self, query: SearchQuery) -> str | None:
        """The FTS5 MATCH text for a query. Every term is a quoted token made by the analyzer, so user
        input never reaches FTS5 syntax: quotes, *, NEAR, brackets are searched as text or dropped."""
        parts = [self._clause_expression(c) for c in self.analyzer.query_clauses(query.text)]
        if query.ics_prefixes:
            parts.append(" OR ".join(f'tags : "ics_{_tag_text(p)}"*' for p in query.ics_prefixes))
        if query.hs_prefixes:
            parts.append(" OR ".join(f'tags : "hs_{_tag_text(p)}"*' for p in query.hs_prefixes))
        parts = [p for p in parts if p]
        return " AND ".join(f"({p})" for p in parts) if parts else None

    @staticmethod
    def _clause_expression(clause: QueryClause) -> str:
        alternatives = []
        for alt in clause.alternatives:
            if not _is_han(alt):
                alternatives.append(f'{_TOK_CODES} : "{alt}"')
            elif len(alt) == 1:
                alternatives.append(f'{_HAN_BG} : "{alt}"*')
            else:
                grams = " ".join(alt[i:i + 2] for i in range(len(alt) - 1))
                alternatives += [f'{_HAN_BG} : "{grams}"', f'{_TOK} : "{alt}"']
        return " OR ".join(alternatives)

    def _matching_rowids(self, match: str | None, cols: _Columns) -> np.ndarray:
        if match is None:
            return np.flatnonzero(cols.alive)
        try:
            cur = self._conn().execute(SQL_MATCH_ROWIDS, (match,))
            ids = np.fromiter((r[0] for r in cur), dtype=np.int64)
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
        page = self._order(selected, cols, query, match, code_ids)
        return SearchResult(total=int(len(selected)), hits=self._hits(page, query), facets=facets)

    def _order(self, selected: np.ndarray, cols: _Columns, query: SearchQuery, match: str | None,
               code_ids: list[int]) -> list[int]:
        """The rowids of the requested page, in order."""
        end = query.offset + query.size
        if query.sort is not SortOrder.RELEVANCE:
            keys = cols.date[selected]
            order = np.lexsort((selected, keys))
            if query.sort is SortOrder.NEWEST:
                order = order[::-1]
            return [int(r) for r in selected[order][query.offset:end]]
        chosen = set(selected.tolist()) if len(code_ids) else set()
        first = [r for r in code_ids if r in chosen]
        newest = np.sort(selected)[::-1]
        if match is None or not self.analyzer.query_clauses(query.text):
            # No text to rank by: code hits first, then by date, newest first.
            rest = selected[np.lexsort((selected, cols.date[selected]))[::-1]]
            ranked = first + [int(r) for r in rest if int(r) not in set(first)]
            return ranked[query.offset:end]
        candidates = newest[:self.rank_candidates]
        scored = self._scores(match, candidates)
        firsts = set(first)
        ranked = first + [r for r, _ in sorted(scored.items(), key=lambda p: (p[1], -p[0])) if r not in firsts]
        if end > len(ranked):
            seen = set(ranked)
            ranked += [int(r) for r in newest[len(candidates):] if int(r) not in seen]
        return ranked[query.offset:end]

    def _scores(self, match: str, candidates: np.ndarray) -> dict[int, float]:
        if len(candidates) == 0:
            return {}
        wanted = set(candidates.tolist())
        rows = self._conn().execute(SQL_RANK_RANGE, (match, int(candidates.min()), int(candidates.max())))
        return {r: s for r, s in rows if r in wanted}

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
                highlight=_highlights(data, code, terms, self.analyzer), status=status, region=region,
                member=member, date=date.fromordinal(day) if day != _NO_DATE else None,
            ))
        return hits


def _highlights(data: dict, code: str, terms: list[str], analyzer: Analyzer) -> dict[str, str]:
    out = {}
    for name, text in (("title", "\n".join(data["titles"]) or data["title"]), ("text", data["body"]),
                       ("code", code)):
        marked = highlight(text, terms, analyzer)
        if marked:
            out[name] = marked
    return out


def _is_han(text: str) -> bool:
    return bool(text) and "\u3400" <= text[0] <= "\ufaff"


def _tag_text(prefix: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in prefix.strip().replace(".", "_"))


def _years(days: np.ndarray) -> np.ndarray:
    # Vectorised ordinal -> year: numpy datetime64 days counted from 1970-01-01 (ordinal 719163).
    return (days - 719163).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
