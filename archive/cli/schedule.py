"""`fazhi schedule` and `fazhi runs`: run unattended, and see what ran, when, and how it ended."""

from __future__ import annotations

import datetime as dt
import sys

import click
from rich.table import Table

from archive.cli.main import cli
from archive.cli.options import OFFSET, SINCE, archive_session, config_options, json_option, page_caption
from archive.cli.render import console, print_json
from archive.clock import ZONE_LABEL, local
from archive.config import Config
from archive.errors import BadUsage
from archive.vocab import RunStatus, label


@cli.command()
@click.option("--every", metavar="DURATION", help="Crawl every site at this interval instead (30s, 10m, 6h, 1d).")
@click.option("--max-crawls", type=click.IntRange(1, 64), default=2, show_default=True, help="Sites crawled at once.")
@config_options(sites=True, notify=True)
def schedule(every: str | None, max_crawls: int, config: Config) -> None:
    """Run the scheduler in the foreground until SIGTERM/SIGINT.

    Each site is crawled on its registry `schedule` (cron, Asia/Shanghai), else daily from February to April and
    weekly otherwise, in a time slot of its own; alerts go out within a minute of each event. One scheduler per
    archive: a second one refuses to start. Stopping ends running crawls gracefully and exits 0; the next start
    resumes, and runs a crawl missed while it was down once.
    """
    # Loaded only for this command: APScheduler and the crawl launcher.
    from archive.runner import scheduler

    try:
        interval = scheduler.parse_duration(every) if every else None
    except ValueError as exc:
        raise BadUsage(f"--every: {exc}") from None
    sys.exit(scheduler.run(config, interval, max_crawls=max_crawls))


@cli.command()
@click.option("--site", help="Only this site id.")
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True, help="At most this many runs.")
@click.option("--offset", type=OFFSET, default=0, help="Skip this many runs first (the next page).")
@click.option(
    "--since", type=SINCE, metavar="TIME", help="Only runs started at or after TIME (ISO 8601; Beijing time if bare)."
)
@json_option
@config_options()
def runs(site: str | None, limit: int, offset: int, since: dt.datetime | None, as_json: bool, config: Config) -> None:
    """Crawl runs, newest first: when, how they ended, what they found, and every problem they met."""
    from archive.query import health
    from archive.query.reports import require_site

    with archive_session(config) as session:
        if site:
            require_site(session, site)
        page = health.list_runs(session, site=site, limit=limit, offset=offset, since=since)
    rows = [r.to_json() for r in page.items]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Crawl runs", caption=page_caption(page, "runs"))
    for col in (
        "id",
        "site",
        f"started ({ZONE_LABEL})",
        "status",
        "pages",
        "new",
        "changed",
        "removed",
        "skipped",
        "errors",
        "messages",
    ):
        table.add_column(col, overflow="fold", no_wrap=col != "messages")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["site_id"],
            local(r["started_at"], seconds=True),
            label(RunStatus, r["status"]),
            str(r["pages_fetched"]),
            str(r["reports_new"]),
            str(r["reports_changed"]),
            str(r["reports_removed"]),
            str(r["skipped"]),
            str(r["errors"]),
            "\n".join(r["messages"]),
        )
    console.print(table)
