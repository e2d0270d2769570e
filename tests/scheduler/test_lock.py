"""Only one scheduler per store: a second is refused and told who holds the lock; a stale one is taken."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from config.settings import Settings
from scheduler.lock import LockRefused, StoreLock
from stdwatch.store import DocumentRepository, create_engine_for, migrate

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
STALE = timedelta(minutes=5)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[DocumentRepository]:
    """A migrated store on each database; on PostgreSQL in a schema of its own, so other test runs sharing
    the server (which reset its public schema) cannot pull the tables away mid-test."""
    if request.param == "sqlite":
        engine = create_engine_for(settings.resolved_database_url)
        migrate(engine)
        yield DocumentRepository(engine)
        engine.dispose()
        return
    url = request.getfixturevalue("pg_url")
    schema = f"sched_{uuid.uuid4().hex[:10]}"
    admin = create_engine_for(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    engine = create_engine_for(f"{url}{sep}options=-csearch_path%3D{schema}")
    migrate(engine)
    yield DocumentRepository(engine)
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_second_scheduler_is_refused_and_told_who_holds_the_lock(store: DocumentRepository) -> None:
    first = StoreLock(store.engine, "host-a pid 100", STALE)
    first.acquire(T0)
    second = StoreLock(store.engine, "host-b pid 200", STALE)
    with pytest.raises(LockRefused) as refused:
        second.acquire(T0 + timedelta(minutes=4))
    assert "host-a pid 100" in str(refused.value)
    assert "240 s ago" in str(refused.value)
    holder = second.current()
    assert holder is not None and holder.holder == "host-a pid 100" and holder.heartbeat_at == T0


def test_heartbeat_keeps_the_lock_alive(store: DocumentRepository) -> None:
    first = StoreLock(store.engine, "host-a pid 100", STALE)
    first.acquire(T0)
    assert first.heartbeat(T0 + timedelta(minutes=4))
    with pytest.raises(LockRefused):  # 6 minutes after the start, but only 2 after the last beat
        StoreLock(store.engine, "host-b pid 200", STALE).acquire(T0 + timedelta(minutes=6))


def test_stale_lock_is_taken_over_and_the_old_holder_learns_it(store: DocumentRepository) -> None:
    first = StoreLock(store.engine, "host-a pid 100", STALE)
    first.acquire(T0)
    second = StoreLock(store.engine, "host-b pid 200", STALE)
    second.acquire(T0 + timedelta(minutes=6))
    holder = second.current()
    assert holder is not None and holder.holder == "host-b pid 200"
    assert not first.heartbeat(T0 + timedelta(minutes=7))  # the old holder must stop
    first.release()  # and releasing does not free the new holder's lock
    assert second.current() is not None
    assert second.heartbeat(T0 + timedelta(minutes=7))


def test_released_lock_can_be_taken_at_once(store: DocumentRepository) -> None:
    first = StoreLock(store.engine, "host-a pid 100", STALE)
    first.acquire(T0)
    first.release()
    assert first.current() is None
    StoreLock(store.engine, "host-b pid 200", STALE).acquire(T0 + timedelta(seconds=1))


def test_heartbeat_thread_beats_and_reports_a_lost_lock(store: DocumentRepository) -> None:
    import threading

    from scheduler.lock import Heartbeat

    now = [T0]
    lost = threading.Event()
    mine = StoreLock(store.engine, "host-a pid 100", STALE)
    mine.acquire(T0)
    beat = Heartbeat(mine, clock=lambda: now[0], on_lost=lost.set, interval=0.02)
    beat.start()
    try:
        now[0] = T0 + timedelta(minutes=3)
        seen = T0  # poll until the thread has written the new time
        for _ in range(250):
            holder = mine.current()
            if holder and holder.heartbeat_at == now[0]:
                seen = holder.heartbeat_at
                break
            lost.wait(0.02)
        assert seen == T0 + timedelta(minutes=3) and not lost.is_set()
        with store.engine.begin() as conn:  # another scheduler takes the lock (as after a long pause of ours)
            conn.execute(text("UPDATE scheduler_lock SET holder = 'host-b pid 200'"))
        assert lost.wait(5), "the heartbeat did not notice that the lock was taken"
    finally:
        beat.stop()
