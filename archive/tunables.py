"""The crawl's tunable settings, each defined once: its name (the environment variable and the Scrapy setting are
the same name), its default, its bounds and what it does. Config reads them from the environment and refuses a
value out of bounds; the crawler's add-on (crawler/addon.py) sets the defaults; docs/operations.md lists them (a
test holds the list to this one)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tunable:
    name: str
    whole: bool  # a whole number (else any number)
    default: float
    minimum: float
    maximum: float
    meaning: str

    def parse(self, text: str) -> float | int:
        """`text` as this setting's value; ValueError saying what is wrong."""
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or (self.whole and value != int(value)):
            kind = "a whole number" if self.whole else "a number"
            raise ValueError(f"{self.name}={text!r} is not {kind}")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"{self.name}={text!r} must be from {self.minimum:g} to {self.maximum:g}")
        return int(value) if self.whole else value


TUNABLES = (
    Tunable("FAZHI_MAX_LIST_PAGES", True, 200, 1, 100_000, "list pages followed per column at most"),
    Tunable(
        "FAZHI_DISCOVER_DEPTH", True, 3, 0, 20, "how deep discovery walks the 政府信息公开 tree from each tree_url"
    ),
    Tunable(
        "FAZHI_DISCOVER_MAX_PAGES", True, 40, 0, 100_000, "tree and site-search pages one crawl of a site reads at most"
    ),
    Tunable(
        "FAZHI_RECHECK_AGE_FRACTION",
        False,
        0.1,
        0.0,
        1.0,
        "a known report is asked for again once this fraction of the time it has been unchanged has passed",
    ),
    Tunable("FAZHI_RECHECK_MAX_DAYS", False, 30.0, 0.0, 3650.0, "and at most this many days apart"),
    Tunable(
        "FAZHI_RECHECK_SEASON_MAX_DAYS", False, 7.0, 0.0, 3650.0, "and at most this many days apart in February-April"
    ),
    Tunable(
        "FAZHI_EXCHANGE_BATCH",
        True,
        200,
        1,
        100_000,
        "HTTP exchange records (robots.txt, lists) written per transaction; a crash loses at most one batch",
    ),
)
BY_NAME = {t.name: t for t in TUNABLES}
