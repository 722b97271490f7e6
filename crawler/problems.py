"""Problems a crawl meets, kept in the crawler's stats so the run summary and `fazhi crawl` can show each one."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from archive.bounds import MAX_FILE_BYTES
from crawler.diagnostics import SkipLog
from crawler.scope import OutOfScope

logger = logging.getLogger("fazhi")

# Lines kept per kind of message in a run's record; the rest are only logged, and counted in one closing line.
MAX_LINES_PER_KIND = 20
_PREFIX = {"warning": "warning: ", "note": "note: "}
# What Scrapy's RobotsTxtMiddleware raises IgnoreRequest with (and nothing else does).
ROBOTS_MESSAGE = "Forbidden by robots.txt"


def record(stats: StatsCollector | None, message: str, *, level: str = "error", kind: str | None = None) -> None:
    """Log `message` and keep it for the summary. level: "error" (a page failed), "site" (the site failed),
    "warning" (worth knowing, nothing lost: shown but not counted as a failure) or "note" (how the crawl went).

    `kind` names messages that may come by the dozen (e.g. "report pages archived with extraction warnings"):
    only the first MAX_LINES_PER_KIND of a kind are kept, then one line says how many more the log holds."""
    if stats is None:
        return
    if level in _PREFIX:
        (logger.info if level == "note" else logger.warning)(message)
        message = _PREFIX[level] + message
    else:
        logger.error(message)
        stats.inc_value("fazhi/site_errors" if level == "site" else "fazhi/errors")
    if kind is not None:
        kinds: dict[str, list[int | str]] = stats.get_value("fazhi/message_kinds") or {}
        seen = kinds.setdefault(kind, [0, _PREFIX.get(level, "")])
        seen[0] = int(seen[0]) + 1
        stats.set_value("fazhi/message_kinds", kinds)
        if int(seen[0]) > MAX_LINES_PER_KIND:
            return
    stats.set_value("fazhi/messages", [*(stats.get_value("fazhi/messages") or []), message])


def skipped(stats: StatsCollector | None, url: str, title: str, reason: str | None = None) -> bool:
    """A list entry left out as not a report: by its list title (no reason) or after reading it (the reason).
    False when that entry was already left out in this run."""
    if stats is None:
        return False
    log: SkipLog | None = stats.get_value("fazhi/skip_log")
    if log is None:
        log = SkipLog()
        stats.set_value("fazhi/skip_log", log)
    if not log.add(url, title, reason):
        return False
    logger.info("not a report, skipped: %s (%s): %s", title, reason or "by its list title", url)
    return True


def messages(stats: StatsCollector) -> list[str]:
    """Every message kept for the run record: those recorded, one line per kind that said more than it could
    keep, and a note of the entries skipped as not reports."""
    out: list[str] = list(stats.get_value("fazhi/messages") or [])
    kinds: dict[str, list[int | str]] = stats.get_value("fazhi/message_kinds") or {}
    for kind, (count, prefix) in kinds.items():
        if int(count) > MAX_LINES_PER_KIND:
            out.append(f"{prefix}… and {int(count) - MAX_LINES_PER_KIND} more {kind} (each in the crawl log)")
    log: SkipLog | None = stats.get_value("fazhi/skip_log")
    summary = log.summary() if log is not None else None
    if summary:
        out.append(_PREFIX["note"] + summary)
    return out


def forbidden_by_robots(failure: Failure) -> bool:
    """Whether the request was dropped because robots.txt forbids it: the site's wish, not a failure."""
    return failure.check(IgnoreRequest) is not None and str(failure.value) == ROBOTS_MESSAGE


def describe(failure: Failure) -> str:
    """A failed request in words for the user: the status (with what 412 and 403 mean here) or the error."""
    if isinstance(failure.value, HttpError):
        status = failure.value.response.status
        if status == 412:
            return "HTTP 412: the site answers with an anti-bot challenge (JavaScript); plain HTTP cannot pass"
        if status == 403:
            return "HTTP 403: the site refused us (blocked?)"
        return f"HTTP {status}"
    value = failure.value
    if isinstance(value, IgnoreRequest) and "decompress" in str(value):
        # Scrapy's HttpCompressionMiddleware: small on the wire, past DOWNLOAD_MAXSIZE once inflated.
        return f"dropped: its body decompresses to more than {MAX_FILE_BYTES // 2**20} MB, the most a page may be"
    if isinstance(value, OutOfScope):
        return str(value)  # says which host and why; the class name adds nothing for the user
    return f"{type(value).__name__}: {value}" if str(value) else type(value).__name__
