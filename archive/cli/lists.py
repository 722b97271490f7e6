"""`fazhi relist` and `fazhi vanished`: the lists that crawls stored, read again offline with the current adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from rich.table import Table

from archive.cli.main import cli
from archive.cli.options import ID, archive_session, config_options, json_option
from archive.cli.render import console, err_console, print_json
from archive.clock import ZONE_LABEL, local
from archive.config import Config
from archive.errors import NotFound
from archive.vocab import RunStatus, label

if TYPE_CHECKING:
    from archive.query.relist import Relisted
    from archive.query.vanished import Vanished

PAGE_LABELS = {"answers": "still answers", "gone": "removed", "failing": "failing", "unknown": "never fetched"}


@cli.command(name="relist")
@click.option("--site", help="Only this site id.")
@click.option("--run", "run_id", type=ID, help="This crawl run (default: the latest with lists, of each site).")
@json_option
@config_options()
def relist_command(site: str | None, run_id: int | None, as_json: bool, config: Config) -> None:
    """Read the list pages a crawl stored again with the current list adapters (no network).

    For each run (the latest of each site unless --run): every list page or list-API answer it stored, the
    entries each holds now, whether the lists were read whole, how many entries are archived reports, and the
    entries titled like a report that the archive holds no report for (`fetched`: a crawl read the page and
    left it out). Useful after a list adapter was fixed: what would the next crawl find?
    """
    from archive.query.relist import relist
    from archive.query.reports import require_site

    with archive_session(config) as session:
        if site:
            require_site(session, site)
        rows = relist(session, site=site, run=run_id)
    if run_id is not None and not rows:
        raise NotFound(f"no crawl run {run_id} with stored list pages" + (f" of site {site}" if site else ""))
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    if not rows:
        console.print("no crawl run with stored list pages")
    for r in rows:
        _print_run(r)


def _print_run(r: Relisted) -> None:
    lists = r.lists
    table = Table(
        title=f"run {lists.run_id} · {lists.site_id} · {local(lists.started_at)} {ZONE_LABEL} · "
        f"{label(RunStatus, lists.run_status)}"
        f" · read as {lists.platform or '?'}",
        title_justify="left",
    )
    for col in ("list page", "status", "entries", "problem"):
        table.add_column(col, overflow="fold")
    for a in lists.answers:
        table.add_row(f"{a.method} {a.url}", str(a.status), str(len(a.entries)), a.error or "")
    console.print(table)
    console.print(
        f"{len(lists.entries)} entries, {r.candidates} titled like a report, {r.archived} archived reports; "
        f"lists {'read whole' if lists.complete else 'not read whole'}",
    )
    for problem in lists.problems:
        err_console.print(f"  not whole: {problem}")
    for entry, fetched in r.unarchived:
        note = "fetched, not archived" if fetched else "not fetched yet"
        console.print(f"  not archived ({note}): {entry.title} <{entry.url}>")


@cli.command(name="vanished")
@click.option("--site", help="Only this site id.")
@json_option
@config_options()
def vanished_command(site: str | None, as_json: bool, config: Config) -> None:
    """Reports that vanished from their site's lists: listed on one crawl, absent from every later crawl's lists.

    Only runs whose lists were read whole count as evidence of absence. For each report: the last run whose
    lists held it, the first run after that whose lists did not, and what its page last answered (still
    answers: only unlinked; removed: 404/410). The stored list pages are read again with the current adapters.
    """
    from archive.query.reports import require_site
    from archive.query.vanished import vanished

    with archive_session(config) as session:
        if site:
            require_site(session, site)
        rows = vanished(session, site=site)
    if as_json:
        print_json([v.to_json() for v in rows])
        return
    console.print(vanished_table(rows))


def vanished_table(rows: list[Vanished]) -> Table:
    table = Table(title="Reports no longer on their site's lists")
    for col in ("id", "site", "last listed", "first unlisted", "runs since", "page", "title"):
        table.add_column(col, overflow="fold", no_wrap=col != "title")
    for v in rows:
        table.add_row(
            str(v.report_id),
            v.site_id,
            f"run {v.last_listed.id} · {v.last_listed.started_at:%Y-%m-%d}",
            f"run {v.first_unlisted.id} · {v.first_unlisted.started_at:%Y-%m-%d}",
            str(v.unlisted_runs),
            f"{PAGE_LABELS[v.page]} ({v.page_status})" if v.page_status else PAGE_LABELS[v.page],
            v.title,
        )
    return table
