"""Matches new and changed documents against every active subscription, in-process, for every backend.

Each subscription compiles to one or more search plans (search.plan: the very plans search runs), so a saved
search alerts on exactly what the same search finds. An inverted index over the plans' terms and filters picks
the few candidate subscriptions of a document; `Plan.matches` decides. The matcher reads the store's version
history from a durable cursor (stdwatch.store.changes), and alert rows are idempotent by their unique key, so a
crash anywhere only makes it redo work, never lose or repeat an alert.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from alerts.profiles import IndustryProfile, load_profiles
from config.settings import CONFIG_DIR
from search.analysis import Analyzer
from search.documents import IndexedDocument, index_document, search_document
from search.fields import FilterKind
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
        return Watched(text, None if parsed.is_base else str(parsed), str(parsed.base))
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


def compile_subscription(
    row: Any, analyzer: Analyzer, profiles: dict[str, IndustryProfile]
) -> CompiledSubscription:
    compiled = CompiledSubscription(row.id, row.kind, _aware(row.created_at))
    if row.kind == "search":
        compiled.plans.append(compile_query(query_from_params(row.query or {}), analyzer))
    elif row.kind == "profile":
        profile = profiles[row.profile]
        compiled.plans += [compile_query(q, analyzer) for q in profile_queries(profile)]
    elif row.kind == "watchlist":
        compiled.watched += [watched_code(code) for code in row.codes or []]
    return compiled


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
    keys.update(
        ("eq", name, d.value(name)) for name in ("kind", "region", "member", "status") if d.value(name)
    )
    keys.update({("codekey", d.code_key), ("code", d.code)})
    keys.update(("codepre", d.code[:n]) for n in range(1, len(d.code) + 1))
    return keys


class PlanIndex:
    """Subscriptions' plans by key: a document's candidates are the plans under any of its keys."""

    def __init__(self, subscriptions: Iterable[CompiledSubscription]) -> None:
        self._by_key: dict[Key, list[tuple[CompiledSubscription, Plan]]] = defaultdict(list)
        for sub in subscriptions:
            for plan in sub.plans:
                for key in set(plan_keys(plan)):
                    self._by_key[key].append((sub, plan))

    def matching(self, doc: IndexedDocument) -> set[int]:
        """Ids of the subscriptions one of whose plans matches."""
        hits: set[int] = set()
        for key in document_keys(doc):
            for sub, plan in self._by_key.get(key, ()):
                if sub.id not in hits and plan.matches(doc):
                    hits.add(sub.id)
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
        elif data.get("replaced_by") and (
            (status != before
            and status == "replaced")
            or data.get("replaced_by") != previous.get("replaced_by")
        ):
            yield NewAlert(
                sub.id,
                change.document_id,
                change.version,
                "replaced",
                {**details, "replaced_by": data["replaced_by"]},
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

    def documents_changed(self, documents: Sequence[Any]) -> None:
        self.catch_up()

    def subscriptions(self) -> list[CompiledSubscription]:
        """Every active subscription, compiled; one that no longer compiles is logged and skipped."""
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(select(Subscription.__table__).where(Subscription.__table__.c.active.is_(True)))
            )
        profiles = load_profiles(PROFILES_PATH) if any(r.kind == "profile" for r in rows) else {}
        compiled = []
        for row in rows:
            try:
                compiled.append(compile_subscription(row, self.analyzer, profiles))
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
        by_id = {s.id: s for s in subscriptions}
        alerts: list[NewAlert] = []
        for change in changes:
            kind = change.data.get("kind", "standard")
            fields = visible_changes(kind, change.previous, change.data)
            if change.previous is not None and not fields:
                continue  # re-crawled or re-derived without a change anyone sees
            doc = index_document(search_document(change.data), self.analyzer)
            for sub_id in index.matching(doc):
                if _aware(change.recorded_at) >= by_id[sub_id].created_at:
                    reason, details = (
                        ("new", {}) if change.previous is None else ("changed", {"fields": fields})
                    )
                    alerts.append(NewAlert(sub_id, change.document_id, change.version, reason, details))
            for sub in subscriptions:
                if sub.watched and _aware(change.recorded_at) >= sub.created_at:
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
