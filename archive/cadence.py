"""When each site is crawled unless its registry entry says otherwise: the seasonal cadence.

The reports are due by 1 April, so most appear from February to April: then every site is crawled daily, and weekly
for the rest of the year. Each site gets its own time slot, derived from a hash of its id, so a hundred sites do not
all start in the same minute, and a site keeps its slot across restarts and registry edits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

SEASON_MONTHS = "2-4"  # daily crawls from 1 February to 30 April
OFF_SEASON_MONTHS = "1,5-12"  # weekly crawls in the other months
# Slots fall in the early morning, Beijing time: what was posted yesterday is found before the working day starts,
# and small government servers are crawled when their own visitors are few.
FIRST_HOUR = 5
HOURS = 3  # 05:00-07:59, 180 one-minute slots
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Slot:
    hour: int
    minute: int
    weekday: str  # the day of the weekly crawl outside the season


def slot(site_id: str) -> Slot:
    """The site's stable time slot: the same id always gets the same slot."""
    n = int.from_bytes(hashlib.sha256(site_id.encode("utf-8")).digest()[:8], "big")
    minute_of_window, n = n % (HOURS * 60), n // (HOURS * 60)
    return Slot(FIRST_HOUR + minute_of_window // 60, minute_of_window % 60, WEEKDAYS[n % 7])


def in_season(day: dt.date) -> bool:
    return 2 <= day.month <= 4
