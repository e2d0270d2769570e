"""Matches new and changed documents against every active subscription, in-process, for every backend.

Each subscription compiles to one or more search plans (search.plan: the very plans search runs), so a saved
search alerts on exactly what the same search finds. An inverted index over the plans' terms and filters picks
the few candidate subscriptions of a document; `Plan.matches` decides. The matcher reads the store's version
history from a durable cursor (stdwatch.store.changes), and alert rows are idempotent by their unique key, so a
crash anywhere only makes it redo work, never lose or repeat an alert.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from alerts.profiles import IndustryProfile, load_profiles
from config.settings import CONFIG_DIR
from search.analysis import Analyzer
from search.documents import IndexedDocument, index_document, search_document
from search.fields import EQUALITY_FILTERS, FilterKind
from search.params import ParamError, query_from_params
from search.plan import Plan, TermMode, compile_query
from search.query import SearchQuery
from stdwatch.identifiers import CodeError, StandardCode, TbtSymbol, parse_any
from stdwatch.store.account_models import Subscription
from stdwatch.store.changes import Change, ChangeFeed
from stdwatch.store.outbox import NewAlert, OutboxRepository
from stdwatch.store.repository import utcnow

log = logging.getLogger(__name__)
CURSOR = "alert_matcher"
PROFILES_PATH = CONFIG_DIR / "industry_profiles.toml"
# What a subscriber sees of a document: a change elsewhere (a re-crawl filling an internal field) alerts nobody.
VISIBLE_FIELDS = {
    "standard": (
        "code",
        "status",
        "published",
        "effective",
        "withdrawn",
        "title_zh",
        "title_zh_hant",
        "title_en",
        "replaces",
        "replaced_by",
    ),
    "tbt_notification": (
        "title",
        "title_zh",
        "distribution_date",
        "comment_deadline",
        "proposed_adoption",
        "proposed_entry_into_force",
        "products",
        "hs",
        "description",
    ),
}
Key = tuple[str, ...]


@dataclass(frozen=True)
class Watched:
    """A watched code: `exact` is the code as normalized (None when watched without an edition)."""

    text: str
    exact: str | None
    key: str


@dataclass
class CompiledSubscription:
    id: int
    kind: str
    created_at: datetime
    plans: list[Plan] = field(default_factory=list)
    watched: list[Watched] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ compiling
def watched_code(text: str) -> Watched:
    parsed = parse_any(text)
    if isinstance(parsed, TbtSymbol):
        # A notification's "editions" are its addenda, revisions and corrigenda: the watched symbol itself
        # arriving is no event, whether it is a base symbol or not.
        return Watched(text, str(parsed), str(parsed.base))
    assert isinstance(parsed, StandardCode)
    return Watched(text, str(parsed) if parsed.year is not None else None, parsed.key)


def profile_queries(profile: IndustryProfile) -> list[SearchQuery]:
    """An industry profile is a disjunction: any of its HS headings, ICS codes or keywords."""
    queries = [SearchQuery(text=word) for word in [*profile.keywords_zh, *profile.keywords_en]]
    if profile.hs:
        queries.append(SearchQuery(filters={"hs": tuple(profile.hs)}))
    if profile.ics:
        queries.append(SearchQuery(filters={"ics": tuple(profile.ics)}))
    return queries


PlanCache = dict[tuple[str, str], list[Plan]]


def compile_subscription(
    row: Any, analyzer: Analyzer, profiles: dict[str, IndustryProfile], cache: PlanCache | None = None
) -> CompiledSubscription:
    compiled = CompiledSubscription(row.id, row.kind, _aware(row.created_at))
    if row.kind in ("search", "profile"):
        compiled.plans += _plans(row, analyzer, profiles, {} if cache is None else cache)
    elif row.kind == "watchlist":
        compiled.watched += [watched_code(code) for code in row.codes or []]
    return compiled


def _plans(
    row: Any, analyzer: Analyzer, profiles: dict[str, IndustryProfile], cache: PlanCache
) -> list[Plan]:
    """A saved search's or a profile's plans. Thousands of subscriptions name the same few profiles (each a few
    dozen queries) and compiling is deterministic, so one pass over the subscriptions shares them (`cache`)."""
    if row.kind == "search":
        key = ("search", json.dumps(row.query or {}, sort_keys=True, ensure_ascii=False))
    else:
        key = ("profile", str(row.profile))
    if key not in cache:
        if row.kind == "search":
            cache[key] = [compile_query(query_from_params(row.query or {}), analyzer)]
        else:
            cache[key] = [compile_query(q, analyzer) for q in profile_queries(profiles[row.profile])]
    return cache[key]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


# ------------------------------------------------------------------------------------------ inverted index
def plan_keys(plan: Plan) -> list[Key]:
    """Keys of which a matching document must hold at least one (a necessary condition, cheap to test)."""
    keys: list[Key] = []
    if plan.code is not None:  # code hits need no words
        keys += [("codekey", plan.code.key), ("codepre", plan.code.prefix), ("code", plan.code.exact)]
    if plan.clauses:
        for term in plan.clauses[0].terms:
            if term.mode is TermMode.TOKEN:
                keys.append(("tok", term.text))
            elif (
                term.mode is TermMode.WORDS
            ):  # several English stems (a translation): the first must be there
                keys.append(("tok", term.words[0]))
            elif term.mode is TermMode.PREFIX:
                keys.append(("pre", term.text))
            else:
                keys.append(("gram", term.grams[0]))
        return keys
    if plan.code is not None:
        return keys
    for f in plan.filters:
        if f.kind is FilterKind.EQUALITY:
            return [("eq", f.field, v) for v in f.values]
        return [("tag", v) for v in f.values]
    return [("all",)]


def document_keys(doc: IndexedDocument) -> set[Key]:
    keys: set[Key] = {("all",)}
    keys.update(("tok", t) for tokens in (doc.title_tok, doc.body_tok, doc.codes) for t in tokens)
    for grams in (doc.title_bg, doc.body_bg):
        keys.update(("gram", g) for g in grams)
        keys.update(("pre", g[0]) for g in grams)
    keys.update(("tag", t[:n]) for t in doc.tags for n in range(1, len(t) + 1))
    d = doc.document
    for f in EQUALITY_FILTERS:  # every equality filter of the field table; multi-valued ones by each value
        value = d.value(f.name)
        keys.update(("eq", f.name, v) for v in (value if isinstance(value, list) else [value]) if v)
    keys.update({("codekey", d.code_key), ("code", d.code)})
    keys.update(("codepre", d.code[:n]) for n in range(1, len(d.code) + 1))
    return keys


def _identity(plan: Plan) -> Hashable:
    """Equal plans give equal answers (the evaluator is a pure function), so they are evaluated once."""
    try:
        hash(plan)
    except TypeError:
        return id(plan)
    return plan


class PlanIndex:
    """Distinct plans by key, each with the subscriptions that hold it: a document's candidates are the plans
    under any of its keys. Thousands of subscriptions share a few hundred plans (every subscriber of a profile
    holds its few dozen), so a document evaluates each distinct plan at most once."""

    def __init__(self, subscriptions: Iterable[CompiledSubscription]) -> None:
        groups: dict[Hashable, tuple[Plan, dict[int, None]]] = {}
        for sub in subscriptions:
            for plan in sub.plans:
                groups.setdefault(_identity(plan), (plan, {}))[1][sub.id] = None
        self._plans = [(plan, tuple(subs)) for plan, subs in groups.values()]
        self._by_key: dict[Key, list[int]] = defaultdict(list)
        for number, (plan, _) in enumerate(self._plans):
            for key in set(plan_keys(plan)):
                self._by_key[key].append(number)

    def matching(self, doc: IndexedDocument) -> set[int]:
        """Ids of the subscriptions one of whose plans matches."""
        hits: set[int] = set()
        tried: set[int] = set()
        for key in document_keys(doc):
            for number in self._by_key.get(key, ()):
                if number in tried:
                    continue
                tried.add(number)
                plan, subs = self._plans[number]
                if plan.matches(doc):
                    hits.update(subs)
        return hits


# ------------------------------------------------------------------------------------------ changes
def visible_changes(kind: str, previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    if previous is None:
        return []
    return [name for name in VISIBLE_FIELDS.get(kind, ()) if previous.get(name) != current.get(name)]


def watch_alerts(sub: CompiledSubscription, change: Change) -> Iterator[NewAlert]:
    """Watch-list events: a new edition, withdrawn, replaced (by what), in force, or another visible change."""
    data, previous = change.data, change.previous
    code = data.get("code") or data.get("symbol") or ""
    key = _key_of(code)
    for watched in sub.watched:
        details = {"watched": watched.text, "code": code}
        if change.version == 1 and key == watched.key and code != watched.exact:
            yield NewAlert(sub.id, change.document_id, change.version, "new_edition", details)
        if previous is None or not (code == watched.exact or (watched.exact is None and key == watched.key)):
            continue
        status, before = data.get("status"), previous.get("status")
        if status != before and status == "withdrawn":
            yield NewAlert(sub.id, change.document_id, change.version, "withdrawn", details)
        elif (status != before and status == "replaced") or (
            data.get("replaced_by") and data.get("replaced_by") != previous.get("replaced_by")
        ):
            # a successor that says it `replaces` this one makes it replaced without naming it here
            yield NewAlert(
                sub.id,
                change.document_id,
                change.version,
                "replaced",
                {**details, "replaced_by": data.get("replaced_by") or []},
            )
        elif status != before and before == "upcoming" and status == "current":
            yield NewAlert(
                sub.id,
                change.document_id,
                change.version,
                "effective",
                {**details, "effective": data.get("effective")},
            )
        elif fields := visible_changes(data.get("kind", "standard"), previous, data):
            yield NewAlert(
                sub.id, change.document_id, change.version, "changed", {**details, "fields": fields}
            )


def _key_of(code: str) -> str:
    try:
        return watched_code(code).key
    except CodeError:
        return code


def _changed_code(change: Change) -> str:
    return str(change.data.get("code") or change.data.get("symbol") or "")


class WatchIndex:
    """Watch-list subscriptions by the keys and exact codes they watch. `watch_alerts` only ever reports a
    document whose key is a watched key or whose code is a watched exact code, so a change needs to be shown to
    those subscriptions alone (in their original order) instead of to every watch list."""

    def __init__(self, subscriptions: Iterable[CompiledSubscription]) -> None:
        self._order: dict[int, int] = {}
        self._by_code: dict[str, list[CompiledSubscription]] = defaultdict(list)
        for position, sub in enumerate(subscriptions):
            if not sub.watched:
                continue
            self._order[id(sub)] = position
            for code in dict.fromkeys(c for w in sub.watched for c in (w.key, w.exact) if c is not None):
                self._by_code[code].append(sub)

    def candidates(self, change: Change) -> list[CompiledSubscription]:
        if not self._by_code:
            return []
        code = _changed_code(change)
        found = {id(s): s for c in dict.fromkeys((_key_of(code), code)) for s in self._by_code.get(c, ())}
        return sorted(found.values(), key=lambda s: self._order[id(s)])


# ------------------------------------------------------------------------------------------ the matcher
class AlertMatcher:
    """The ingest flow's listener: after every sync it catches up with the version history."""

    def __init__(self, services: Any) -> None:
        self.services = services
        self.engine: Engine = services.repo.engine
        self.feed = ChangeFeed(self.engine)
        self.outbox = OutboxRepository(self.engine)

    @property
    def analyzer(self) -> Analyzer:
        from search.factory import analyzer_for

        return analyzer_for(self.services.settings)

    def documents_changed(self, ids: Sequence[str]) -> None:
        self.catch_up()

    def subscriptions(self) -> list[CompiledSubscription]:
        """Every active subscription, compiled; one that no longer compiles is logged and skipped."""
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(select(Subscription.__table__).where(Subscription.__table__.c.active.is_(True)))
            )
        profiles = load_profiles(PROFILES_PATH) if any(r.kind == "profile" for r in rows) else {}
        compiled = []
        analyzer, cache = self.analyzer, PlanCache()
        for row in rows:
            try:
                compiled.append(compile_subscription(row, analyzer, profiles, cache))
            except (ParamError, CodeError, KeyError) as exc:
                log.error("subscription %s cannot be evaluated: %s", row.id, exc)
        return compiled

    def catch_up(self, batch: int = 2000) -> int:
        """Match every version stored since the cursor; returns how many alerts were new."""
        position = self.feed.position(CURSOR)
        subscriptions = self.subscriptions()
        if not subscriptions:
            # Nobody to alert: history before a subscription exists never alerts it, so skip past it.
            self.feed.advance(CURSOR, self.feed.last_seq())
            return 0
        if position is None:  # first run: start at the first version the oldest subscription may see
            position = self.feed.first_seq_since(min(s.created_at for s in subscriptions)) - 1
        index = PlanIndex(subscriptions)
        created = 0
        while changes := self.feed.after(position, batch):
            created += self.outbox.add_alerts(self.match(changes, subscriptions, index))
            position = changes[-1].seq
            self.feed.advance(CURSOR, position)
        return created

    def match(
        self,
        changes: Sequence[Change],
        subscriptions: Sequence[CompiledSubscription],
        index: PlanIndex | None = None,
    ) -> list[NewAlert]:
        index = index or PlanIndex(subscriptions)
        created_at = {s.id: s.created_at for s in subscriptions}
        watchers = WatchIndex(subscriptions)
        analyzer = self.analyzer
        alerts: list[NewAlert] = []
        for change in changes:
            kind = change.data.get("kind", "standard")
            fields = visible_changes(kind, change.previous, change.data)
            if change.previous is not None and not fields:
                continue  # re-crawled or re-derived without a change anyone sees
            doc = index_document(search_document(change.data), analyzer)
            recorded = _aware(change.recorded_at)
            reason = "new" if change.previous is None else "changed"
            # one details object for every alert of this change: alerts are only read (serialised) afterwards
            details: dict[str, Any] = {} if change.previous is None else {"fields": fields}
            document_id, version = change.document_id, change.version
            alerts.extend(
                NewAlert(sub_id, document_id, version, reason, details)
                for sub_id in index.matching(doc)
                if recorded >= created_at[sub_id]
            )
            for sub in watchers.candidates(change):
                if recorded >= sub.created_at:
                    alerts.extend(watch_alerts(sub, change))
        return alerts

    def preview(self, subscription: CompiledSubscription, days: int) -> list[NewAlert]:
        """What the subscription would have matched among the versions of the last `days` days."""
        changes = self.feed.recent(utcnow() - timedelta(days=days))
        sub = CompiledSubscription(
            subscription.id,
            subscription.kind,
            datetime.min.replace(tzinfo=utcnow().tzinfo),
            subscription.plans,
            subscription.watched,
        )
        return self.match(changes, [sub])


def catch_up(services: Any) -> int:
    """Match whatever the store holds beyond the matcher's cursor (the scheduler's catch-up job)."""
    return AlertMatcher(services).catch_up()
