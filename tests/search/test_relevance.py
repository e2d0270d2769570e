"""Relevance you can rerun (issue 11, item 7): the judged query set on every backend, scored as recall@10.

recall@10 of one query = judged ids found in the top 10 / min(10, number of judged ids); the figure is the mean
over the queries (macro average, so each query weighs the same). Run with `-s` to see the figures and misses:

    .venv/bin/python -m pytest tests/search/test_relevance.py -q -s
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from search.base import SearchBackend
from search.query import SearchQuery
from tests.conftest import BACKENDS, indexed_backend
from tests.search.test_backend_behaviour import BY_ID, DOCS

JUDGED = Path(__file__).with_name("judged_queries.toml")
# Measured on the demo corpus (both backends give the same figure):
#   before issue 11 (no stemming, no cross-strait or Chinese<->English vocabulary): 0.422
#   after (stemming, cross-strait wording, glossary; issue 11 items 1, 2):           0.980
# The threshold sits a little under the figure reached, so a change that loses any two or three judged queries
# fails, while it does not demand perfection from judgements that depend on the glossary's coverage.
MIN_RECALL = 0.95
TOP = 10


@dataclass(frozen=True)
class Judged:
    text: str
    kind: str
    relevant: tuple[str, ...]
    why: str


def judged_queries() -> list[Judged]:
    data = tomllib.loads(JUDGED.read_text(encoding="utf-8"))
    return [Judged(q["text"], q["kind"], tuple(q["relevant"]), q["why"]) for q in data["query"]]


QUERIES = judged_queries()


def recall_at_10(backend: SearchBackend, judged: Judged) -> tuple[float, list[str]]:
    top = [h.id for h in backend.search(SearchQuery(text=judged.text, size=TOP)).hits]
    missing = [i for i in judged.relevant if i not in top]
    found = len(judged.relevant) - len(missing)
    return min(1.0, found / min(TOP, len(judged.relevant))), missing


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer
) -> Iterator[SearchBackend]:
    yield from indexed_backend(request, tmp_path_factory, analyzer, DOCS)


def test_the_judged_set_is_well_formed() -> None:
    assert len(QUERIES) >= 60
    kinds = {q.kind for q in QUERIES}
    assert kinds == {"zh", "zh-hant", "en", "code", "mixed"}
    for q in QUERIES:
        assert q.relevant, q.text
        unknown = [i for i in q.relevant if i not in BY_ID]
        assert not unknown, f"{q.text}: ids not in the corpus: {unknown}"


def test_recall_at_10(backend: SearchBackend) -> None:
    scores: dict[str, list[float]] = {}
    misses = []
    for judged in QUERIES:
        score, missing = recall_at_10(backend, judged)
        scores.setdefault(judged.kind, []).append(score)
        if missing:
            misses.append(f"  {judged.text!r} ({score:.2f}) misses {missing}")
    overall = sum(sum(s) for s in scores.values()) / len(QUERIES)
    by_kind = ", ".join(f"{k} {sum(s) / len(s):.3f} ({len(s)})" for k, s in sorted(scores.items()))
    print(f"\n[{backend.name}] recall@10 = {overall:.3f} over {len(QUERIES)} queries; {by_kind}")
    print("\n".join(misses))
    assert overall >= MIN_RECALL, f"recall@10 {overall:.3f} fell below {MIN_RECALL}"
