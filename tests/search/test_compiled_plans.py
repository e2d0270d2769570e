"""The remembered plans of search.plan.CompiledPlans: the same request gives the same plan, and a request that
differs in any field, or a new day for open filters, is compiled afresh."""

from __future__ import annotations

from datetime import date

from search.analysis import Analyzer
from search.plan import CompiledPlans, compile_query
from search.query import SearchQuery, SortOrder


def test_a_repeated_request_reuses_its_plan_and_any_other_field_compiles_anew(analyzer: Analyzer) -> None:
    plans = CompiledPlans(analyzer)
    base = SearchQuery(text="锂电池", filters={"region": ("cn",)})
    first = plans.compile(base)
    assert plans.compile(SearchQuery(text="锂电池", filters={"region": ("cn",)})) is first
    assert first == compile_query(base, analyzer)
    variants = [
        SearchQuery(text="锂离子电池", filters={"region": ("cn",)}),
        SearchQuery(text="锂电池", filters={"region": ("tw",)}),
        SearchQuery(text="锂电池", filters={"region": ("cn",)}, ranges={"date": (date(2020, 1, 1), None)}),
        SearchQuery(text="锂电池", filters={"region": ("cn",)}, sort=SortOrder.NEWEST),
        SearchQuery(text="锂电池", filters={"region": ("cn",)}, page=2),
        SearchQuery(text="锂电池", filters={"region": ("cn",)}, size=5),
        SearchQuery(text="锂电池", filters={"region": ("cn",)}, as_of=date(2020, 1, 1)),
    ]
    for query in variants:
        plan = plans.compile(query)
        assert plan is not first and plan == compile_query(query, analyzer), query


def test_only_the_last_requests_are_remembered(analyzer: Analyzer) -> None:
    plans = CompiledPlans(analyzer, limit=2)
    first = plans.compile(SearchQuery(text="a"))
    plans.compile(SearchQuery(text="b"))
    plans.compile(SearchQuery(text="c"))
    assert plans.compile(SearchQuery(text="a")) is not first
