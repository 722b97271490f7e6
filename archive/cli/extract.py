"""`fazhi extract`: the extractor on one saved page, as a crawl would run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from archive.bounds import MAX_FILE_BYTES
from archive.cli.main import cli
from archive.cli.options import json_option
from archive.cli.render import console, err_console, print_json
from archive.errors import BadUsage


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default=None, help="The URL the page was served from (resolves links, dates).")
@json_option
def extract(file: Path, url: str | None, as_json: bool) -> None:
    """Run the extractor on one saved page (its bytes as served)."""
    from rich.text import Text

    from archive.cli.render import plain, print_text
    from archive.extract import extract_page

    with file.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise BadUsage(f"{file} is larger than {MAX_FILE_BYTES // 2**20} MB, the most a page is read (crawls too)")
    ex = extract_page(data, url or file.resolve().as_uri())
    doc: dict[str, Any] = {
        "title": ex.title,
        "published_date": ex.published_date.isoformat() if ex.published_date else None,
        "publisher": ex.publisher,
        "text": ex.text,
        "attachments": [{"url": a.url, "filename": a.filename} for a in ex.attachments],
    }
    if as_json:
        print_json(doc)
        return
    console.print(
        Text.assemble(plain(doc["title"], "bold"), plain(f"  {doc['published_date'] or ''}  {doc['publisher'] or ''}")),
        soft_wrap=True,
    )
    print_text(doc["text"])
    for a in doc["attachments"]:
        console.print(f"附件: {a['filename']} <{a['url']}>")
    for warning in ex.warnings:
        err_console.print(f"warning: {warning}")
