"""`fazhi search`: full-text search of the archive."""

from __future__ import annotations

import click

from archive.cli.main import cli
from archive.cli.options import KIND, NUMBER, SEARCH_LIMIT, YEAR, archive_session, config_options, json_option
from archive.cli.render import console, print_json
from archive.config import Config


@cli.command()
@click.argument("query_text", metavar="QUERY")
@click.option("--site", help="Only this site id.")
@click.option("--region", help="Only sites whose region holds this (e.g. 杭州市).")
@click.option("--year", type=YEAR, help="Only reports about this year.")
@click.option("--kind", type=KIND, help="Only this kind (its value or its label: annual_report or 政府年度报告).")
@click.option("--limit", type=NUMBER, default=SEARCH_LIMIT, show_default=True)
@click.option("--all-versions", is_flag=True, help="Search every version, not only the latest of each report.")
@json_option
@config_options()
def search(
    query_text: str,
    site: str | None,
    region: str | None,
    year: int | None,
    kind: str | None,
    limit: int,
    all_versions: bool,
    as_json: bool,
    config: Config,
) -> None:
    """Full-text search of report titles, texts and attachment texts; every space-separated term must occur.

    Terms of two characters or more are found anywhere (Chinese needs no spaces); full-width and half-width
    forms and letter case are folded. Best matches first; the snippet marks each term 【like this】.
    """
    from archive.cli.render import search_table
    from archive.query.reports import require_site
    from archive.search.find import search as search_reports

    with archive_session(config) as session:
        if site:
            require_site(session, site)
        rows = search_reports(
            session,
            query_text,
            site=site,
            year=year,
            kind=kind,
            region=region,
            limit=limit,
            all_versions=all_versions,
        )
    docs = [r.to_json() for r in rows]
    if as_json:
        print_json(docs)
        return
    console.print(search_table(docs, title=f"Reports matching {query_text!r}", colour=console.is_terminal))
