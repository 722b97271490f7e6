"""The crawl cadence on a fake clock: cron read in Asia/Shanghai, daily in the season, weekly outside it."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest

from archive.cadence import in_season, slot
from archive.clock import TIMEZONE
from archive.registry.sites import Site
from archive.runner.scheduler import every_trigger, parse_duration, site_trigger

UTC = dt.UTC


def _site(site_id: str, schedule: str | None = None) -> Site:
    return Site(
        site_id,
        "某区人民政府",
        "浙江省某区",
        ("https://www.example.gov.cn/",),
        ("www.example.gov.cn",),
        schedule=schedule,
    )


def _fire_times(site: Site, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    trigger = site_trigger(site)
    out: list[dt.datetime] = []
    previous = None
    now = start
    while (nxt := trigger.get_next_fire_time(previous, now)) is not None and nxt < end:
        out.append(nxt)
        previous, now = nxt, nxt + dt.timedelta(seconds=1)
    return out


def test_registry_cron_is_read_in_shanghai_time_whatever_the_host_zone() -> None:
    site = _site("yuhang", "0 7 * * *")
    # 2025-03-01 00:30 UTC is 08:30 in Shanghai: today's 07:00 has passed, the next is tomorrow 07:00 (23:00 UTC).
    start = dt.datetime(2025, 3, 1, 0, 30, tzinfo=UTC)
    first = site_trigger(site).get_next_fire_time(None, start)
    assert first is not None
    assert first.astimezone(UTC) == dt.datetime(2025, 3, 1, 23, 0, tzinfo=UTC)
    assert first.astimezone(TIMEZONE).hour == 7


def test_seasonal_cadence_is_daily_from_february_to_april_and_weekly_otherwise() -> None:
    site = _site("xihu")
    s = slot("xihu")
    times = _fire_times(site, dt.datetime(2025, 1, 1, tzinfo=TIMEZONE), dt.datetime(2026, 1, 1, tzinfo=TIMEZONE))
    local = [t.astimezone(TIMEZONE) for t in times]
    assert all((t.hour, t.minute) == (s.hour, s.minute) for t in local)
    season = [t for t in local if in_season(t.date())]
    assert len(season) == 28 + 31 + 30  # every day of February to April 2025
    assert len({t.date() for t in season}) == len(season)
    off = [t for t in local if not in_season(t.date())]
    assert {t.strftime("%a").lower() for t in off} == {s.weekday}
    gaps = {(b - a).days for a, b in itertools.pairwise(off) if not (a.month == 1 and b.month == 5)}
    assert gaps == {7}
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    assert len(off) == sum(1 for d in days if not in_season(d) and d.strftime("%a").lower() == s.weekday)


def test_slots_spread_a_hundred_sites_and_stay_put() -> None:
    ids = [f"site-{n}" for n in range(100)]
    slots = [slot(i) for i in ids]
    assert slots == [slot(i) for i in ids], "a site's slot must not change between runs"
    per_minute = Counter((s.hour, s.minute) for s in slots)
    assert len(per_minute) >= 60 and max(per_minute.values()) <= 4
    assert len({s.weekday for s in slots}) == 7


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("6h", 21600), ("1d", 86400)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "0s", "10", "5 weeks", "-3m", "1.5h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_every_runs_each_site_at_the_interval() -> None:
    trigger = every_trigger(dt.timedelta(minutes=10), "xihu")
    now = dt.datetime.now(TIMEZONE)
    first = trigger.get_next_fire_time(None, now)
    assert first is not None and now <= first <= now + dt.timedelta(minutes=10)
    second = trigger.get_next_fire_time(first, first + dt.timedelta(seconds=1))
    assert second is not None and second - first == dt.timedelta(minutes=10)
