"""`fazhi sites`: the registry's sites with their health, and `fazhi sites check`, which confirms registry entries
against the live portals, one line per site."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from archive.cli.main import cli
from archive.cli.options import REGION_OPTION, archive_session, config_options, json_option
from archive.cli.render import console, err_console, print_json
from archive.clock import ZONE_LABEL, local
from archive.config import Config
from archive.runner.sitecheck import line, run_check
from archive.vocab import NEVER_RUN, RunStatus, label


@cli.group(invoke_without_command=True)
@REGION_OPTION
@json_option
@config_options(sites=True)
@click.pass_context
def sites(ctx: click.Context, regions: tuple[str, ...], as_json: bool, config: Config) -> None:
    """The registry's sites with their health: last run, last good run, failures in a row, next scheduled run.

    `fazhi sites check` checks the entries against the portals themselves."""
    if ctx.invoked_subcommand is not None:
        return
    from archive.query import health
    from archive.registry.sites import load_registry, select_sites

    registry = select_sites(load_registry(config.sites_path), (), regions=regions)
    with archive_session(config) as session:
        rows = [r.to_json() for r in health.site_health(session, registry)]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Sites")
    when = f"({ZONE_LABEL})"
    for col in (
        "id",
        "name",
        "platform",
        "schedule",
        f"last run {when}",
        "status",
        f"last ok {when}",
        "failures",
        f"next run {when}",
    ):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["id"],
            r["name"],
            r["platform"],
            r["schedule"],
            local(r["last_run_at"]),
            label(RunStatus, r["last_status"]) if r["last_status"] else NEVER_RUN,
            local(r["last_ok_at"]),
            str(r["consecutive_failures"]),
            local(r["next_run_at"]) or "not scheduled",
        )
    console.print(table)


@sites.command("check")
@click.argument("site_ids", nargs=-1)
@json_option
@config_options(sites=True)
def check(site_ids: tuple[str, ...], as_json: bool, config: Config) -> None:
    """Fetch each site's start pages once, politely, and say whether its registry entry holds.

    Detects the platform, counts list entries and report candidates on the first page of each column, tree
    root and site search, and prints one line per site: ok, unreachable, blocked (412/403, JavaScript
    challenge), moved (404/410 or redirected elsewhere), wrong platform, or no candidates. Archives nothing.
    Exit 1 when any site is not ok.
    """
    outcome = run_check(config, site_ids)
    if outcome.returncode == 2 or (outcome.error and not outcome.sites):
        err_console.print(outcome.error or "the check failed")
        sys.exit(2 if outcome.returncode == 2 else 1)
    if as_json:
        print_json(outcome.sites)
    else:
        for record in outcome.sites:
            click.echo(line(record))  # one line each, never wrapped
    if any(r["status"] != "ok" for r in outcome.sites) or outcome.returncode:
        sys.exit(1)
