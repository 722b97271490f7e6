"""`fazhi serve`: the web UI, JSON API and Atom feeds over the archive, read-only."""

from __future__ import annotations

import click

from archive.cli.main import cli
from archive.cli.options import config_options
from archive.cli.render import err_console
from archive.config import Config


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--base-url",
    metavar="URL",
    help="The public address of the site, for the links in feeds and citations [env FAZHI_BASE_URL; default: "
    "the address listened on].",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request on stderr.")
@config_options(sites=True)
def serve(host: str, port: int, base_url: str | None, access_log: bool, config: Config) -> None:
    """Serve the archive in a browser: reports, search, report pages with diffs, coverage, sites; a JSON API under
    /api/ (the shapes of --json; /openapi.json describes it) and Atom feeds under /feeds/.

    Read-only: no request changes the archive. Listens on 127.0.0.1 unless --host says otherwise. Refuses to start,
    like every read command, on a database that holds no archive or one of another release, and on a port that is
    taken. Links in feeds and citations use --base-url, never the Host a request names. A connection that sends no
    whole request within 10 seconds is closed.
    """
    # Loaded here: the web stack is only needed by this command.
    from archive.registry.sites import load_registry
    from archive.store.db import describe, parse_url
    from archive.store.handle import Archive
    from archive.web.app import create_app
    from archive.web.server import check_base_url, listen, listening_at, public_base, run

    registry = load_registry(config.sites_path)
    public = base_url or config.base_url
    if public:
        public = check_base_url(public)
    archive = Archive.open(config, read_only=True)
    try:
        sock = listen(host, port)
    except BaseException:
        archive.close()
        raise
    with sock:
        app = create_app(archive, registry, base_url=public_base(sock, public))
        where = describe(parse_url(config.db_url))
        also = f" (public address {public})" if public else ""
        err_console.print(f"fazhi: serving the archive at {where} on {listening_at(sock)}{also}", soft_wrap=True)
        run(app, sock, access_log=access_log)
