"""Only one scheduler per store: a row in `scheduler_lock` with a heartbeat. A second scheduler is refused
and told who holds the lock; a lock whose heartbeat is older than `stale_after` (its holder died) may be
taken over."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stdwatch.store.job_models import SchedulerLock

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
DEFAULT_STALE_AFTER = timedelta(minutes=5)


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes, which the store always writes in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def holder_name() -> str:
    """Who this process is, as a second scheduler will be told."""
    return f"{socket.gethostname()} pid {os.getpid()}"


@dataclass(frozen=True)
class LockHolder:
    holder: str
    heartbeat_at: datetime


class LockRefused(Exception):
    """Another live scheduler holds the lock."""

    def __init__(self, current: LockHolder, now: datetime, stale_after: timedelta) -> None:
        age = (utc(now) - current.heartbeat_at).total_seconds()
        beat = f"{current.heartbeat_at:%Y-%m-%d %H:%M:%S}"
        super().__init__(
            f"another scheduler is running: {current.holder} (last heartbeat {beat} UTC, "
            f"{max(age, 0):.0f} s ago); its lock may be taken over after "
            f"{stale_after.total_seconds() / 60:g} minutes without a heartbeat"
        )
        self.current = current


class StoreLock:
    """The lock row, read and changed only with compare-and-set statements so two starters cannot both win."""

    def __init__(
        self, engine: Engine, holder: str, stale_after: timedelta = DEFAULT_STALE_AFTER, name: str = LOCK_NAME
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.stale_after = stale_after
        self.name = name

    def current(self) -> LockHolder | None:
        """The holder of the lock now, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(SchedulerLock.holder, SchedulerLock.heartbeat_at).where(
                    SchedulerLock.name == self.name
                )
            ).first()
        return LockHolder(row.holder, utc(row.heartbeat_at)) if row else None

    def acquire(self, now: datetime) -> None:
        """Take the lock, or take over a stale one; raises LockRefused when a live scheduler holds it."""
        for _ in range(3):  # the row may vanish or change between our statements: look again
            if self._insert(now):
                return
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(SchedulerLock.holder, SchedulerLock.heartbeat_at).where(
                        SchedulerLock.name == self.name
                    )
                ).first()
            if row is None:
                continue
            current = LockHolder(row.holder, utc(row.heartbeat_at))
            if utc(now) - current.heartbeat_at <= self.stale_after:
                raise LockRefused(current, now, self.stale_after)
            if self._take_over(row.holder, row.heartbeat_at, now):
                log.warning(
                    "took over a stale scheduler lock: holder=%s last_heartbeat=%s",
                    current.holder,
                    current.heartbeat_at.isoformat(),
                )
                return
        raise LockRefused(self.current() or LockHolder("unknown", utc(now)), now, self.stale_after)

    def _insert(self, now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(SchedulerLock).values(name=self.name, holder=self.holder, heartbeat_at=utc(now))
                )
        except IntegrityError:
            return False
        return True

    def _take_over(self, old_holder: str, old_heartbeat: datetime, now: datetime) -> bool:
        # The raw heartbeat value read back is compared, so a holder that beat in the meantime keeps its lock.
        with self.engine.begin() as conn:
            result = conn.execute(
                update(SchedulerLock)
                .where(
                    SchedulerLock.name == self.name,
                    SchedulerLock.holder == old_holder,
                    SchedulerLock.heartbeat_at == old_heartbeat,
                )
                .values(holder=self.holder, heartbeat_at=utc(now))
            )
        return result.rowcount == 1

    def heartbeat(self, now: datetime) -> bool:
        """Refresh our heartbeat; False when the lock is no longer ours (taken over while we were stale)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(SchedulerLock)
                .where(SchedulerLock.name == self.name, SchedulerLock.holder == self.holder)
                .values(heartbeat_at=utc(now))
            )
        return result.rowcount == 1

    def release(self) -> None:
        """Give the lock up (only if it is still ours)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(SchedulerLock).where(
                    SchedulerLock.name == self.name, SchedulerLock.holder == self.holder
                )
            )


class Heartbeat:
    """A daemon thread that keeps the lock alive and calls `on_lost` if another scheduler took it."""

    def __init__(
        self,
        lock: StoreLock,
        clock: Callable[[], datetime],
        on_lost: Callable[[], None],
        interval: float | None = None,
    ) -> None:
        self.lock = lock
        self.clock = clock
        self.on_lost = on_lost
        # Several beats fit in the stale window, so one slow database round trip never looks like death.
        self.interval = interval or max(lock.stale_after.total_seconds() / 5, 1.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                alive = self.lock.heartbeat(self.clock())
            except Exception:  # a database hiccup: log, beat again; the stale window absorbs a few misses
                log.exception("scheduler heartbeat failed")
                continue
            if not alive:
                log.error("scheduler lock lost: another scheduler took it over; stopping")
                self.on_lost()
                return
