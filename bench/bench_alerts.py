"""Alert matching and a day's monitoring flow on generated, realistic data (issue 9).

    .venv/bin/python bench/bench_alerts.py                 # (a) 1,000 documents x 10,000 subscriptions, (b) a day
    .venv/bin/python bench/bench_alerts.py --quick         # a small smoke run
    .venv/bin/python bench/bench_alerts.py --docs 1000 --subs 10000 --day 1600 --base 20000

(a) Matching: the real AlertMatcher (alerts/matcher.py) matches 1,000 new documents against 10,000 active
    subscriptions, in-process: saved searches (Chinese and English words, with and without filters: kind,
    member, status, ICS, HS, dates), industry profiles (config/industry_profiles.toml) and watch lists of codes
    (several spellings). Target: under 1 s. Printed beside the same-run anchors: T1 the time to merely tokenise
    those documents with the analyzer (search_document + index_document, the first thing matching does), T2
    rjieba's bare segmentation of the same texts; and as a ratio to them.
(b) A day: 1,600 documents (new ones, and status changes of stored standards that watch lists follow) arrive
    through the ingest flow (IngestFlow on SQLite, in a temporary folder, over a stored corpus of --base records),
    are matched into the outbox, and the due digests are rendered (alerts/delivery.py make_digests; rendered and
    stored in the outbox, not sent). Each stage's time is printed beside the anchors.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors
import bench_search
from anchors import Figure
from pydantic import SecretStr
from sqlalchemy import Table, insert

import alerts.matcher
from alerts.delivery import make_digests
from alerts.matcher import (
    PROFILES_PATH,
    AlertMatcher,
    CompiledSubscription,
    PlanIndex,
    compile_subscription,
)
from alerts.profiles import load_profiles
from alerts.services import Services
from config.settings import Settings
from search.documents import index_document, search_document
from search.factory import analyzer_for
from stdwatch.records import Record, StandardRecord, record_from_json, to_json
from stdwatch.store.account_models import Organization, Subscription, SubscriptionRecipient
from stdwatch.store.changes import Change
from stdwatch.store.outbox import OutboxRepository

TARGET_SECONDS = 1.0
ENGLISH = (
    "battery lithium toy toys textile footwear food tea display monitor semiconductor medical device "
    "packaging cosmetics electrical appliance energy efficiency machinery"
).split()
FREQUENCIES = ("immediate", "daily", "daily", "daily", "weekly")
ICS_PREFIXES = ("29", "97", "59", "13", "43.040", "31.120", "67")
HS_PREFIXES = ("8507", "8516", "8539", "9503", "6403", "85", "39")


# ------------------------------------------------------------------------------------------ subscriptions
def _spelling(rng: random.Random, code: str) -> str:
    """A code as people type it: as printed, without spaces, full-width, without its year."""
    choice = rng.random()
    if choice < 0.4:
        return code
    if choice < 0.6:
        return code.replace(" ", "")
    if choice < 0.75:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in code)
    return code.split("-")[0].split(":")[0]


def _saved_search(rng: random.Random) -> dict[str, Any]:
    """A company's saved search: mostly its product (any of them, not only the common ones), often with an
    aspect or a filter; the rest filter-only but narrow (a member's notifications, an HS heading, an ICS group)."""
    roll = rng.random()
    if roll >= 0.95:
        return rng.choice(
            (
                {"kind": "tbt_notification", "member": rng.choice(bench_search.MEMBERS)},
                {"kind": "tbt_notification", "hs": rng.choice(HS_PREFIXES[:5])},
                {"ics": f"{rng.choice(ICS_PREFIXES[:4])}.{rng.randrange(0, 300, 20):03d}"},
            )
        )
    if roll < 0.6:
        query: dict[str, Any] = {"q": rng.choice(bench_search.PRODUCTS)}
        if rng.random() < 0.3:
            query["q"] += " " + rng.choice(bench_search.ASPECTS)
    elif roll < 0.75:
        query = {"q": rng.choice(bench_search.RARE)}
    else:
        query = {"q": rng.choice(ENGLISH)}
    if rng.random() < 0.5:
        extra = rng.choice(("kind", "member", "status", "ics", "hs", "date"))
        if extra == "kind":
            query["kind"] = rng.choice(("standard", "tbt_notification"))
        elif extra == "member":
            query["member"] = ",".join(rng.sample(bench_search.MEMBERS, rng.randint(1, 3)))
        elif extra == "status":
            query["status"] = "current"
        elif extra == "ics":
            query["ics"] = rng.choice(ICS_PREFIXES)
        elif extra == "hs":
            query["kind"] = "tbt_notification"
            query["hs"] = rng.choice(HS_PREFIXES)
        else:
            query["date_from"] = f"{rng.randint(2000, 2024)}-01-01"
    return query


def subscription_rows(
    rng: random.Random, count: int, watchable: list[str], profiles: list[str], created: datetime
) -> list[SimpleNamespace]:
    """Subscriptions as the matcher reads them from the store: 60% saved searches, 25% industry profiles,
    15% watch lists of 1-20 codes (from the stored standards, in several spellings)."""
    rows = []
    for sub_id in range(1, count + 1):
        roll = rng.random()
        row = SimpleNamespace(id=sub_id, created_at=created, query={}, profile=None, codes=[])
        if roll < 0.60:
            row.kind, row.query = "search", _saved_search(rng)
        elif roll < 0.85:
            row.kind, row.profile = "profile", rng.choice(profiles)
        else:
            row.kind = "watchlist"
            row.codes = [_spelling(rng, rng.choice(watchable)) for _ in range(rng.randint(1, 20))]
        rows.append(row)
    return rows


def compile_all(rows: list[SimpleNamespace], matcher: AlertMatcher) -> list[CompiledSubscription]:
    """As AlertMatcher.subscriptions does it, from rows instead of the store (an older checkout, run for a
    comparison, compiles every subscription on its own)."""
    profiles, analyzer = load_profiles(PROFILES_PATH), matcher.analyzer
    if not hasattr(alerts.matcher, "PlanCache"):
        return [compile_subscription(row, analyzer, profiles) for row in rows]
    cache: dict[Any, Any] = {}
    return [compile_subscription(row, analyzer, profiles, cache) for row in rows]


# ------------------------------------------------------------------------------------------ anchors
def tokenise(datas: list[dict[str, Any]], settings: Settings) -> tuple[Figure, Figure]:
    """T1: the analyzer's tokens of each document (what matching starts with); T2: bare rjieba on the texts."""
    analyzer = analyzer_for(settings)
    analyzer.analyse("预热 warm-up")  # dictionaries load on first use: not part of the work
    started, cpu = time.perf_counter(), time.process_time()
    documents = [search_document(d) for d in datas]
    for doc in documents:
        index_document(doc, analyzer)
    t1 = Figure(time.perf_counter() - started, len(datas), cpu=time.process_time() - cpu)
    texts = [t for d in documents for t in ("\n".join(d.titles) or d.title, d.body)]
    return t1, anchors.segmentation(texts, len(datas))


def _figure_line(label: str, seconds: float, count: int, anchor: Figure | None = None, name: str = "") -> str:
    text = f"{label:<58}{seconds:8.3f} s {count / seconds if seconds else 0:>10,.0f} /s"
    if anchor is not None:
        text += f"   = {seconds / anchor.seconds:6.2f} x {name}"
    return text


# ------------------------------------------------------------------------------------------ (a) matching
def bench_matching(docs: int, subs: int, seed: int) -> None:
    print(f"\n== (a) matching {docs:,} new documents against {subs:,} subscriptions ==")
    rng = random.Random(seed)
    corpus = bench_search.generate(docs * 3, seed)
    new, stored = corpus[:docs], corpus[docs:]
    watchable = [r.code for r in corpus if isinstance(r, StandardRecord)]
    with tempfile.TemporaryDirectory(prefix="stdwatch-bench-alerts-") as folder:
        services = Services.from_settings(Settings(data_dir=Path(folder), search_backend="sqlite"))
        try:
            matcher = AlertMatcher(services)
            datas = [to_json(r) for r in new]
            t1, t2 = tokenise(datas, services.settings)
            print("anchors (same documents, this run):")
            print(_figure_line("  T1 tokenise with the analyzer (search_document+index)", t1.seconds, docs))
            print(_figure_line("  T2 rjieba cut_for_search, same texts", t2.seconds, docs))
            created = datetime.now(UTC) - timedelta(days=30)
            profiles = sorted(load_profiles(PROFILES_PATH))
            rows = subscription_rows(rng, subs, watchable, profiles, created)
            started = time.perf_counter()
            compiled = compile_all(rows, matcher)
            index = PlanIndex(compiled)
            setup = time.perf_counter() - started
            kinds = Counter(r.kind for r in rows)
            print(
                _figure_line(
                    f"compile {subs:,} subscriptions + build the plan index (once a run)", setup, subs
                )
                + f"   ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})"
            )
            now = datetime.now(UTC)
            changes = [
                Change(i + 1, r.id, 1, d, None, now) for i, (r, d) in enumerate(zip(new, datas, strict=True))
            ]
            changes += _status_changes(rng, stored, docs // 10, now, len(changes))
            started, cpu = time.perf_counter(), time.process_time()
            alerts = matcher.match(changes, compiled, index)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            reasons = Counter(a.reason for a in alerts)
            print(
                _figure_line(
                    f"MATCH {len(changes):,} changes x {subs:,} subscriptions",
                    seconds,
                    len(changes),
                    t1,
                    "T1",
                )
                + f"  {seconds / t2.seconds:6.2f} x T2"
            )
            print(
                f"  {len(alerts):,} alerts ({', '.join(f'{k} {v:,}' for k, v in sorted(reasons.items()))}); "
                f"CPU-time ratio {cpu / t1.cpu:.2f} x T1; target < {TARGET_SECONDS:.0f} s: "
                f"{'met' if seconds < TARGET_SECONDS else 'NOT met'} ({docs:,} new + {len(changes) - docs:,} "
                "changed stored standards)"
            )
        finally:
            services.close()


def _status_changes(
    rng: random.Random, stored: list[Record], count: int, now: datetime, start: int
) -> list[Change]:
    """Stored standards whose status changed (what watch lists follow), as the change feed shows them."""
    standards = [r for r in stored if isinstance(r, StandardRecord)]
    changes = []
    for i, record in enumerate(rng.sample(standards, min(count, len(standards)))):
        before = to_json(record)
        after = dict(
            before, status=rng.choice(["withdrawn", "replaced"]), replaced_by=[f"GB/T {90000 + i}-2025"]
        )
        changes.append(Change(start + i + 1, record.id, 2, after, before, now))
    return changes


# ------------------------------------------------------------------------------------------ (b) a day
def _insert_subscriptions(services: Services, rows: list[SimpleNamespace], created: datetime) -> None:
    """Organizations, subscriptions and confirmed recipients written straight into the store (setup, untimed)."""
    orgs_table, subs_table = Organization.__table__, Subscription.__table__
    recipients_table = SubscriptionRecipient.__table__
    assert (
        isinstance(orgs_table, Table)
        and isinstance(subs_table, Table)
        and isinstance(recipients_table, Table)
    )
    orgs = max(1, len(rows) // 50)
    with services.repo.engine.begin() as conn:
        conn.execute(
            insert(orgs_table),
            [
                {"id": i, "name": f"Bench org {i}", "timezone": "Asia/Shanghai", "created_at": created}
                for i in range(1, orgs + 1)
            ],
        )
        conn.execute(
            insert(subs_table),
            [
                {
                    "id": r.id,
                    "organization_id": 1 + r.id % orgs,
                    "created_by": None,
                    "name": f"Bench subscription {r.id}",
                    "kind": r.kind,
                    "query": r.query,
                    "profile": r.profile,
                    "codes": r.codes,
                    "frequency": FREQUENCIES[r.id % len(FREQUENCIES)],
                    "language": "zh" if r.id % 3 else "en",
                    "active": True,
                    "created_at": created,
                    "updated_at": created,
                }
                for r in rows
            ],
        )
        conn.execute(
            insert(recipients_table),
            [
                {
                    "subscription_id": r.id,
                    "email": f"user{r.id}@bench.invalid",
                    "confirmed_at": created,
                    "created_at": created,
                }
                for r in rows
            ],
        )


def bench_day(day: int, subs: int, base: int, seed: int) -> None:
    print(f"\n== (b) a day: {day:,} documents, {subs:,} subscriptions, over {base:,} stored records ==")
    rng = random.Random(seed + 1)
    changed_count = day // 8
    corpus = bench_search.generate(base + day - changed_count, seed)
    stored, new = corpus[:base], corpus[base:]
    standards = [r for r in stored if isinstance(r, StandardRecord)]
    changed = rng.sample(standards, min(changed_count, len(standards)))
    # What a crawl brings about a standard already stored: its code and a new status (a partial record).
    updates = [
        record_from_json(
            {
                "code": r.code,
                "status": "废止" if i % 2 else "被代替",
                "replaced_by": [f"GB/T {95000 + i}-2025"],
            }
        )
        for i, r in enumerate(changed)
    ]
    arriving = new + updates
    rng.shuffle(arriving)
    watchable = [r.code for r in changed] * 3 + [r.code for r in standards[:2000]]
    folder = Path(tempfile.mkdtemp(prefix="stdwatch-bench-day-"))
    try:
        settings = Settings(
            data_dir=folder, search_backend="sqlite", secret_key=SecretStr("bench-secret-key-0123456789")
        )
        services = Services.from_settings(settings)
        matcher = services.flow.listeners.pop()  # run by hand below, so each stage is timed on its own
        assert isinstance(matcher, AlertMatcher)
        started = time.perf_counter()
        services.flow.ingest(stored)
        print(
            f"setup: stored and indexed {base:,} records in {time.perf_counter() - started:.1f}s (not counted)"
        )
        created = datetime.now(UTC)
        rows = subscription_rows(rng, subs, watchable, sorted(load_profiles(PROFILES_PATH)), created)
        _insert_subscriptions(services, rows, created)
        matcher.catch_up()  # the cursor starts after the stored corpus: only the day alerts
        datas = [to_json(r) for r in new]
        t1, t2 = tokenise(datas, settings)
        a1 = anchors.json_insert_sqlalchemy(
            folder / "anchor-json.sqlite3", [(r.id, d) for r, d in zip(new, datas, strict=True)]
        )
        print(f"anchors (this run, the day's {len(new):,} new documents):")
        print(_figure_line("  A1 SQLAlchemy insert of their JSON rows", a1.seconds, len(new)))
        print(_figure_line("  T1 tokenise with the analyzer", t1.seconds, len(new)))
        print(_figure_line("  T2 rjieba cut_for_search, same texts", t2.seconds, len(new)))

        stages: list[tuple[str, float, int, Figure | None, str]] = []
        started = time.perf_counter()
        stored_result = services.flow.store(arriving, merge=False)
        stages.append(
            ("store of record (versioned upsert)", time.perf_counter() - started, len(arriving), a1, "A1")
        )
        started = time.perf_counter()
        indexed = services.flow.sync()
        stages.append(("analyse + index (IngestFlow.sync)", time.perf_counter() - started, indexed, t1, "T1"))
        started = time.perf_counter()
        alerts = matcher.catch_up()
        stages.append(
            (
                f"match into the outbox ({subs:,} subscriptions)",
                time.perf_counter() - started,
                indexed,
                t1,
                "T1",
            )
        )
        started = time.perf_counter()
        emails = make_digests(services, datetime.now(UTC) + timedelta(days=8))
        stages.append(
            ("render digests into the outbox (make_digests)", time.perf_counter() - started, emails, None, "")
        )
        for label, seconds, count, anchor, name in stages:
            print(_figure_line(label, seconds, max(count, 1), anchor, name))
        total = sum(s[1] for s in stages)
        print(
            _figure_line(
                "DAY total: ingest -> match -> outbox -> digests rendered", total, len(arriving), t1, "T1"
            )
        )
        counts = OutboxRepository(services.repo.engine).status_counts()
        print(
            f"  {stored_result.new:,} new + {stored_result.updated:,} changed documents; {alerts:,} alerts; "
            f"{emails:,} digest emails rendered (outbox: {counts})"
        )
        services.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000, help="(a) new documents to match")
    parser.add_argument("--subs", type=int, default=10_000, help="active subscriptions, (a) and (b)")
    parser.add_argument("--day", type=int, default=1600, help="(b) documents arriving in the day")
    parser.add_argument("--base", type=int, default=20_000, help="(b) records stored before the day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("match", "day"), help="run one part")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, figures mean little")
    args = parser.parse_args()
    if args.quick:
        args.docs, args.subs, args.day, args.base = 60, 200, 80, 300
    print(f"command: {' '.join(sys.argv)}")
    if args.only in (None, "match"):
        bench_matching(args.docs, args.subs, args.seed)
    if args.only in (None, "day"):
        bench_day(args.day, args.subs, args.base, args.seed)


if __name__ == "__main__":
    main()
