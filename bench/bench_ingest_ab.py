"""SQLite ingest of two checkouts (say, before and after a change), alternated with same-run anchors.

    git worktree add /tmp/before abcde38        # allowed: it leaves this checkout as it is
    .venv/bin/python bench/bench_ingest_ab.py --tree before=/tmp/before --tree after=. --n 20000 --rounds 3

Each round runs, each in a fresh process so no run warms the next: the anchors (bench/anchors.py: a bare
SQLAlchemy insert of the same JSON rows, rjieba's segmentation of the same texts, a bare FTS5 insert of the same
token rows), then every tree's store of record (versioned upsert, batches of 2,000) and index sync over the same
generated records (each tree's own bench/bench_search.py generator, which is the same for a given seed). A tree's
figure is divided by the anchors measured in the same round, so rounds on a busy machine stay comparable; the
summary gives the median and the spread (min-max) over the rounds.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _cpu() -> float:
    """CPU seconds of this process and of its children that have exited (the analysis worker processes a large
    sync starts, search.parallel, once the flow has closed them)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


class _Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), _cpu()
        spent = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return spent


def _child_tree(tree: Path, n: int) -> dict[str, float]:
    """Store and index n generated records with the tree's own code (old trees had search.indexer)."""
    sys.path[:0] = [str(tree), str(tree / "bench")]
    import bench_search

    from config.settings import Settings
    from search.factory import backend_for
    from stdwatch.store import DocumentRepository, create_engine_for, migrate

    records = bench_search.generate(n)
    with tempfile.TemporaryDirectory(prefix="stdwatch-ab-") as folder:
        settings = Settings(data_dir=Path(folder), search_backend="sqlite")
        engine = create_engine_for(settings.resolved_database_url)
        migrate(engine)
        repo, backend = DocumentRepository(engine), backend_for(settings)
        clock = _Clock()
        for start in range(0, len(records), 2000):
            repo.upsert_many(records[start : start + 2000])
        store, store_cpu = clock.lap()
        try:
            from search.ingest import IngestFlow

            flow = IngestFlow(settings, repo, backend)
            flow.sync()
            getattr(flow, "close", lambda: None)()  # workers exit here, so their CPU time is counted
        except ImportError:
            from search.indexer import sync_index  # an older checkout's module

            sync_index(repo, backend, batch_size=5000)  # what that tree's bench used
        index, index_cpu = clock.lap()
        backend.close()
        engine.dispose()
    return {"store": store, "index": index, "store_cpu": store_cpu, "index_cpu": index_cpu}


def _child_anchors(n: int, tree: Path) -> dict[str, float]:
    """The anchors, with the analysis (for the token rows) of `tree`: a stable checkout while others edit."""
    sys.path[:0] = [str(tree), str(HERE)]
    for module in (
        "config.settings",
        "search.documents",
        "search.factory",
        "search.ingest",
        "stdwatch.store",
    ):
        importlib.import_module(module)  # from `tree`, before bench_search puts this checkout first
    import bench_search

    from config.settings import Settings

    records = bench_search.generate(n)
    with tempfile.TemporaryDirectory(prefix="stdwatch-ab-anchors-") as folder:
        settings = Settings(data_dir=Path(folder), search_backend="sqlite")
        found, _ = bench_search.measure_anchors(records, settings, Path(folder))
    return {
        "store": found.store_sqlalchemy.seconds,
        "segment": found.segmentation.seconds,
        "fts": found.fts_insert.seconds,
        "store_cpu": found.store_sqlalchemy.cpu,
        "segment_cpu": found.segmentation.cpu,
        "fts_cpu": found.fts_insert.cpu,
    }


