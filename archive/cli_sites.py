"""`fazhi sites check`: confirm registry entries against the live portals, one line per site."""

from __future__ import annotations

import sys

import click

from archive.cli import config_options, json_option
from archive.cli_schedule import sites
from archive.config import Config
from archive.render import err_console, print_json
from archive.sitecheck import line, run_check


@sites.command("check")
@click.argument("site_ids", nargs=-1)
@json_option
@config_options
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
