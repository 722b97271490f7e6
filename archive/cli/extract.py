"""`fazhi extract`: the extractor on one saved page, as a crawl would run it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from archive.bounds import MAX_FILE_BYTES
from archive.cli.main import cli
from archive.cli.options import json_option
from archive.cli.render import console, err_console, print_json
from archive.errors import BadUsage

# Read as a page: what a portal serves as HTML (a plain text or empty answer too). Anything else is a document.
PAGE_TYPES = ("text/html", "text/plain", "application/x-empty")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--url", default=None, help="The URL the page was served from (resolves links, dates).")
@json_option
def extract(file: str, url: str | None, as_json: bool) -> None:
    """Run the extractor on one saved page or document (its bytes as served; `-` reads standard input).

    A page (HTML) gives its title, date, publisher, report text and attachment links; an attachment (.docx, .pdf,
    .doc/.wps, told by its bytes, whatever its name) gives its text, as a crawl would archive it. Reads at most
    64 MB.
    """
    from rich.text import Text

    from archive.cli.render import plain, print_text
    from archive.extract import AttachmentError, extract_file, extract_page
    from archive.extract.sniff import sniff_media_type

    name = "standard input" if file == "-" else file
    data = _read(file, name)
    media_type = sniff_media_type(data, name)
    if media_type not in PAGE_TYPES:
        try:
            found = extract_file(data, name)
        except AttachmentError as exc:
            raise BadUsage(f"no text to be had: {exc}") from None
        doc: dict[str, Any] = {
            "title": None,
            "published_date": None,
            "publisher": None,
            "text": found.text,
            "attachments": [],
            "media_type": found.media_type,
        }
        warnings = list(found.warnings)
    else:
        page_url = url or ("stdin:" if file == "-" else Path(file).resolve().as_uri())
        ex = extract_page(data, page_url)
        doc = {
            "title": ex.title,
            "published_date": ex.published_date.isoformat() if ex.published_date else None,
            "publisher": ex.publisher,
            "text": ex.text,
            "attachments": [{"url": a.url, "filename": a.filename} for a in ex.attachments],
            "media_type": media_type,
        }
        warnings = list(ex.warnings)
    if as_json:
        print_json(doc)
    else:
        if doc["title"] is not None:
            console.print(
                Text.assemble(
                    plain(doc["title"], "bold"), plain(f"  {doc['published_date'] or ''}  {doc['publisher'] or ''}")
                ),
                soft_wrap=True,
            )
        print_text(doc["text"])
        for a in doc["attachments"]:
            console.print(f"附件: {a['filename']} <{a['url']}>")
    for warning in warnings:
        err_console.print(f"warning: {warning}")


def _read(file: str, name: str) -> bytes:
    """The bytes of `file` (`-`: standard input), at most MAX_FILE_BYTES."""
    if file == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    else:
        with Path(file).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise BadUsage(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB, the most a page is read (crawls too)")
    return data
