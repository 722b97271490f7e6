"""`fazhi reports`, `show`, `history` and `diff`: the archived reports, one report, its versions, what changed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from archive.cli.main import cli
from archive.cli.options import (
    KIND,
    NUMBER,
    OFFSET,
    SINCE,
    STATUS,
    YEAR,
    archive_connection,
    config_options,
    json_option,
    page_caption,
)
from archive.cli.render import console, diff_lines, err_console, print_json
from archive.config import Config
from archive.vocab import Kind, ReportStatus, label

if TYPE_CHECKING:
    from archive.diff import Row


@cli.command()
@click.option("--site", help="Only this site id.")
@click.option("--year", type=YEAR, help="Only reports about this year.")
@click.option("--kind", type=KIND, help="Only this kind (its value or its label: annual_report or 政府年度报告).")
@click.option("--status", type=STATUS, help="Only this status (active 在线, removed 已撤下).")
@click.option(
    "--since", type=SINCE, metavar="TIME", help="Only reports new, changed or removed at or after TIME (ISO 8601)."
)
@click.option("--limit", type=NUMBER, help="At most this many reports (default: all).")
@click.option("--offset", type=OFFSET, default=0, help="Skip this many reports first (the next page).")
@json_option
@config_options()
def reports(
    site: str | None,
    year: int | None,
    kind: str | None,
    status: str | None,
    since: dt.datetime | None,
    limit: int | None,
    offset: int,
    as_json: bool,
    config: Config,
) -> None:
    """List archived reports, by site and newest year first.

    --since takes a date or time (2024-04-01, 2024-04-01T08:00+08:00; Beijing time when it has no offset) and keeps
    the reports first seen, changed or removed since then. --limit and --offset page through the list.
    """
    from archive.cli.render import reports_table
    from archive.query.reports import list_reports, require_site

    with archive_connection(config) as conn:
        if site:
            require_site(conn, site)
        page = list_reports(
            conn, site=site, year=year, kind=kind, status=status, since=since, limit=limit, offset=offset
        )
    rows = [r.to_json() for r in page.items]
    if as_json:
        print_json(rows)
    else:
        table = reports_table(rows)
        table.caption = page_caption(page, "reports")
        console.print(table)


@cli.command()
@click.argument("report_id", type=int)
@click.option("--version", "version", type=int, help="This version instead of the latest.")
@json_option
@config_options()
def show(report_id: int, version: int | None, as_json: bool, config: Config) -> None:
    """Show one report's text and metadata (latest version unless --version)."""
    from archive.cli.render import print_text
    from archive.query.reports import show_report

    with archive_connection(config) as conn:
        doc = show_report(conn, report_id, version).to_json()
    if as_json:
        print_json(doc)
        return
    console.print(doc["title"], style="bold", soft_wrap=True)
    console.print(
        f"{doc['publisher']} · {doc['year'] or '?'} · {label(Kind, doc['kind'])} · published "
        f"{doc['published_date'] or '?'} · version {doc['version']}/{doc['version_count']} · "
        f"{label(ReportStatus, doc['status'])}"
    )
    console.print(doc["url"], style="dim")
    if doc["replacement_chars"]:
        err_console.print(
            f"warning: {doc['replacement_chars']} characters of this page could not be decoded "
            f"(read as {doc['encoding']}); the raw bytes are kept in the archive",
        )
    if doc["sections"]:
        headings = [s["heading"] for s in doc["sections"] if s["level"] == 1]
        where = "" if doc["sections_source"] == "text" else f" (in {doc['sections_source']})"
        console.print(f"sections{where}: " + " · ".join(headings))
    if doc["missing_sections"]:
        console.print("missing required sections: " + ", ".join(doc["missing_sections"]), style="yellow")
    console.print()
    print_text(doc["text"])
    for att in doc["attachments"]:
        state = f"{len(att['text'] or '')} chars" if att["text"] is not None else "no text"
        console.print(f"\n附件: {att['filename']} ({att['media_type'] or '?'}, {state})")


@cli.command()
@click.argument("report_id", type=int)
@json_option
@config_options()
def history(report_id: int, as_json: bool, config: Config) -> None:
    """List a report's versions."""
    from archive.cli.render import history_table
    from archive.query.reports import history as version_history

    with archive_connection(config) as conn:
        rows = [v.to_json() for v in version_history(conn, report_id).items]
    if as_json:
        print_json(rows)
    else:
        console.print(history_table(rows))


@cli.command()
@click.argument("report_id", type=int)
@click.option("--from", "from_version", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "to_version", type=int, help="Newer version (default: the latest).")
@json_option
@config_options()
def diff(report_id: int, from_version: int | None, to_version: int | None, as_json: bool, config: Config) -> None:
    """Show what changed between two versions of a report (default: the last two).

    Paragraphs are paired first, then the characters of each changed pair are marked, as the web page shows them:
    inside a changed paragraph `[-…-]` is what went and `{+…+}` what came (in colour on a terminal), with a little
    of the unchanged text around each change; a paragraph only one side has is shown whole, `-` or `+`. --json gives
    the paired paragraphs as spans, `{tag, old_no, new_no, old, new, skipped}` a row.
    """
    from archive.diff import side_by_side
    from archive.query.reports import get_version

    with archive_connection(config) as conn:
        if from_version is not None:
            get_version(conn, report_id, from_version)  # a bad --from is reported before --to
        new = get_version(conn, report_id, to_version)
        if from_version is None and new.version == 1:
            if as_json:
                print_json({"report_id": report_id, "from": 1, "to": 1, "rows": []})
            else:
                console.print(f"report {report_id} has only one version: nothing to compare")
            return
        old = get_version(conn, report_id, new.version - 1 if from_version is None else from_version)
    rows = [r for r in side_by_side(old.text, new.text, context=0) if r.tag != "skipped"]
    if as_json:
        print_json({"report_id": report_id, "from": old.version, "to": new.version, "rows": [_row(r) for r in rows]})
        return
    if not rows:
        console.print(f"versions {old.version} and {new.version} have the same text")
        return
    console.print(f"report {report_id}: version {old.version} → version {new.version}", style="bold")
    for text in diff_lines(rows, colour=console.is_terminal):
        console.print(text, soft_wrap=True)


def _row(row: Row) -> dict[str, Any]:
    return {
        "tag": row.tag,
        "old_no": row.old_no,
        "new_no": row.new_no,
        "old": [{"text": s.text, "changed": s.changed} for s in row.old],
        "new": [{"text": s.text, "changed": s.changed} for s in row.new],
        "skipped": row.skipped,
    }
