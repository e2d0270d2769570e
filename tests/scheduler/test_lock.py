"""Only one scheduler per store: a second is refused and told who holds the lock; a stale one is taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.lock import LockRefused, StoreLock
from stdwatch.store import DocumentRepository

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
STALE = timedelta(minutes=5)


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
