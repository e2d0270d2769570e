"""Export benchmark: the peak memory and time of exporting a 100,000-hit result set (issue 11, item 6).

    .venv/bin/python bench/bench_export.py                  # 100,000 generated records, SQLite backend
    .venv/bin/python bench/bench_export.py --n 20000 --formats csv
    .venv/bin/python bench/bench_export.py --backend elasticsearch   # STDWATCH_ES_URL says where

The records are bench_search's generated ones, indexed straight into the backend. Each export runs the real
path (search.export.export_chunks: batches of hits from the backend, CSV or openpyxl write-only) into a file,
with tracemalloc tracing Python allocations, and is printed beside same-run anchors on the same rows:
  A1 csv.writer writing the rows (already in memory) straight to a file: the writer's own footprint;
  A2 openpyxl write-only writing the same rows;
  A3 what an export that holds every hit first would need: the list of all hits of one search.
A streamed export's peak should be near A1/A2 plus one batch of hits, and far below A3.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl  # noqa: F401 - imported before tracing, so module loading is not counted as export memory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate

from config.settings import Settings
from search.base import SearchBackend
from search.documents import search_document
from search.export import COLUMNS, ExportFormat, export_chunks, hit_row, iter_hits, write_xlsx
from search.factory import backend_for
from search.query import SearchQuery
from stdwatch.records import to_json


def traced(work: Callable[[], Any]) -> tuple[float, int]:
    """Seconds and peak traced bytes of `work`."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def _write(chunks: Iterator[bytes], path: Path) -> None:
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)


def build(backend_name: str, n: int, folder: Path) -> SearchBackend:
    settings = Settings(data_dir=folder, search_backend=backend_name, es_index=f"bench-export-{n}")
    backend = backend_for(settings)
    started = time.perf_counter()
    count = backend.rebuild(search_document(to_json(r)) for r in generate(n))
    print(f"indexed {count:,} documents in {time.perf_counter() - started:.1f} s ({backend_name})")
    return backend


def run(backend: SearchBackend, formats: list[ExportFormat], folder: Path) -> None:
    query = SearchQuery()  # every document: the largest result set
    total = backend.search(replace(query, size=1)).total
    print(f"result set: {total:,} hits\n")
    print(f"{'what':<52} {'seconds':>8} {'peak MiB':>9}")
    for fmt in formats:
        target = folder / f"export.{fmt.value}"
        seconds, peak = traced(
            lambda fmt=fmt, target=target: _write(export_chunks(backend, query, fmt), target)
        )
        size = target.stat().st_size
        print(
            f"{f'export {fmt.value} (streamed, {size / 2**20:.1f} MiB file)':<52} {seconds:8.1f} {peak / 2**20:9.1f}"
        )
    rows = [hit_row(h) for h in iter_hits(backend, query)]
    header = [name for name, _ in COLUMNS]

    def bare_csv() -> None:
        with (folder / "anchor.csv").open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)

    anchors: list[tuple[str, Callable[[], Any]]] = [("A1 csv.writer, same rows in memory", bare_csv)]
    if ExportFormat.XLSX in formats:
        anchors.append(
            ("A2 openpyxl write-only, same rows in memory", lambda: write_xlsx(rows, str(folder / "a.xlsx")))
        )
    anchors.append(
        (
            "A3 every hit held at once (one search, size=total)",
            lambda: backend.search(replace(query, size=total)),
        )
    )
    for name, work in anchors:
        seconds, peak = traced(work)
        print(f"{name:<52} {seconds:8.1f} {peak / 2**20:9.1f}")
    print(f"\n(the {len(rows):,} anchor rows themselves, held for A1/A2, are not counted in their peaks)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "elasticsearch"])
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both, comma-separated")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stdwatch-bench-export-"))
    try:
        backend = build(args.backend, args.n, folder)
        try:
            run(backend, [ExportFormat(f) for f in args.formats.split(",")], folder)
        finally:
            if args.backend == "elasticsearch":
                backend.clear()
            backend.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
