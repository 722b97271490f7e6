"""`fazhi serve`: the web UI, JSON API and Atom feeds over the archive, read-only."""

from __future__ import annotations

import click

from archive.cli import cli, config_options
from archive.config import Config
from archive.render import err_console


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request on stderr.")
@config_options
def serve(host: str, port: int, access_log: bool, config: Config) -> None:
    """Serve the archive in a browser: reports, search, report pages with diffs, coverage, sites; a JSON API under
    /api/ (the shapes of --json; /openapi.json describes it) and Atom feeds under /feeds/.

    Read-only: no request changes the archive. Listens on 127.0.0.1 unless --host says otherwise. Refuses to start,
    like every read command, on a database that holds no archive or one of another release.
    """
    # Loaded here: the web stack and the registry loader are only needed by this command.
    import uvicorn

    import scheduler
    from archive.db import describe, parse_url
    from archive.web.app import create_app
    from archive.web.engine import open_archive

    registry = scheduler.load_sites(config)
    engine = open_archive(config.db_url)
    app = create_app(engine, registry)
    where = describe(parse_url(config.db_url))
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"fazhi: serving the archive at {where} on http://{shown}:{port}/", markup=False, soft_wrap=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        server_header=False,
        # Request limits: connections beyond these many at once are answered 503 rather than queued without end.
        limit_concurrency=200,
        timeout_keep_alive=5,
    )
