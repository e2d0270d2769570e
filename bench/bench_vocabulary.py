"""Same-run cost of issue 11's index-time analysis (English stemming and stop words) on ingest.

    .venv/bin/python bench/bench_vocabulary.py --n 20000

Analyses the same generated records (bench_search.generate) with the analyzer as shipped and with stemming and
stop-word removal switched off (what the analyzer did before issue 11), alternating the two three times, and
prints records/s of each and the ratio. Cross-strait wording and the glossary cost nothing here: they are applied to
queries only. The analyzer's start-up (reading OpenCC's tables and the glossary) is timed apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_search import generate
from config.settings import CONFIG_DIR
from search import analysis
from search.analysis import Analyzer
from search.documents import index_document, search_document
from stdwatch.records import to_json


def _rate(analyzer: Analyzer, documents: list) -> float:
    started = time.perf_counter()
    for d in documents:
        index_document(d, analyzer)
    return len(documents) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    shipped = Analyzer(CONFIG_DIR / "jieba_userdict.txt", CONFIG_DIR / "synonyms.txt")
    print(f"analyzer start-up with vocabulary: {time.perf_counter() - started:.2f} s")
    plain = Analyzer(CONFIG_DIR / "jieba_userdict.txt", CONFIG_DIR / "synonyms.txt")
    plain.stem = lambda word: word  # type: ignore[method-assign]  # the analysis before issue 11
    documents = [search_document(to_json(r)) for r in generate(args.n)]
    with_stems, without = [], []
    for _ in range(3):
        stop_words = analysis.STOP_WORDS
        analysis.STOP_WORDS = frozenset()  # type: ignore[misc]
        without.append(_rate(plain, documents))
        analysis.STOP_WORDS = stop_words  # type: ignore[misc]
        with_stems.append(_rate(shipped, documents))
    best_with, best_without = max(with_stems), max(without)
    print(f"analyse, before issue 11 (no stemming): {best_without:,.0f} records/s (best of 3)")
    print(f"analyse, with stemming + stop words:   {best_with:,.0f} records/s (best of 3)")
    print(f"analysis throughput ratio: {best_with / best_without:.3f}")


if __name__ == "__main__":
    main()
