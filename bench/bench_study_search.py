"""How long study search takes when it analyses every stored study at query time (api/studies/search.py argues
for this over an index): N copies of the demo study with varied titles, the first (cold) query, then warm queries.

    .venv/bin/python bench/bench_study_search.py [N]

Anchors, same run, same studies (bench/anchors.py's rule: the bare library doing the same work):
- C for the cold query, which analyses every study once: rjieba's segmentation of the same texts (title and
  body of each study, as search_studies reads them);
- W for a warm query, which is set look-ups over the cached word sets: a plain Python loop testing the query's
  words against one frozenset per study (no StdWatch code).
Each figure is printed with its ratio to its anchor.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors

from api.studies import search as study_search
from config.settings import Settings
from search.factory import analyzer_for
from stdwatch.store.studies import StoredStudy
from stdwatch.studies.codec import content_from_dict
from stdwatch.studies.model import Status

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["玩具", "锂电池", "电动自行车", "LED lamps", "儿童安全座椅", "食品接触材料", "纺织品", "家用电器"]
QUERIES = ("玩具 迁移", "锂电池", "GB 6675.4", "lead cadmium", "食品接触材料 迁移")


def _studies(n: int) -> list[StoredStudy]:
    entry = json.loads((ROOT / "stdwatch/demo_data/studies.json").read_text(encoding="utf-8"))[0]
    base = content_from_dict(entry["content"])
    now = datetime.now(UTC)
    return [
        StoredStudy(
            i, Status.PUBLISHED, 1, replace(base, title=f"{WORDS[i % len(WORDS)]} 比对 {i}"),
            None, now, None, now, None, None, None, None, None, None,
        )
        for i in range(n)
    ]  # fmt: skip


def _ms(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return 1000 * (time.perf_counter() - start)


def _warm_anchor(studies: list[StoredStudy], words: list[str], repeat: int = 5) -> float:
    sets = [frozenset(f"{s.content.title} {s.content.purpose}".split()) for s in studies]

    def scan() -> int:
        return sum(1 for s in sets if all(w in s for w in words))

    return min(_ms(scan) for _ in range(repeat))


def main(n: int) -> None:
    studies = _studies(n)
    analyzer = analyzer_for(Settings())
    study_search.search_studies(analyzer, studies[:1], "warm up")  # dictionaries load lazily: not the work
    study_search._CACHE.clear()
    texts = ["\n".join([s.content.title, *filter(None, study_search._body(s.content))]) for s in studies]
    cold_anchor = anchors.segmentation(texts, n)
    cold = _ms(lambda: study_search.search_studies(analyzer, studies, QUERIES[0]))
    print(f"{n} studies, cold query (analyses every study): {cold:9.1f} ms   "
          f"C rjieba on the same texts {1000 * cold_anchor.seconds:8.1f} ms   "
          f"= {cold / (1000 * cold_anchor.seconds):5.2f} x C")  # fmt: skip
    for q in QUERIES:
        words = [w for c in analyzer.query_clauses(q) for w in c.alternatives[:1]]
        anchor = _warm_anchor(studies, words)
        count = len(study_search.search_studies(analyzer, studies, q))
        took = min(_ms(lambda q=q: study_search.search_studies(analyzer, studies, q)) for _ in range(3))
        print(f"{n} studies  q={q!r:18} {count:5} hits  {took:8.1f} ms   W {anchor:6.2f} ms   "
              f"= {took / anchor if anchor else float('inf'):6.1f} x W")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
