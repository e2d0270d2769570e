"""bench_scale.py and bench_api.py run end to end at tiny sizes against the real server (`stdwatch serve`, two
worker processes for the API bench) and print each figure beside its anchor. No timing is asserted."""

from __future__ import annotations

import re

from tests.bench.test_bench_smoke import run_bench


def test_scale_bench_prints_every_figure_with_its_anchor() -> None:
    out = run_bench("bench/bench_scale.py", "--n", "400", "--queries", "18", "--seconds", "1")
    assert re.search(r"^INGEST end-to-end .* x \(A3\+A4\)", out, re.MULTILINE), out
    assert "SEARCH mixed set: p50" in out
    # Below the count bound, the broad terms are counted exactly: the same number as the bare scan's rows.
    broad = re.findall(r"\((\d[\d,]*)(\+?) hits\) +A5 .*?\((\d[\d,]*) rows\)", out)
    assert len(broad) == 2 and all(hits == rows and not plus for hits, plus, rows in broad), out
    assert re.search(r"^SERVER RSS \(1 worker\): [\d,]+ MB .* \(0 errors\)", out, re.MULTILINE), out


def test_api_bench_drives_two_workers_with_an_anchor() -> None:
    out = run_bench("bench/bench_api.py", "--n", "400", "--seconds", "1", "--workers", "2")
    assert "2 workers, 16 connections" in out  # the default (bench_api.py argues why 16)
    for scenario in ("anchor", "code look-up", "broad term"):
        line = re.search(rf"^  {scenario} +([\d,]+) req/s.*errors (\S+)", out, re.MULTILINE)
        assert line and int(line.group(1).replace(",", "")) > 0 and line.group(2) == "0", out
    assert out.count("server CPU") == 3
