"""`fazhi export`: the archive in formats standard tools read (JSON Lines, CSV for Excel, WARC for replay)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

from archive.cli import YEAR, archive_session, cli, config_options
from archive.config import Config
from archive.errors import BadUsage

# archive.export.FORMATS, not imported for it (test_cli_startup checks that the two agree).
FORMATS = ("jsonl", "csv", "warc")


@cli.command(name="export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="jsonl, csv or warc.")
@click.option("--site", help="Only this site id.")
@click.option("--year", type=YEAR, help="Only reports on this year.")
@click.argument("out")
@config_options
def export_command(fmt: str, site: str | None, year: int | None, out: str, config: Config) -> None:
    """Export reports to OUT (a file; `-` for standard output).

    jsonl and csv: one report a row with its latest text, in the shape of `fazhi show --json` (CSV in UTF-8
    with a byte order mark, attachments one per line in their cells). warc: a gzipped WARC with a request and a
    response record for every HTTP exchange the archive holds for those reports (pages, attachments,
    redirects, 304s and 404s), bodies as captured; warcio and pywb read it.
    """
    from archive.export import write_csv, write_jsonl, write_warc

    with archive_session(config) as session, _binary(out) as stream:
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


@contextmanager
def _binary(out: str) -> Iterator[IO[bytes]]:
    if out == "-":
        sys.stdout.flush()  # text written before goes first; the export writes bytes to the buffer beneath
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        with Path(out).open("wb") as f:
            yield f
    except OSError as exc:
        raise BadUsage(f"cannot write {out}: {exc.strerror or exc}") from exc
