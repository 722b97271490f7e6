"""A crawl end to end: check the notify URLs and the archive, run the crawler process, deliver the alerts.

One function for `fazhi crawl`, `fazhi demo` and the scheduler; they only show what happened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from archive.alerts.delivery import Delivery, check_urls, deliver_pending
from archive.config import Config
from archive.errors import BadUsage
from archive.registry.sites import load_registry, select_sites
from archive.runner.child import run_crawl
from archive.store.handle import Archive
from archive.store.postings import optimize


@dataclass(frozen=True, slots=True)
class CrawlReport:
    returncode: int  # 0 all sites ok and alerts out, 1 something failed or the crawl was stopped
    sites: list[dict[str, Any]] = field(default_factory=list)  # the "done" record of each site
    interrupted: str | None = None  # why the crawl was stopped before it finished, if it was
    delivery: Delivery | None = None  # None when no alert was attempted (no URLs, or interrupted)
    run_ids: list[int] = field(default_factory=list)  # the crawl-run rows the crawl opened


def crawl(
    config: Config,
    site_ids: Sequence[str],
    on_progress: Callable[[dict[str, Any]], None] | None = None,
    *,
    stop: threading.Event | None = None,
    archive: Archive | None = None,
    regions: Sequence[str] = (),
) -> CrawlReport:
    """Crawl `site_ids` and the sites whose region holds one of `regions` (all registry sites when both are empty)
    and send the alerts it made.

    Raises an ArchiveError before anything is fetched for a notify URL Apprise cannot read, or an archive that
    cannot be written. `stop`, when set, ends the crawl gracefully (the scheduler's shutdown). `archive` is the
    archive opened for writing by a caller that keeps it (the scheduler); else the crawl opens and closes it.
    """
    try:
        check_urls(config.notify_urls)  # before crawling, not after
    except ValueError as exc:
        raise BadUsage(str(exc)) from None
    # The registry and the site ids first: a refused registry leaves nothing behind, not even an empty archive.
    chosen = select_sites(load_registry(config.sites_path), site_ids, regions=regions)
    if regions:
        site_ids = [s.id for s in chosen]
    # Before anything is fetched: an empty database gets the schema, and an archive that is out of date, foreign
    # or read-only is refused now rather than after the whole crawl.
    with nullcontext(archive) if archive is not None else Archive.open(config, write=True) as opened:
        outcome = run_crawl(config, list(site_ids), on_progress, stop=stop, archive=opened)
        delivery = None
        # A stopped crawl leaves its alerts in the outbox: whoever stopped it wants it to end now.
        if config.notify_urls and not outcome.interrupted:
            delivery = deliver_pending(opened.sessions, config.notify_urls)
        # After the alerts, which are news: the versions the crawl wrote are searchable already (read whole), and
        # merged they are found by their pairs. A stopped crawl leaves that to the next one too.
        if not outcome.interrupted:
            optimize(opened.engine)
    alerts_ok = delivery is None or delivery.ok
    returncode = outcome.returncode or (0 if alerts_ok else 1)
    return CrawlReport(returncode, outcome.sites, outcome.interrupted, delivery, outcome.run_ids)
