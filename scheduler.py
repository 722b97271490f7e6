"""APScheduler 3.x: when each registry site is crawled.

Every trigger is built with the Asia/Shanghai zone on the trigger itself: a trigger made without one takes the
host's zone, and a server in UTC would then crawl eight hours off the registry's schedule.
"""

from __future__ import annotations

import datetime as dt
import re

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from archive.cadence import OFF_SEASON_MONTHS, SEASON_MONTHS, TIMEZONE, slot
from crawler.sites import Site

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> dt.timedelta:
    """`30s`, `10m`, `6h` or `1d` as a timedelta; ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30s, 10m, 6h or 1d")
    return dt.timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def site_trigger(site: Site) -> BaseTrigger:
    """The site's own cron (Asia/Shanghai), else the seasonal cadence in the site's slot."""
    if site.schedule:
        return CronTrigger.from_crontab(site.schedule, timezone=TIMEZONE)
    s = slot(site.id)
    daily = CronTrigger(month=SEASON_MONTHS, hour=s.hour, minute=s.minute, timezone=TIMEZONE)
    weekly = CronTrigger(
        month=OFF_SEASON_MONTHS, day_of_week=s.weekday, hour=s.hour, minute=s.minute, timezone=TIMEZONE
    )
    return OrTrigger([daily, weekly])


def every_trigger(interval: dt.timedelta, site_id: str) -> BaseTrigger:
    """`--every`: each site at that interval, the sites' first runs spread over the first interval."""
    offset = dt.timedelta(seconds=slot(site_id).minute * interval.total_seconds() / 60)
    return IntervalTrigger(seconds=interval.total_seconds(), start_date=_now() + offset, timezone=TIMEZONE)


def _now() -> dt.datetime:
    return dt.datetime.now(TIMEZONE)
