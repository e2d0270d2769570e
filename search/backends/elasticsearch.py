"""The scale-path search backend: Elasticsearch, fed with tokens made by search.analysis.

The mapping and queries use Elasticsearch core features only, so the same index runs on the minimal test
distribution and on any full cluster (README lists them): `whitespace`-analysed text fields holding jieba tokens
and CJK bigrams made in Python, keyword fields, `prefix` queries, `match_phrase` / `multi_match` /
`constant_score` / `bool` / `terms` / `range` / `ids` queries, `terms` and `filter` aggregations, field sorts,
aliases. No analysis plugins, no scripts, never `query_string`.

Ranking is the same as the SQLite backend's, so both pass one behaviour suite: code hits first (ordered in
Python by search.codes.code_order); then consecutive tiers (`_tiers`: titles holding every query word, shorter
titles first, then the rest newest first; current before replaced/withdrawn within each), each a filter with
its own field sort, counted by one `filters` aggregation so a page asks only the tiers it spans. No scores.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.analysis import Analyzer
from search.base import IndexSchemaError, SearchBackend, SearchBackendError
from search.codes import STALE_STATUSES, code_order, part_prefixes
from search.documents import IndexedDocument, SearchDocument, index_document
from search.fields import FACETS, FIELDS, MULTI, SCHEMA_VERSION, FieldType, FilterKind, multi_values
from search.highlight import bounded_title, hit_highlights
from search.plan import Clause, CompiledPlans, Plan, TermMode
from search.query import SearchHit, SearchQuery, SearchResult, SortOrder

log = logging.getLogger(__name__)

TEXT = {"type": "text", "analyzer": "whitespace", "norms": False}
_ES_TYPES = {FieldType.KEYWORD: "keyword", FieldType.DATE: "date", FieldType.INTEGER: "integer"}
# Multi-valued codes (ICS, CCS, HS) are indexed as tags for prefix filters, and as keyword lists of their values
# (equality filters) or facet keys; OPEN filters are ranges over another field.
_VALUE_FIELDS = tuple(f for f in FIELDS if not f.multi and f.filter is not FilterKind.OPEN)
_DATE_FIELDS = tuple(f for f in _VALUE_FIELDS if f.type is FieldType.DATE)
_TEXT_FIELDS = ("title_tok", "title_bg", "body_tok", "body_bg", "codes")
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"schema_version": SCHEMA_VERSION},
    "properties": {
        "id": {"type": "keyword"},
        "code": {"type": "keyword"},
        "code_key": {"type": "keyword"},
        **{f.name: {"type": _ES_TYPES[f.type]} for f in _VALUE_FIELDS},
        **{f.name: {"type": "keyword"} for f in MULTI},
        "title_len": {"type": "integer"},
        "seq": {"type": "long"},
        **{name: TEXT for name in _TEXT_FIELDS},
        "tags": {"type": "keyword"},
        "payload": {"type": "object", "enabled": False},  # original text, kept for snippets, not indexed
    },
}
INDEX_SETTINGS = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "max_result_window": 100_000,
    "refresh_interval": "1s",
}
_ALL = (("title_bg", "body_bg"), ("title_tok", "body_tok", "codes"))
_TITLE = (("title_bg",), ("title_tok",))
_FACET_SIZE = 1000
_CODE_LIMIT = 200
_MAX_BULK_BYTES = 20 * 1024 * 1024  # Elastic's guidance: bulk bodies of a few to some tens of MB
# A rebuild fills an index nobody searches yet: no periodic refresh (each makes a segment to merge later) and no
# replica to index every document twice; both come back at the end, the replica as a file copy of the primary.
_BULK_LOAD = {"refresh_interval": "-1", "number_of_replicas": 0}
_REPLICA_WAIT = 600  # seconds a rebuild waits for its replicas before swapping anyway (with a warning)


def _clause(clause: Clause, fields: tuple[tuple[str, ...], tuple[str, ...]]) -> dict[str, Any]:
    """One clause of the plan: any of its terms."""
    han_fields, word_fields = fields
    should: list[dict[str, Any]] = []
    for term in clause.terms:
        if term.mode is TermMode.TOKEN:
            should.append(
                {"multi_match": {"query": term.text, "fields": list(word_fields), "type": "best_fields"}}
            )
        elif term.mode is TermMode.WORDS:  # several stems, consecutive
            should.append(
                {"multi_match": {"query": term.text, "fields": list(word_fields), "type": "phrase"}}
            )
        elif term.mode is TermMode.PREFIX:
            should += [{"prefix": {f: term.text}} for f in han_fields]
        else:
            should.append(
                {"multi_match": {"query": " ".join(term.grams), "fields": list(han_fields), "type": "phrase"}}
            )
    return {"bool": {"should": should, "minimum_should_match": 1}}


@dataclass(frozen=True)
class _Tier:
    """One slice of the ranking: the query of the documents it holds, and their order."""

    query: dict[str, Any]
    sort: list[Any]


_NEWEST: list[Any] = [{"date": {"order": "desc", "missing": "_last"}}, {"seq": "desc"}]
_OLDEST: list[Any] = [{"date": {"order": "asc", "missing": "_last"}}, {"seq": "asc"}]
_STALE: dict[str, Any] = {"terms": {"status": sorted(STALE_STATUSES)}}
_HIT_SOURCE = [
    "payload",
    "kind",
    "code",
    "region",
    "member",
    "status",
    "date",
    "deadline",
    "notification_type",
]
# The stored tokens `matched_via` reads for a query with translations (analysing each hit's texts again cost
# ~30 us a hit, the SQLite backend reads its stored tokens too).
_TOKEN_SOURCE = ["title_tok", "title_bg", "body_tok", "body_bg"]


def _hit_source(plan: Plan) -> list[str]:
    return [*_HIT_SOURCE, *_TOKEN_SOURCE] if plan.has_cross_terms else _HIT_SOURCE


def _tiers(
    plan: Plan, code_ids: list[str], base: dict[str, Any], filters: list[dict[str, Any]]
) -> list[_Tier]:
    """The ranking as consecutive tiers, the same as the SQLite backend's sort key: code hits come first
    (apart); then titles holding every query word, shorter titles first; then the rest, newest first; within
    each, current/upcoming before replaced/withdrawn (issue 11, item 4). Each tier's query is whole: `base`
    (the words anywhere, and the filters) narrowed to the tier. A title tier needs only the filters beside its
    title clauses, which imply the words: re-checking each phrase in the bodies cost a two-word search most of
    its time at a million records."""
    if plan.sort is not SortOrder.RELEVANCE:
        return [_Tier(base, _NEWEST if plan.sort is SortOrder.NEWEST else _OLDEST)]
    not_codes = [{"ids": {"values": code_ids}}] if code_ids else []
    fresh = {"bool": {"must_not": [_STALE, *not_codes]}}
    stale = {"bool": {"filter": [_STALE], "must_not": not_codes}}
    if not plan.ranks_by_title:
        return [_Tier({"bool": {"filter": [base, status]}}, _NEWEST) for status in (fresh, stale)]
    in_title = {"bool": {"must": [_clause(c, _TITLE) for c in plan.clauses]}}
    by_length = [{"title_len": "asc"}, *_NEWEST]
    # Titles matching in the query's language before titles matching only through a translation (issue 11).
    titled = [[in_title]]
    if plan.has_cross_terms:
        direct = {"bool": {"must": [_clause(c.direct, _TITLE) for c in plan.clauses]}}
        titled = [[direct], [in_title, {"bool": {"must_not": [direct]}}]]
    return [
        *(
            _Tier({"bool": {"filter": [*filters, *t, status]}}, by_length)
            for t in titled
            for status in (fresh, stale)
        ),
        *(
            _Tier({"bool": {"filter": [base, status], "must_not": [in_title]}}, _NEWEST)
            for status in (fresh, stale)
        ),
    ]


def _partial(response: Any) -> bool:
    """A search answered by only some shards, or cut short by its timeout: hits and counts may be short."""
    body = getattr(response, "body", response)  # a client response or one item of an msearch
    shards = body.get("_shards") or {}
    return bool(body.get("timed_out")) or int(shards.get("failed") or 0) > 0 or "error" in body


def _filters(plan: Plan) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    for f in plan.filters:
        if f.kind is FilterKind.EQUALITY:
            filters.append({"terms": {f.field: list(f.values)}})
        else:
            filters.append(
                {"bool": {"should": [{"prefix": {"tags": p}} for p in f.values], "minimum_should_match": 1}}
            )
    for r in plan.ranges:
        bounds = {k: v.isoformat() for k, v in (("gte", r.low), ("lte", r.high)) if v}
        filters.append({"range": {r.field: bounds}})
    return filters


def _source(indexed: IndexedDocument) -> dict[str, Any]:
    """A document's _source but for `seq` (added when it is sent); pure, so worker processes run it too."""
    doc = indexed.document
    values = {f.name: doc.value(f.name) for f in _VALUE_FIELDS}
    for f in _DATE_FIELDS:
        if values[f.name]:
            values[f.name] = values[f.name].isoformat()
    for f in MULTI:
        codes = doc.value(f.name)
        values[f.name] = multi_values(f, codes) if codes else []  # most are empty: skip the call
    return {
        "id": doc.id,
        "code": doc.code,
        "code_key": doc.code_key,
        **values,
        "title_len": min(len(doc.title), 1023),
        **{name: " ".join(getattr(indexed, name)) for name in _TEXT_FIELDS},
        "tags": indexed.tags,
        "payload": {
            "title": doc.title,
            "titles": doc.titles,
            "body": doc.body,
            "replaced_by": doc.replaced_by,
        },
    }


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(
        self,
        url: str | Sequence[str],
        analyzer: Analyzer,
        index: str = "stdwatch",
        bulk_size: int = 1000,
        max_bulk_size: int = 8000,
        timeout: float = 30.0,
        shards: int = 1,
        replicas: int = 0,
        client_options: Mapping[str, Any] | None = None,
        count_bound: int = 10_000,
    ) -> None:
        """`url`: one node or a cluster's nodes (the client spreads requests over them and moves off a dead one);
        `shards`/`replicas`: of indices this backend creates; `client_options`: auth and TLS keywords of the
        Elasticsearch client (search.factory.es_client_options)."""
        self.analyzer = analyzer
        self._plans = CompiledPlans(analyzer)
        self.alias = index
        self.bulk_size = bulk_size
        self.max_bulk_size = max_bulk_size
        self.count_bound = count_bound
        self.index_settings = {**INDEX_SETTINGS, "number_of_shards": shards, "number_of_replicas": replicas}
        self.replicas = replicas
        self.client = Elasticsearch(
            [url] if isinstance(url, str) else list(url),
            request_timeout=timeout,
            max_retries=5,
            retry_on_timeout=True,
            retry_on_status=(429, 502, 503, 504),
            **(client_options or {}),
        )
        self._seq = itertools.count(time.time_ns() // 1000)
        self._ensure_alias()
        self._schema_problem = self._find_schema_problem()

    # ------------------------------------------------------------------------------------------ index admin
    def _ensure_alias(self) -> None:
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                self._create_index(self._new_index_name(), alias=True)
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch unavailable: {exc}") from exc

    def _find_schema_problem(self) -> str | None:
        try:
            mappings = self.client.indices.get_mapping(index=self.alias)
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch unavailable: {exc}") from exc
        for name, body in mappings.items():
            found = body.get("mappings", {}).get("_meta", {}).get("schema_version")
            if found != SCHEMA_VERSION:
                return (
                    f"the Elasticsearch index {name} (alias {self.alias}) was built by an older version of "
                    f"StdWatch (index schema {found}, this version needs {SCHEMA_VERSION}); "
                    f"run `stdwatch index rebuild`"
                )
        return None

    def schema_problem(self) -> str | None:
        return self._schema_problem

    def _check_schema(self) -> None:
        if self._schema_problem:
            raise IndexSchemaError(self._schema_problem)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"

    def _create_index(self, name: str, alias: bool = False, bulk_load: bool = False) -> None:
        aliases: dict[str, Any] | None = {self.alias: {}} if alias else None
        settings = {**self.index_settings, **(_BULK_LOAD if bulk_load else {})}
        self.client.indices.create(index=name, settings=settings, mappings=MAPPING, aliases=aliases)

    def _end_bulk_load(self, name: str) -> None:
        """The configured refresh interval and replicas back on a bulk-loaded index, refreshed, and its replicas
        copied before the alias moves to it: a node lost just after a rebuild must not cut answers short."""
        self.client.indices.put_settings(
            index=name, settings={key: self.index_settings[key] for key in _BULK_LOAD}
        )
        self._refresh(name)
        replicas = self.replicas
        if replicas:
            # Every copy when the cluster has a node for each (green); otherwise those it can place (yellow).
            nodes = int(self.client.cluster.health()["number_of_data_nodes"])
            waiting = self.client.options(request_timeout=_REPLICA_WAIT + 30, ignore_status=408)
            health = waiting.cluster.health(
                index=name,
                wait_for_status="green" if nodes > replicas else "yellow",
                wait_for_no_initializing_shards=True,
                timeout=f"{_REPLICA_WAIT}s",
            )
            if health.body.get("timed_out"):
                log.warning("the replicas of %s were still being copied after %d s", name, _REPLICA_WAIT)

    def indices(self) -> list[str]:
        """The concrete indices behind the alias (one, except for the instant of a swap)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def close(self) -> None:
        self.client.close()

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests, uninstall)."""
        for name in self.indices():
            self.client.indices.delete(index=name, ignore_unavailable=True)

    # ------------------------------------------------------------------------------------------ writing
    def _actions(self, docs: Iterable[IndexedDocument], index: str) -> Iterator[dict[str, Any]]:
        return self._sources_actions((_source(doc) for doc in docs), index)

    def _sources_actions(self, sources: Iterable[dict[str, Any]], index: str) -> Iterator[dict[str, Any]]:
        for source in sources:
            source["seq"] = next(self._seq)  # sent order: the tie-break of the newest-first sort
            yield {"_op_type": "index", "_index": index, "_id": source["id"], "_source": source}

    def _analysed(self, docs: Iterable[SearchDocument]) -> Iterator[IndexedDocument]:
        return (index_document(doc, self.analyzer) for doc in docs)

    def _bulk(self, actions: Iterator[dict[str, Any]], size: int) -> int:
        """Send actions in chunks with one bulk request in flight while the next chunk is built: building a
        chunk (analysis, Python) holds the GIL, a request waits on its socket without it, so the node indexes
        one chunk while this process analyses the next instead of each waiting for the other. Chunks go out in
        order, one at a time; every failed item is reported once all are sent."""
        done, failed = 0, list[dict[str, Any]]()
        with ThreadPoolExecutor(1, thread_name_prefix="stdwatch-es-bulk") as sender:
            flight: Future[tuple[int, list[dict[str, Any]]]] | None = None
            while chunk := list(itertools.islice(actions, size)):
                if flight is not None:
                    done += self._settle(flight, failed)
                flight = sender.submit(self._send, chunk)
            if flight is not None:
                done += self._settle(flight, failed)
        if failed:
            ids = [next(iter(item.values())).get("_id") for item in failed]
            raise SearchBackendError(
                f"elasticsearch rejected {len(failed)} documents: {ids[:20]} "
                f"(first error: {json.dumps(failed[0], ensure_ascii=False)[:300]})"
            )
        return done

    def _send(self, chunk: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """One chunk as one bulk request (up to _MAX_BULK_BYTES): acknowledged count and failed items."""
        ok, errors = helpers.bulk(
            self.client,
            chunk,
            chunk_size=len(chunk),
            max_chunk_bytes=_MAX_BULK_BYTES,
            max_retries=5,
            initial_backoff=1,
            raise_on_error=False,
            stats_only=False,
        )
        return ok, errors if isinstance(errors, list) else []

    @staticmethod
    def _settle(flight: Future[tuple[int, list[dict[str, Any]]]], failed: list[dict[str, Any]]) -> int:
        try:
            ok, errors = flight.result()
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch bulk request failed: {exc}") from exc
        failed += errors
        return ok

    def index(self, docs: Sequence[SearchDocument]) -> None:
        self._check_schema()
        latest = list({d.id: d for d in docs}.values())
        if latest:
            self._bulk(self._actions(self._analysed(latest), self.alias), self.bulk_size)
            self._refresh(self.alias)

    @staticmethod
    def prepare(docs: Sequence[IndexedDocument]) -> list[dict[str, Any]]:
        """The _source documents index_prepared sends, for analysed documents (the last of each id). Pure, so
        the ingest flow's worker processes run it for a large queue (search.parallel)."""
        return [_source(d) for d in {d.document.id: d for d in docs}.values()]

    def index_prepared(self, sources: Sequence[dict[str, Any]]) -> None:
        """Index _source documents made by prepare() (in any process), then refresh."""
        self._check_schema()
        latest = list({s["id"]: s for s in sources}.values())
        if latest:
            self._bulk(self._sources_actions(latest, self.alias), self.bulk_size)
            self._refresh(self.alias)

    def _refresh(self, index: str) -> None:
        try:
            self.client.indices.refresh(index=index)
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch refresh failed: {exc}") from exc

    def delete(self, ids: Sequence[str]) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        try:
            helpers.bulk(self.client, actions, raise_on_error=False)
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch delete failed: {exc}") from exc
        self._refresh(self.alias)

    def clear(self) -> None:
        # delete_by_query lives in the reindex module, which minimal distributions lack: swap in an empty index.
        self.rebuild([])

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Build a new versioned index, then move the alias to it atomically and drop the old one."""
        new = self._new_index_name()
        old = self.indices()
        self._create_index(new, bulk_load=True)
        try:
            count = self._bulk(self._actions(self._analysed(docs), new), self.max_bulk_size)
            self._end_bulk_load(new)
        except Exception:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        self.client.indices.update_aliases(actions=[*actions, {"add": {"index": new, "alias": self.alias}}])
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        self._schema_problem = None
        return count

    def count(self) -> int:
        return int(self.client.count(index=self.alias)["count"])

    # ------------------------------------------------------------------------------------------ searching
    def _code_hits(self, plan: Plan, short: list[bool]) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """Code hits in rank order (search.codes.code_order: exact code, other editions, parts, longer
        numbers), and the hit sources of the exact code and its editions, which lead most pages (so they need
        no second request)."""
        code = plan.code
        if code is None:
            return [], {}
        narrow = ["code", "code_key", "status", "date"]
        whole = {"includes": [*narrow, *_hit_source(plan)]}
        searches = [
            {"query": {"term": {"code": code.exact}}, "size": _CODE_LIMIT, "_source": whole},
            {
                "query": {"term": {"code_key": code.key}},
                "size": _CODE_LIMIT,
                "sort": [{"date": {"order": "desc", "missing": "_last"}}, {"code": "desc"}],
                "_source": whole,
            },
        ]
        searches += [
            {
                "query": {"prefix": {"code": p}},
                "size": _CODE_LIMIT,
                "sort": [{"code": "asc"}],
                "_source": narrow,
            }
            for p in (*part_prefixes(code), code.prefix)
        ]
        body: list[dict[str, Any]] = []
        for search in searches:
            body += [{"index": self.alias}, search]
        responses = self.client.msearch(searches=body)["responses"]
        short += [_partial(r) for r in responses]
        found: dict[str, dict[str, Any]] = {}
        for response in reversed(responses):  # the whole sources (first two searches) written last
            found.update((h["_id"], h["_source"]) for h in response.get("hits", {}).get("hits", []))

        def order(doc_id: str) -> tuple[Any, ...]:
            src = found[doc_id]
            day = date.fromisoformat(src["date"]) if src.get("date") else None
            return code_order(code, src["code"], src["code_key"], src.get("status"), day)

        whole_sources = {i: src for i, src in found.items() if "payload" in src}
        return sorted(found, key=order), whole_sources

    def search(self, query: SearchQuery) -> SearchResult:
        self._check_schema()
        try:
            return self._search(self._plans.compile(query))
        except (ApiError, TransportError) as exc:
            raise SearchBackendError(f"elasticsearch search failed: {exc}") from exc

    def _search(self, plan: Plan) -> SearchResult:
        short: list[bool] = []  # one flag per response: did every shard answer in time?
        code_ids, code_sources = self._code_hits(plan, short)
        text = [_clause(c, _ALL) for c in plan.clauses]
        must: list[dict[str, Any]] = []
        if code_ids:
            matched = {"bool": {"must": text}} if text else {"match_none": {}}
            must.append(
                {"bool": {"should": [matched, {"ids": {"values": code_ids}}], "minimum_should_match": 1}}
            )
        else:
            must += text
        filters = _filters(plan)
        base = {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}
        tiers = _tiers(plan, code_ids, base, filters)
        summary, passing, ahead = self._summary_and_first_tier(plan, base, code_ids, tiers)
        short += [_partial(r) for r in (summary, passing, ahead) if r is not None]
        counted = summary["hits"]["total"]
        more = counted["relation"] == "gte" or int(counted["value"]) > self.count_bound
        total = self.count_bound if more else int(counted["value"])
        kept = {h["_id"] for h in passing["hits"]["hits"]} if passing is not None else set()
        first = [i for i in code_ids if i in kept]
        ahead_hits = None if ahead is None else list(ahead["hits"]["hits"])
        hits = self._page(plan, first, code_sources, tiers, short, None if more else total, ahead_hits)
        facets = self._facets(summary["aggregations"])
        return SearchResult(
            total=total, hits=hits, facets=facets, partial=any(short), total_is_lower_bound=more
        )

    def _summary_and_first_tier(
        self, plan: Plan, base: dict[str, Any], code_ids: list[str], tiers: list[_Tier]
    ) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
        """In one msearch (the node works on them at once): the count and facets; which code hits pass the
        filters; and for a first page the first tier's hits (most first pages are filled by their first tier;
        the tier is asked for a whole page, as the code hits that lead it are known only after).

        The count and facets stop at count_bound + 1 matches per shard (`terminate_after`): counting 12 facets
        over every match of a common word cost 40-80 ms at a million records (uncached; ~55 ns a match), the
        p99 of issue 12, and stopping there costs ~3-5 ms whatever the word. Past the bound the total is "10,000+"
        and the facets are lower bounds, counted over the first count_bound + 1 matches the shard reads (its
        segment order, not an order a user sees), as the SQLite backend counts over its newest candidates; below
        it both are exact. Code hits are checked apart, as they may lie past that point."""
        body: list[dict[str, Any]] = [
            {"index": self.alias},
            {
                "query": base,
                "size": 0,
                "track_total_hits": self.count_bound,
                "terminate_after": self.count_bound + 1,
                "aggs": self._aggregations(),
            },
        ]
        if code_ids:
            passing = {"bool": {"filter": [base, {"ids": {"values": code_ids}}]}}
            body += [
                {"index": self.alias},
                {"query": passing, "size": len(code_ids), "_source": False, "track_total_hits": False},
            ]
        if plan.offset == 0 and tiers:
            body += [{"index": self.alias}, self._tier_search(tiers[0], plan)]
        responses = self.client.msearch(searches=body)["responses"]
        for response in responses:
            if "error" in response:  # what a failed search raises, for an item of an msearch
                raise SearchBackendError(f"elasticsearch search failed: {response['error']}")
        summary, rest = responses[0], iter(responses[1:])
        passing_response = next(rest) if code_ids else None
        return summary, passing_response, next(rest, None)

    @staticmethod
    def _tier_search(tier: _Tier, plan: Plan) -> dict[str, Any]:
        source = {"includes": _hit_source(plan)}
        return {
            "query": tier.query,
            "sort": tier.sort,
            "size": plan.size,
            "track_total_hits": False,
            "_source": source,
        }

    @staticmethod
    def _aggregations() -> dict[str, Any]:
        return {f: {"terms": {"field": f, "size": _FACET_SIZE}} for f in FACETS}

    @staticmethod
    def _facets(aggs: dict[str, Any]) -> dict[str, dict[str, int]]:
        facets = {}
        for facet in FACETS:
            pairs = [(str(b["key"]), int(b["doc_count"])) for b in aggs[facet]["buckets"]]
            facets[facet] = dict(sorted(pairs, key=lambda p: (-p[1], p[0])))
        return facets

    def _page(
        self,
        plan: Plan,
        first: list[str],
        first_sources: dict[str, dict[str, Any]],
        tiers: list[_Tier],
        short: list[bool],
        total: int | None,
        ahead: list[dict[str, Any]] | None = None,
    ) -> list[SearchHit]:
        """Code hits, then each ranking tier in turn until the page is full: a page spanning two tiers asks
        each for its share. Tiers are not counted up front (a `filters` aggregation evaluated every tier's
        title phrases over every match, the most expensive part of a two-word search); a tier is counted only
        when the page starts past its end, and then only up to the offset (`track_total_hits=skip+1`). When the
        total is exact, the walk ends once every match is placed (an exact code look-up asks no tier at all).
        `ahead`: the first tier's first page, already asked for with the count; `first_sources`: code hits'
        sources the code look-up fetched (the others are read with one mget)."""
        end = plan.offset + plan.size
        relevance = plan.sort is SortOrder.RELEVANCE
        lead = first[plan.offset : end] if relevance else []
        wanted = plan.size - len(lead)
        skip = max(0, plan.offset - len(first)) if relevance else plan.offset
        left = None if total is None else total - len(first) if relevance else total  # in the tiers
        sources: dict[str, dict[str, Any]] = {}
        rest: list[str] = []
        for n, tier in enumerate(tiers):
            if wanted <= 0 or (left is not None and left <= 0):
                break
            if n == 0 and ahead is not None:  # asked for a whole page from its start (skip is 0)
                found, ended = ahead[:wanted], len(ahead)
            else:
                found, ended = self._tier_page(tier, skip, wanted, short, plan)
            for hit in found:
                rest.append(hit["_id"])
                sources[hit["_id"]] = hit["_source"]
            if left is not None:
                left -= ended
            if found:
                skip, wanted = 0, wanted - len(found)
            else:  # the page starts past this tier: its count (exact below skip + 1) says by how much
                skip -= ended
        sources.update((i, first_sources[i]) for i in lead if i in first_sources)
        if missing := [i for i in lead if i not in first_sources]:
            for hit in self.client.mget(index=self.alias, ids=missing)["docs"]:
                short.append("error" in hit)  # its shard is unavailable, not "not found"
                if hit.get("found"):
                    sources[hit["_id"]] = hit["_source"]
        terms = list(plan.highlight_terms)
        return [self._hit(i, sources[i], terms, plan) for i in lead + rest if i in sources]

    def _tier_page(
        self, tier: _Tier, skip: int, wanted: int, short: list[bool], plan: Plan
    ) -> tuple[list[dict[str, Any]], int]:
        """Up to `wanted` hits of the tier from `skip`, and how many documents it held if it ended before
        `skip + wanted` (a tier that gives fewer than asked has ended; one that gives as many fills the page)."""
        response = self.client.search(
            index=self.alias,
            query=tier.query,
            sort=tier.sort,
            from_=skip,
            size=wanted,
            source_includes=_hit_source(plan),
            track_total_hits=skip + 1 if skip else False,
        )
        short.append(_partial(response))
        found = list(response["hits"]["hits"])
        ended = skip + len(found) if found else int(response["hits"]["total"]["value"]) if skip else 0
        return found, ended

    def _hit(self, doc_id: str, source: dict[str, Any], terms: list[str], plan: Plan) -> SearchHit:
        payload = source["payload"]
        return SearchHit(
            id=doc_id,
            kind=source["kind"],
            code=source["code"],
            title=bounded_title(payload["title"]),
            highlight=hit_highlights(
                payload["title"], payload["titles"], payload["body"], source["code"], terms, self.analyzer
            ),
            date=date.fromisoformat(source["date"]) if source.get("date") else None,
            status=source.get("status"),
            region=source["region"],
            member=source.get("member"),
            replaced_by=tuple(payload.get("replaced_by") or ()),
            deadline=date.fromisoformat(source["deadline"]) if source.get("deadline") else None,
            notification_type=source.get("notification_type"),
            matched_via=self._matched_via(plan, source),
        )

    @staticmethod
    def _matched_via(plan: Plan, source: dict[str, Any]) -> tuple[str, ...]:
        if not plan.has_cross_terms:
            return ()
        return plan.matched_via_tokens(*(source[name].split() for name in _TOKEN_SOURCE))
