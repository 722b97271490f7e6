"""`fazhi db upgrade`: the archive's schema brought to this release."""

from __future__ import annotations

from archive.cli.main import cli
from archive.cli.options import config_options
from archive.cli.render import console
from archive.config import Config


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@config_options()
def db_upgrade(config: Config) -> None:
    """Bring the database schema to the latest migration (same as `alembic upgrade head`).

    Makes the schema in an empty database; refuses a database that is not a Fazhi archive.
    """
    from archive.store.db import describe, make_engine
    from archive.store.migrate import HEAD, upgrade_archive

    config.make_home()
    engine = make_engine(config.db_url)
    try:
        before = upgrade_archive(engine)
    finally:
        engine.dispose()
    where = describe(engine.url)
    if before == HEAD:
        console.print(f"the archive at {where} is up to date (schema revision {HEAD})")
    else:
        was = before or "an empty database"
        console.print(f"the archive at {where} is now at schema revision {HEAD} (was {was})")
