"""Same-run anchors: the bare libraries doing the work StdWatch does, timed in the same run as its figures.

The machine is shared and noisy, so an absolute figure means little on its own; its ratio to an anchor measured
a moment before on the same data says how much StdWatch adds on top of the library it drives. Only the standard
library, rjieba and SQLAlchemy are used here (no StdWatch code), so the anchors also run beside an older checkout.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rjieba
from sqlalchemy import JSON, Column, MetaData, String, Table, create_engine, event, insert

FTS_COLUMNS = ("title_tok", "title_bg", "body_tok", "body_bg", "codes", "tags")
BATCH = 2000


@dataclass(frozen=True)
class Figure:
    """`count` items of work done in `seconds` (`size` bytes of text where that means something)."""

    seconds: float
    count: int
    size: int = 0
    cpu: float = (
        0.0  # this process's CPU seconds: less moved by other processes on the machine than wall time
    )

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def mb_per_second(self) -> float:
        return self.size / 1e6 / self.seconds if self.seconds else float("inf")

    def __add__(self, other: Figure) -> Figure:
        return Figure(self.seconds + other.seconds, self.count, self.size, self.cpu + other.cpu)


def ratio(figure: Figure, anchor: Figure) -> float:
    """How many times the anchor's time the figure took for the same work (1.0 = as fast as the bare library)."""
    return figure.seconds / anchor.seconds if anchor.seconds else float("inf")


def cpu_ratio(figure: Figure, anchor: Figure) -> float:
    """The same by CPU seconds of this process (steadier than wall time while others load the machine)."""
    return figure.cpu / anchor.cpu if anchor.cpu else float("inf")


def line(label: str, figure: Figure, anchor: Figure | None = None, anchor_name: str = "") -> str:
    text = f"{label:<48}{figure.per_second:>10,.0f} rec/s ({figure.seconds:6.2f}s)"
    if figure.size:
        text += f" {figure.mb_per_second:6.2f} MB/s"
    if anchor is not None:
        text += f"   = {ratio(figure, anchor):5.2f} x {anchor_name}"
    return text


def _timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of `work`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


# ------------------------------------------------------------------------------------------ segmentation
def segmentation(texts: Sequence[str], records: int) -> Figure:
    """rjieba's search-mode segmentation of the texts as they are (no folding, no user dictionary)."""
    jieba = rjieba.Jieba()
    jieba.cut_for_search("预热")  # the dictionary loads lazily on first use: not part of the work
    cut = jieba.cut_for_search
    seconds, cpu = _timed(lambda: [cut(t) for t in texts])
    return Figure(seconds, records, sum(len(t.encode("utf-8")) for t in texts), cpu)


# ------------------------------------------------------------------------------------------ FTS5
def _fts_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def fts_insert(path: Path, rows: Sequence[Sequence[str]]) -> Figure:
    """Insert the token rows (one string per FTS column) into a plain FTS5 table with the same tokenizer, in
    transactions of BATCH rows."""
    conn = _fts_connection(path)
    conn.execute(
        f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(FTS_COLUMNS)}, "
        "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )
    sql = f"INSERT INTO fts(rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"

    def work() -> None:
        for start in range(0, len(rows), BATCH):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                sql, [(start + i + 1, *row) for i, row in enumerate(rows[start : start + BATCH])]
            )
            conn.execute("COMMIT")

    seconds, cpu = _timed(work)
    conn.close()
    return Figure(seconds, len(rows), cpu=cpu)


def fts_scan(path: Path, expression: str, repeat: int) -> tuple[list[float], int]:
    """Latencies (ms) of `SELECT rowid FROM fts WHERE fts MATCH ?`, every rowid fetched; and the match count."""
    conn = _fts_connection(path)
    latencies, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = len(conn.execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,)).fetchall())
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies, found


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ------------------------------------------------------------------------------------------ JSON rows
def json_insert_sqlalchemy(path: Path, rows: Sequence[tuple[str, dict[str, Any]]]) -> Figure:
    """Insert (id, JSON data) rows with SQLAlchemy Core, as the store of record's engine is set up (WAL), in
    transactions of BATCH rows: the floor under the store's versioned upsert."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    table = Table("docs", MetaData(), Column("id", String, primary_key=True), Column("data", JSON))
    table.metadata.create_all(engine)

    def work() -> None:
        for start in range(0, len(rows), BATCH):
            with engine.begin() as conn:
                conn.execute(insert(table), [{"id": i, "data": d} for i, d in rows[start : start + BATCH]])

    seconds, cpu = _timed(work)
    engine.dispose()
    return Figure(seconds, len(rows), cpu=cpu)


def json_insert_sqlite3(path: Path, rows: Sequence[tuple[str, dict[str, Any]]]) -> Figure:
    """The same rows through the bare sqlite3 module (json.dumps included)."""
    conn = _fts_connection(path)
    conn.execute("CREATE TABLE docs(id TEXT PRIMARY KEY, data TEXT)")

    def work() -> None:
        for start in range(0, len(rows), BATCH):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO docs VALUES (?, ?)",
                [(i, json.dumps(d, ensure_ascii=False)) for i, d in rows[start : start + BATCH]],
            )
            conn.execute("COMMIT")

    seconds, cpu = _timed(work)
    conn.close()
    return Figure(seconds, len(rows), cpu=cpu)
