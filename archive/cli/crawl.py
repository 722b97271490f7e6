"""`fazhi crawl`, `reextract` and `demo`: what makes and remakes the archive."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from archive.cli.main import cli
from archive.cli.options import REGION_OPTION, config_options, json_option
from archive.cli.render import (
    ProgressPrinter,
    console,
    err_console,
    plain,
    print_crawl,
    print_json,
    reports_table,
)
from archive.config import Config

if TYPE_CHECKING:
    from archive.runner.crawl import CrawlReport


@cli.command()
@click.argument("site_ids", nargs=-1)
@REGION_OPTION
@config_options(sites=True, notify=True)
def crawl(site_ids: tuple[str, ...], regions: tuple[str, ...], config: Config) -> None:
    """Crawl SITE_IDS and the sites of each --region (all registry sites when none), archive what is new or
    changed, send alerts.

    Exit 0 when every site was crawled cleanly; 1 when some site or page failed or an alert did not go out (each
    failure is printed), a site ran past its time limit or the crawl was stopped (SIGTERM/SIGINT: the crawler stops
    too, its runs are recorded interrupted); 2 for a bad registry, an unknown site id or an archive that cannot be
    used (nothing is fetched). Creates the archive in an empty database; an archive from an older release needs
    `fazhi db upgrade` first.
    """
    from archive.cli.render import ProgressPrinter, print_crawl
    from archive.runner.crawl import crawl as crawl_sites

    report = crawl_sites(config, site_ids, ProgressPrinter(), regions=regions)
    print_crawl(report, notify=bool(config.notify_urls))
    sys.exit(report.returncode)


@cli.command()
@click.option("--site", help="Only this site id.")
@json_option
@config_options()
def reextract(site: str | None, as_json: bool, config: Config) -> None:
    """Re-derive report texts from the stored raw captures with the current extractor (no crawling).

    A new version is made only where the text changed; each version records the extractor version that made it.
    Reports that an older archive merged by their text alone are split again, and versions that changed
    nothing (only a late attachment) are folded into the version they complete.
    """
    from archive.cli.render import FAILURE_MARK, marked
    from archive.query.reports import require_site
    from archive.store.handle import Archive
    from archive.store.reextract import reextract as run_reextract

    with Archive.open(config) as archive:
        if site:
            with archive.session() as session:
                require_site(session, site)
        summary = run_reextract(archive.sessions, site)
    if as_json:
        print_json(
            {
                "checked": summary.checked,
                "changed": summary.changed,
                "failed": list(summary.failed),
                "split": summary.split,
                "folded": summary.folded,
            }
        )
    else:
        console.print(f"{summary.checked} reports checked, {summary.changed} got a new version")
        if summary.split or summary.folded:
            console.print(
                f"repaired: {summary.split} report(s) split off a report they were wrongly merged into, "
                f"{summary.folded} version(s) that were no change folded away"
            )
        for failure in summary.failed:
            err_console.print(marked(FAILURE_MARK, failure))
    if summary.failed:
        sys.exit(1)


@cli.command()
def demo() -> None:
    """Run the whole pipeline against the bundled local portal simulator (no internet needed).

    The demo archive is $FAZHI_HOME/demo.db, made afresh on every run; your own archive is not touched. The
    simulated portals stop with the demo; the archive stays, and the closing lines say how to explore it.
    """
    from archive.runner.demo import run_demo

    result = run_demo(Config.from_env(), _DemoPrinter())
    console.print(reports_table([r.to_json() for r in result.reports], title="Archived demo reports"))
    example = result.corrected_id or (result.reports[0].id if result.reports else 1)
    console.print(
        f"The demo archive stays at {result.db_path}; the simulated portals stopped with the demo. Explore it:\n"
        f"  export FAZHI_DB_URL=sqlite:///{result.db_path}\n"
        f"  fazhi reports\n  fazhi show {example}\n  fazhi history {example}\n  fazhi diff {example}\n"
        f"  fazhi serve\n"
        "To crawl the simulator yourself, see “Try it on the simulator” in the README.",
        soft_wrap=True,
    )
    sys.exit(result.returncode)


class _DemoPrinter:
    """The demo's steps on stderr, as a crawl shows its own."""

    def __init__(self) -> None:
        self._progress = ProgressPrinter()

    def waiting(self, home: Path) -> None:
        err_console.print(f"another `fazhi demo` is running on {home}: waiting for it to finish …")

    def simulator_up(self, sites: Sequence[tuple[str, str]]) -> None:
        listed = ", ".join(f"{site} ({platform})" for site, platform in sites)
        err_console.print(Text.assemble(("Portal simulator", "bold"), f" up: {listed}"))

    def progress(self, event: dict[str, Any]) -> None:
        self._progress(event)

    def crawled(self, report: CrawlReport, notify: bool) -> None:
        print_crawl(report, notify)

    def correcting(self, title: str) -> None:
        err_console.print(
            Text.assemble("\n", ("Simulating a correction", "bold"), plain(f" of “{title}” and crawling again …"))
        )
