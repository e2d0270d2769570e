"""The bench scripts run end to end with tiny sizes and print their figures beside their anchors.

No timing is asserted (speed is measured by running bench/, never in tests); these tests keep the scripts
working as the code they drive changes, and check that what they print is about the work they say they did.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def run_bench(*args: str, timeout: float = 600) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STDWATCH_")}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def figure(output: str, label: str) -> float:
    """The records/s printed on the line starting with `label`."""
    match = re.search(rf"^{re.escape(label)}.*?([\d,]+) rec/s", output, re.MULTILINE)
    assert match, f"no figure for {label!r} in:\n{output}"
    return float(match.group(1).replace(",", ""))


def test_search_bench_prints_figures_beside_anchors() -> None:
    out = run_bench("bench/bench_search.py", "--n", "300", "--queries", "27")
    for anchor in ("A1 store", "A2 store", "A3 analyse", "A4 index"):
        assert figure(out, f"  {anchor}") > 0
    assert re.search(r"^store of record .* = +[\d.]+ x A1$", out, re.MULTILINE)
    assert re.search(r"^analyse \+ index .* = +[\d.]+ x \(A3\+A4\)$", out, re.MULTILINE)
    assert re.search(r"^INGEST end-to-end .* x \(A1\+A3\+A4\)$", out, re.MULTILINE)
    assert "SEARCH all queries: p50" in out
    # The broad-term anchor scans the same rows the backend searched: the same number of matches.
    broad = re.findall(r"\((\d[\d,]*) hits\) +A5 .*?\((\d[\d,]*) rows\)", out)
    assert len(broad) == 2 and all(hits == rows for hits, rows in broad), out


def test_alerts_bench_quick_run_matches_and_renders_digests() -> None:
    out = run_bench("bench/bench_alerts.py", "--quick")
    assert "T1 tokenise with the analyzer" in out and "T2 rjieba" in out
    matched = re.search(r"^MATCH (\d+) changes x (\d+) subscriptions .* x T1 .* x T2$", out, re.MULTILINE)
    assert matched, out
    alerts = re.search(r"^  ([\d,]+) alerts \(", out, re.MULTILINE)
    assert alerts and int(alerts.group(1).replace(",", "")) > 0, out
    day = re.search(
        r"([\d,]+) alerts; ([\d,]+) digest emails rendered \(outbox: \{'pending': ([\d,]+)\}\)", out
    )
    assert day, out
    assert int(day.group(1).replace(",", "")) > 0
    assert day.group(2) == day.group(3) and int(day.group(2)) > 0  # every rendered digest waits in the outbox


@pytest.mark.parametrize("script", ["bench_search.py", "bench_alerts.py", "bench_ingest_ab.py"])
def test_bench_help(script: str) -> None:
    assert "usage:" in run_bench(f"bench/{script}", "--help", timeout=120)


def test_ingest_ab_bench_runs_a_tree_beside_its_anchors() -> None:
    out = run_bench("bench/bench_ingest_ab.py", "--tree", "here=.", "--n", "200", "--rounds", "1")
    assert re.search(r"^round 1: anchors \(rec/s, wall\) A1 store [\d,]+", out, re.MULTILINE), out
    assert re.search(r"^  here +store +[\d,]+ \([\d.]+ x A1\)", out, re.MULTILINE), out
    assert re.search(r"^  here +x A CPU +store +[\d.]+", out, re.MULTILINE), out


def test_study_search_bench_prints_each_figure_beside_its_anchor() -> None:
    out = run_bench("bench/bench_study_search.py", "40")
    cold = re.search(r"^40 studies, cold query .*= +([\d.]+) x C$", out, re.MULTILINE)
    assert cold and float(cold.group(1)) > 0, out
    warm = re.findall(r"^40 studies  q=.* (\d+) hits .*= +([\d.]+) x W$", out, re.MULTILINE)
    assert len(warm) == 5, out
    assert any(int(hits) > 0 for hits, _ in warm), out  # the queries find the generated studies
