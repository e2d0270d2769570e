"""How long study search takes when it analyses every stored study at query time (api/studies/search.py argues
for this over an index): N copies of the demo study with varied titles, a few queries, wall time per query.

    .venv/bin/python bench/bench_study_search.py [N]
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from api.studies.search import search_studies
from config.settings import Settings
from search.factory import analyzer_for
from stdwatch.store.studies import StoredStudy
from stdwatch.studies.codec import content_from_dict
from stdwatch.studies.model import Status

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["玩具", "锂电池", "电动自行车", "LED lamps", "儿童安全座椅", "食品接触材料", "纺织品", "家用电器"]


def main(n: int) -> None:
    entry = json.loads((ROOT / "stdwatch/demo_data/studies.json").read_text(encoding="utf-8"))[0]
    base = content_from_dict(entry["content"])
    now = datetime.now(UTC)
    studies = [
        StoredStudy(
            i, Status.PUBLISHED, 1, replace(base, title=f"{WORDS[i % len(WORDS)]} 比对 {i}"),
            None, now, None, now, None, None, None, None, None, None,
        )
        for i in range(n)
    ]  # fmt: skip
    analyzer = analyzer_for(Settings())
    search_studies(analyzer, studies[:1], "warm up")
    for q in ("玩具 迁移", "锂电池", "GB 6675.4", "lead cadmium", "玩具 迁移"):
        start = time.perf_counter()
        hits = search_studies(analyzer, studies, q)
        print(f"{n} studies  q={q!r:14}  {len(hits):5} hits  {1000 * (time.perf_counter() - start):8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