def _run_child(args: list[str], tree: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _spread(values: list[float]) -> str:
    if min(values) >= 100:
        return f"{statistics.median(values):7,.0f} ({min(values):,.0f}-{max(values):,.0f})"
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"


def _row(n: int, got: dict[str, float], anchor: dict[str, float]) -> dict[str, float]:
    """A tree's figures (records/s) and their ratios to the round's anchors, by wall clock and by CPU time."""
    total = got["store"] + got["index"]
    total_cpu = got["store_cpu"] + got["index_cpu"]
    a_index, a_index_cpu = anchor["segment"] + anchor["fts"], anchor["segment_cpu"] + anchor["fts_cpu"]
    return {
        "store": n / got["store"],
        "index": n / got["index"],
        "total": n / total,
        "store_x": got["store"] / anchor["store"],
        "index_x": got["index"] / a_index,
        "total_x": total / (anchor["store"] + a_index),
        "store_c": got["store_cpu"] / anchor["store_cpu"],
        "index_c": got["index_cpu"] / a_index_cpu,
        "total_c": total_cpu / (anchor["store_cpu"] + a_index_cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", action="append", default=[], help="name=path of a checkout (repeatable)")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--anchors-tree",
        type=Path,
        default=HERE.parent,
        help="checkout whose analyzer makes the anchors' token rows",
    )
    parser.add_argument(
        "--no-gc", action="store_true", help="diagnostic: run the trees with Python's garbage collector off"
    )
    parser.add_argument("--child-tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-anchors", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_tree:
        if args.no_gc:
            gc.disable()
        print(json.dumps(_child_tree(args.child_tree.resolve(), args.n)))
        return
    if args.child_anchors:
        print(json.dumps(_child_anchors(args.n, args.anchors_tree.resolve())))
        return
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # rounds show as they finish
    trees = [(name, Path(path).resolve()) for name, path in (t.split("=", 1) for t in args.tree)]
    if not trees:
        parser.error("name at least one --tree name=path")
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    gc_note = " (garbage collector OFF in the trees)" if args.no_gc else ""
    print(
        f"SQLite ingest A/B, {args.n:,} generated records, {args.rounds} rounds{gc_note}; figures in records/s"
    )
    for round_no in range(1, args.rounds + 1):
        anchor_args = ["--child-anchors", "--n", str(args.n), "--anchors-tree", str(args.anchors_tree)]
        anchor = _run_child(anchor_args, args.anchors_tree.resolve())
        print(
            f"round {round_no}: anchors (rec/s, wall) A1 store {args.n / anchor['store']:,.0f}, "
            f"A3 segment {args.n / anchor['segment']:,.0f}, A4 FTS5 insert {args.n / anchor['fts']:,.0f}"
        )
        shift = (round_no - 1) % len(trees)  # each tree takes each position in turn
        for name, tree in trees[shift:] + trees[:shift]:
            got = _run_child(
                ["--child-tree", str(tree), "--n", str(args.n), *(["--no-gc"] if args.no_gc else [])], tree
            )
            row = _row(args.n, got, anchor)
            rows[name].append(row)
            print(
                f"  {name:<8} store {row['store']:7,.0f} ({row['store_x']:.2f} x A1)  analyse+index "
                f"{row['index']:7,.0f} ({row['index_x']:.2f} x A3+A4)  ingest {row['total']:7,.0f} "
                f"({row['total_x']:.2f} x A1+A3+A4)  | CPU-time ratios {row['store_c']:.2f} "
                f"{row['index_c']:.2f} {row['total_c']:.2f}"
            )
    print(
        "summary, median (min-max) over rounds. rec/s: wall clock. 'x A': the tree's time over the same round's "
        "anchor time (lower is better), by wall clock and by CPU time of the process and its analysis workers"
    )
    for name, found in rows.items():
        for label, keys in (
            ("rec/s", ("store", "index", "total")),
            ("x A wall", ("store_x", "index_x", "total_x")),
            ("x A CPU", ("store_c", "index_c", "total_c")),
        ):
            parts = [f"{key.split('_')[0]} {_spread([r[key] for r in found])}" for key in keys]
            print(f"  {name:<8} {label:<9} " + "   ".join(parts))


if __name__ == "__main__":
    main()
