"""Watch-list refresh: every code an active watch list names is looked up at the sources that know its family
(`lookup` in config/sources.toml) with the spider's look-up by code. What the sources answer goes through the
normal ingest flow (store -> index -> matcher), so a new edition, a withdrawal or a replacement reaches the
watch lists as any crawl's would. A code no source knows is reported "not found" (the job's outcome text, and
each look-up's crawl run with finish reason `not_found` in `stdwatch crawls`); it creates no record.

A watched code is looked up without its edition (`GB/T 1.1-2009` as `GB/T 1.1`): the sources' search then lists
every edition, and a new one is what the watch list waits for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alerts.services import Services
from crawlers.extensions import NOT_FOUND
from crawlers.runner import CrawlRequest
from crawlers.sources import registry
from stdwatch.identifiers import CodeError, StandardCode, TbtSymbol, parse_any
from stdwatch.store.accounts import SubscriptionRepository

TBT = "tbt"  # the `lookup` family of TBT notification symbols


@dataclass
class CodeOutcome:
    code: str  # as looked up (without edition)
    found_at: list[str] = field(default_factory=list)
    not_found_at: list[str] = field(default_factory=list)
    failed_at: list[str] = field(default_factory=list)  # "spider: why"

    @property
    def outcome(self) -> str:
        if self.found_at:
            return "found"
        if self.failed_at:
            return "failed"
        return NOT_FOUND if self.not_found_at else "no_source"


@dataclass
class RefreshReport:
    outcomes: list[CodeOutcome] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # stored codes that no longer parse

    def of(self, outcome: str) -> list[CodeOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    @property
    def failed(self) -> bool:
        return bool(self.of("failed"))

    def summary(self) -> str:
        parts = [f"looked up {len(self.outcomes)} watched codes: {len(self.of('found'))} found"]
        if missing := self.of(NOT_FOUND):
            parts.append(
                "not found: " + "; ".join(f"{o.code} at {', '.join(o.not_found_at)}" for o in missing)
            )
        if failed := self.of("failed"):
            parts.append("failed: " + "; ".join(f"{o.code} ({', '.join(o.failed_at)})" for o in failed))
        if nowhere := self.of("no_source"):
            parts.append("no source looks up: " + ", ".join(o.code for o in nowhere))
        if self.unreadable:
            parts.append("unreadable: " + ", ".join(self.unreadable))
        return "; ".join(parts)


def lookup_form(code: str) -> tuple[str, str]:
    """(what to look up, its family for `lookup`): a standard without its edition, a TBT symbol's base."""
    parsed = parse_any(code)
    if isinstance(parsed, TbtSymbol):
        return str(parsed.base), TBT
    assert isinstance(parsed, StandardCode)
    return parsed.key, parsed.family.value


def spiders_for(family: str) -> list[str]:
    """The sources that look up this family, in the registry's (merge) order."""
    return [name for name, src in registry().sources.items() if family in src.options.get("lookup", ())]


def watched_codes(services: Services) -> tuple[dict[str, str], list[str]]:
    """Look-up form -> family for every code of every active watch list, and the codes that do not parse."""
    wanted: dict[str, str] = {}
    unreadable: list[str] = []
    for sub in SubscriptionRepository(services.repo.engine).active_subscriptions():
        if sub.kind != "watchlist":
            continue
        for code in sub.codes:
            try:
                form, family = lookup_form(code)
            except CodeError:
                unreadable.append(code)
                continue
            wanted.setdefault(form, family)
    return dict(sorted(wanted.items())), sorted(set(unreadable))


def refresh_watchlists(
    services: Services, base_urls: Mapping[str, str] | None = None, delay: float | None = None
) -> RefreshReport:
    """Look every watched code up at its family's sources; each look-up's records go through the ingest flow.
    `base_urls`: spider -> mirror (or replay server) to ask instead of the real site."""
    wanted, unreadable = watched_codes(services)
    report = RefreshReport(unreadable=unreadable)
    for code, family in wanted.items():
        outcome = CodeOutcome(code)
        for spider in spiders_for(family):
            base_url = (base_urls or {}).get(spider)
            result = services.flow.crawl(CrawlRequest(spider, base_url, code, delay=delay))
            run = result.run
            if run is None or result.exit_code != 0:
                outcome.failed_at.append(f"{spider}: exit {result.exit_code}")
            elif run.finish_reason == NOT_FOUND:
                outcome.not_found_at.append(spider)
            elif run.finish_reason != "finished" or run.blocked or run.errors or run.quarantined:
                why = "blocked" if run.blocked else f"{run.finish_reason}, {run.errors} errors"
                outcome.failed_at.append(f"{spider}: {why}")
            else:
                outcome.found_at.append(spider)
        report.outcomes.append(outcome)
    return report
