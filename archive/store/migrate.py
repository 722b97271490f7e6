"""The archive's schema: check its revision, create it in an empty database, migrate it with Alembic when asked.

Only `fazhi db upgrade`, a crawl into an empty database and `fazhi demo` write the schema; every other command
checks the revision with one query and refuses, saying what to run, when it is not this release's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from archive.entrypoints import MIGRATIONS_PACKAGE
from archive.errors import CannotOpen, CannotWrite, ForeignDatabase, MissingArchive, SchemaTooNew, SchemaTooOld
from archive.store.db import describe

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


def _migrations_dir() -> Path:
    # Found, not imported: the migrations import the store, which sits below them.
    spec = find_spec(MIGRATIONS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CannotOpen(f"the {MIGRATIONS_PACKAGE} package is missing from this installation; reinstall fazhi-archive")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


MIGRATIONS_DIR = _migrations_dir()
# The newest revision in migrations/versions (a test keeps it equal to Alembic's head). Knowing it lets every
# command check the schema with one query instead of loading Alembic on each start.
HEAD = "0011"
# Any fixed number: the PostgreSQL advisory lock that lets one process at a time create the schema.
_PG_SCHEMA_LOCK = 0x66617A6869  # "fazhi"


def alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic's upgrade as it is (tests, and `upgrade_archive` once it has looked at the database)."""
    with engine.begin() as conn:
        _upgrade(conn, revision)


def _upgrade(conn: Connection, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database Alembic never touched."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        if exc.connection_invalidated or "alembic_version" not in str(exc):
            raise _cannot_open(engine, exc) from exc
        return None


def check_schema(engine: Engine) -> None:
    """Refuse, with what to run, anything but an archive at this release's revision. Writes nothing."""
    revision = current_revision(engine)
    if revision != HEAD:
        _refuse(engine, revision)


def prepare_for_crawl(engine: Engine) -> None:
    """Make the schema in an empty database, then check that it is this release's and can be written.

    Two crawls starting on the same new database take turns to create it, and the second finds it made.
    """
    revision = current_revision(engine)
    if revision is None:
        with _schema_lock(engine) as conn:
            if not inspect(conn).get_table_names():
                _upgrade(conn)
        revision = current_revision(engine)
    if revision != HEAD:
        _refuse(engine, revision)
    _check_writable(engine)


def upgrade_archive(engine: Engine) -> str | None:
    """`fazhi db upgrade`: migrate an archive (or an empty database) to HEAD; the revision it was at before."""
    revision = current_revision(engine)
    if revision == HEAD:
        return revision
    if (revision is None and _has_tables(engine)) or (revision is not None and revision not in _known_revisions()):
        _refuse(engine, revision)
    with _schema_lock(engine) as conn:
        _upgrade(conn)
    return revision


def _refuse(engine: Engine, revision: str | None) -> None:
    where = describe(engine.url)
    if revision is None:
        if _has_tables(engine):
            raise ForeignDatabase(
                f"{where} is not a Fazhi archive (it has tables but no schema revision); it was left untouched"
            )
        raise MissingArchive(f"{where} holds no archive yet: `fazhi crawl` makes one there (or check --db)")
    if revision in _known_revisions():
        raise SchemaTooOld(
            f"the archive at {where} is at schema revision {revision}, this fazhi needs {HEAD}: run `fazhi db upgrade`"
        )
    raise SchemaTooNew(
        f"the archive at {where} was made by a newer fazhi (schema revision {revision}; this one knows up to "
        f"{HEAD}): upgrade fazhi to read it"
    )


def _known_revisions() -> set[str]:
    # Loaded only on the way to an error or a migration: Alembic is slow to import.
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _has_tables(engine: Engine) -> bool:
    try:
        return bool(inspect(engine).get_table_names())
    except DBAPIError as exc:
        raise _cannot_open(engine, exc) from exc


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction no other process can be inside at the same time, for creating or migrating the schema."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        else:
            # Waits (busy timeout) while another process holds it; the schema is read and written inside.
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        yield conn


def _check_writable(engine: Engine) -> None:
    """Before a crawl fetches anything: a write that changes nothing, rolled back."""
    try:
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    except DBAPIError as exc:
        raise CannotWrite(f"cannot write to the archive at {describe(engine.url)}: {_reason(exc)}") from exc


def _cannot_open(engine: Engine, exc: DBAPIError) -> CannotOpen | ForeignDatabase:
    where = describe(engine.url)
    if "file is not a database" in str(exc.orig):
        return ForeignDatabase(f"{where} is not an SQLite database (nor a Fazhi archive); it was left untouched")
    return CannotOpen(f"cannot open the archive database {where}: {_reason(exc)}")


def _reason(exc: DBAPIError) -> str:
    lines = str(exc.orig or exc).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__
