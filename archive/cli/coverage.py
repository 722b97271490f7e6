"""`fazhi coverage`: which sites published their annual report for which year, on time or not."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table
from rich.text import Text

from archive.cli.main import cli
from archive.cli.options import YEAR, archive_connection, archive_session, config_options
from archive.cli.render import aligned, console, err_console, print_json
from archive.config import Config
from archive.errors import BadUsage
from archive.vocab import CoverageStatus, label

if TYPE_CHECKING:
    from archive.query.coverage import CoverageRow

STATUS_STYLES = {
    CoverageStatus.ON_TIME: "green",
    CoverageStatus.LATE: "yellow",
    CoverageStatus.MISSING: "red",
    CoverageStatus.PENDING: "blue",
}
CSV_COLUMNS = ("site_id", "region", "year", "status", "report_id", "published_date", "due_date", "date_source")


@cli.command(name="coverage")
@click.option("--year", type=YEAR, help="Only this year (the year reported on).")
@click.option("--site", help="Only this site id.")
@click.option("--region", help="Only sites whose region holds this (广东省, 杭州市).")
@click.option(
    "--by",
    type=click.Choice(["province", "city"]),
    help="Count per province (or per city) and year: governments, on time, late, missing, pending, shares.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (UTF-8 with BOM, so Excel reads the Chinese).")
@click.option(
    "--completeness", is_flag=True, help="Also count the required sections each counted report has (reads its text)."
)
@config_options()
def coverage_command(
    year: int | None,
    site: str | None,
    region: str | None,
    by: str | None,
    as_json: bool,
    as_csv: bool,
    completeness: bool,
    config: Config,
) -> None:
    """Who published their annual report for which year: on time, late, missing or pending.

    One row per site and year, from the earliest year any annual report in the archive covers to the year just
    ended. A report is due by 1 April of the next year (Beijing date); until then a year without one is pending.
    Only the governments' own annual reports count, not department reports. The date counted is the page's
    publication date, else the day the archive first saw it (`date_source`). `--by province` (or `city`) counts
    the rows per area instead: how many governments, and the shares that published on time or at all.
    """
    if as_json and as_csv:
        raise BadUsage("choose one of --json and --csv")
    if by and completeness:
        raise BadUsage("--completeness counts each report's sections; it does not go with --by")
    from archive.query.coverage import coverage, unread_sites

    # Counting sections reads the texts through the ORM; the rest are plain rows, read without loading it.
    with archive_session(config) if completeness else archive_connection(config) as reader:
        rows = coverage(reader, year=year, site=site, completeness=completeness, region=region)
        unread = unread_sites(reader, {r.site_id for r in rows})
    if by:
        _print_areas(rows, by, as_json, as_csv)
    elif as_json:
        print_json([r.to_dict(completeness) for r in rows])
    elif as_csv:
        _write_csv(rows, completeness)
    else:
        console.print(coverage_table(rows, completeness))
        console.print(_summary(rows))
    if unread:
        # On stderr, so --json and --csv stay documents; the area counts (--by) include these sites too.
        families = ", ".join(sorted(set(unread.values())))
        err_console.print(
            f"note: {len(unread)} site(s) run a platform family fazhi cannot read the lists of yet ({families}): "
            f"{', '.join(sorted(unread)[:10])}{' …' if len(unread) > 10 else ''}; a missing report there may be "
            "fazhi's miss, not theirs"
        )


def _write_csv(rows: Sequence[CoverageRow], completeness: bool) -> None:
    columns: tuple[str, ...] = CSV_COLUMNS + (("required_sections", "missing_sections") if completeness else ())
    docs = []
    for r in rows:
        doc: dict[str, Any] = r.to_dict(completeness)
        if doc.get("missing_sections") is not None:
            doc["missing_sections"] = " ".join(doc["missing_sections"])
        docs.append(doc)
    _emit_csv(docs, columns)


def _emit_csv(docs: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> None:
    out = io.StringIO(newline="")
    # Excel takes a CSV without a byte order mark for the local code page and garbles the Chinese.
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for doc in docs:
        writer.writerow({k: "" if doc.get(k) is None else doc[k] for k in columns})
    # Bytes, not text: the BOM and the Chinese must reach the file as UTF-8 whatever the terminal's encoding.
    sys.stdout.flush()
    sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
    sys.stdout.buffer.flush()


def _print_areas(rows: Sequence[CoverageRow], by: str, as_json: bool, as_csv: bool) -> None:
    from archive.query.national import AreaCoverage, by_area

    areas = by_area(rows, by)
    if as_json:
        print_json([a.to_json() for a in areas])
        return
    if as_csv:
        _emit_csv([a.to_json() for a in areas], tuple(f.name for f in fields(AreaCoverage)))
        return
    table = Table(title=f"Annual report coverage by {by} (due 1 April of the next year)")
    for col in ("area", "year", "governments", "on time", "late", "missing", "pending", "published", "on time %"):
        table.add_column(col, no_wrap=True, justify="left" if col == "area" else "right")
    for a in areas:
        table.add_row(
            a.area,
            str(a.year),
            str(a.governments),
            str(a.on_time),
            str(a.late),
            str(a.missing),
            str(a.pending),
            f"{a.published_share:.0%}",
            f"{a.on_time_share:.0%}",
        )
    console.print(table)
    if not areas:
        console.print("no sites in the archive")


def coverage_table(rows: Sequence[CoverageRow], completeness: bool = False) -> Text:
    from archive.extract.sections import REQUIRED

    columns = ["site", "region", "year", "status", "published", "due", "report"]
    if completeness:
        columns.append(f"sections /{len(REQUIRED)}")
    lines = []
    for r in rows:
        published = r.published_date.isoformat() if r.published_date else ""
        if r.date_source == "first_seen":
            published += " (first seen)"
        cells = [
            r.site_id,
            r.region,
            str(r.year),
            label(CoverageStatus, r.status),
            published,
            r.due_date.isoformat(),
            str(r.report_id or ""),
        ]
        if completeness:
            cells.append(_sections_cell(r))
        lines.append(cells)
    title = "Annual report coverage (due 1 April of the next year)"
    return aligned(title, columns, lines, [STATUS_STYLES[r.status] for r in rows])


def _sections_cell(row: CoverageRow) -> str:
    if row.required_sections is None:
        return ""
    lacking = f" (no {', '.join(row.missing_sections)})" if row.missing_sections else ""
    return f"{row.required_sections}{lacking}"


def _summary(rows: Sequence[CoverageRow]) -> str:

    counts = Counter(r.status for r in rows)
    return (
        ", ".join(f"{label(CoverageStatus, s)} {counts[s]}" for s in CoverageStatus)
        if rows
        else "no sites in the archive"
    )
