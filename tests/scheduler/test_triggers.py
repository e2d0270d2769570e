"""The crawl schedules in config/sources.toml and the fixed jobs fire when expected, in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from crawlers.sources import spider_names
from scheduler.app import FIXED_JOBS, crawl_specs, job_specs

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE = 'base_url = "https://example.org"\ndownload_delay = 1.0\n'


def fire_times(cron: str, start: datetime, count: int) -> list[datetime]:
    trigger = CronTrigger.from_crontab(cron, timezone=SHANGHAI)
    times, previous, now = [], None, start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire
    return times


def spec(job_id: str) -> str:
    return next(s.cron for s in job_specs() if s.id == job_id)


def test_every_spider_has_a_crawl_job_with_a_stable_id() -> None:
    specs = crawl_specs()
    assert sorted(s.id for s in specs) == sorted(f"crawl.{name}" for name in spider_names())
    assert all(s.func == "scheduler.jobs:crawl" and s.args == (s.id.removeprefix("crawl."),) for s in specs)


def test_national_standards_crawl_nightly_in_shanghai_time() -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=SHANGHAI)
    first, second = fire_times(spec("crawl.samr_openstd"), start, 2)
    assert first == datetime(2026, 3, 2, 1, 30, tzinfo=SHANGHAI)
    assert first.utcoffset() == timedelta(hours=8)
    assert second - first == timedelta(days=1)


def test_eping_crawls_every_six_hours() -> None:
    times = fire_times(spec("crawl.wto_eping"), datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI), 5)
    assert [t.strftime("%d %H:%M") for t in times] == [
        "01 00:15",
        "01 06:15",
        "01 12:15",
        "01 18:15",
        "02 00:15",
    ]


def test_slow_catalogues_crawl_weekly() -> None:
    times = fire_times(spec("crawl.cns"), datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI), 2)
    assert times[0].weekday() == 5 and (times[1] - times[0]).days == 7  # Saturdays


def test_fixed_jobs_fire_when_the_issue_asks() -> None:
    start = datetime(2026, 3, 1, 23, 58, tzinfo=SHANGHAI)
    assert fire_times(spec("index.sync"), start, 2) == [
        datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI),
        datetime(2026, 3, 2, 0, 10, tzinfo=SHANGHAI),
    ]
    assert [t.strftime("%H:%M") for t in fire_times(spec("alerts.flush"), start, 3)] == [
        "23:58",
        "23:59",
        "00:00",
    ]
    assert fire_times(spec("alerts.digests"), start, 1) == [datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI)]
    assert fire_times(spec("status.roll"), start, 1) == [datetime(2026, 3, 2, 0, 5, tzinfo=SHANGHAI)]
    assert fire_times(spec("alerts.reminders"), start, 1) == [datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI)]
    assert {s.id for s in FIXED_JOBS} == {
        "index.sync",
        "status.roll",
        "alerts.catch_up",
        "alerts.digests",
        "alerts.reminders",
        "alerts.flush",
        "alerts.confirmations",
        "watchlists.refresh",
    }
    # 2026-03-01 is a Sunday: the weekly watch-list refresh is next due a week on, at 05:00 local time
    assert fire_times(spec("watchlists.refresh"), start, 1) == [datetime(2026, 3, 8, 5, 0, tzinfo=SHANGHAI)]


def test_a_bad_schedule_names_the_source(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[samr_openstd]\n{SITE}schedule = "30 1 * *"\n[cns]\n{SITE}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"\[samr_openstd\] schedule '30 1 \* \*'"):
        crawl_specs(sources)


def test_a_source_without_schedule_gets_no_crawl_job(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[samr_openstd]\n{SITE}schedule = "30 1 * * *"\n[cns]\n{SITE}', encoding="utf-8")
    assert [s.id for s in crawl_specs(sources)] == ["crawl.samr_openstd"]


def test_a_numeric_weekday_is_refused(tmp_path: Path) -> None:
    # In APScheduler 3.x "6" would mean Sunday, in crontab Saturday: the config must say "sat".
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[cns]\n{SITE}schedule = "0 4 * * 6"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="day of the week as a name"):
        crawl_specs(sources)
