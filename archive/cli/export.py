"""`fazhi export`: the archive in formats standard tools read (JSON Lines, CSV for Excel, WARC for replay)."""

from __future__ import annotations

import io

import click

from archive.cli.main import cli
from archive.cli.options import YEAR, archive_session, config_options
from archive.config import Config

# archive.query.export.FORMATS, not imported for it (test_cli_startup checks that the two agree).
FORMATS = ("jsonl", "csv", "warc")


@cli.command(name="export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="jsonl, csv or warc.")
@click.option("--site", help="Only this site id.")
@click.option("--year", type=YEAR, help="Only reports on this year.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.argument("out")
@config_options()
def export_command(fmt: str, site: str | None, year: int | None, force: bool, out: str, config: Config) -> None:
    """Export reports to OUT (a file; `-` for standard output).

    jsonl and csv: one report a row with its latest text, in the shape of `fazhi show --json` (CSV in UTF-8
    with a byte order mark, attachments one per line in their cells). warc: a gzipped WARC with a request and a
    response record for every HTTP exchange the archive holds for those reports (pages, attachments,
    redirects, 304s and 404s), bodies as captured; warcio and pywb read it.

    OUT is written whole or not at all (a temporary file renamed when done); an existing file is replaced only
    with --force, and the archive's own files never.
    """
    from archive.cli.outfile import output
    from archive.query.export import write_csv, write_jsonl, write_warc
    from archive.query.reports import require_site
    from archive.store.db import archive_files

    protected = archive_files(config.db_url)
    with archive_session(config) as session:
        if site:
            require_site(session, site)
        with output(out, force=force, protected=protected) as stream:
            if fmt == "warc":
                n = write_warc(session, stream, site=site, year=year)
                what = "exchanges"
            else:
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
                try:
                    n = (write_jsonl if fmt == "jsonl" else write_csv)(session, text, site=site, year=year)
                finally:
                    text.flush()
                    text.detach()
                what = "reports"
    if out != "-":
        click.echo(f"{n} {what} written to {out}", err=True)
