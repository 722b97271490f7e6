"""Problems a crawl meets, kept in the crawler's stats so the run summary and `fazhi crawl` can show each one."""

from __future__ import annotations

import logging

from scrapy.statscollectors import StatsCollector

logger = logging.getLogger("fazhi")


def record(stats: StatsCollector | None, message: str, *, level: str = "error") -> None:
    """Log `message` and keep it for the summary. level: "error" (a page failed), "site" (the site failed) or
    "warning" (worth knowing, nothing lost: shown but not counted as a failure)."""
    if stats is None:
        return
    if level == "warning":
        logger.warning(message)
        message = f"warning: {message}"
    else:
        logger.error(message)
        stats.inc_value("fazhi/site_errors" if level == "site" else "fazhi/errors")
    stats.set_value("fazhi/messages", [*(stats.get_value("fazhi/messages") or []), message])
