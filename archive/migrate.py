"""Bring a database to the latest schema with Alembic, from code (used by `fazhi db upgrade` and on start-up)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

import migrations

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
# The newest revision in migrations/versions (a test keeps it equal to Alembic's head). Knowing it lets every
# command check the schema with one query instead of loading Alembic on each start.
HEAD = "0003"


def alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database Alembic never touched."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if exc.connection_invalidated or "alembic_version" not in str(exc):
            raise
        return None


def ensure_schema(engine: Engine) -> None:
    """Upgrade only when the database is not at HEAD (a new archive, or one from an older release)."""
    if current_revision(engine) != HEAD:
        upgrade(engine)
