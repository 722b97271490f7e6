"""Engines and sessions: one place that knows how to open the archive on SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from archive.errors import BadUsage, CannotOpen, MissingArchive

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

URL_EXAMPLES = "sqlite:///path/fazhi.db or postgresql+psycopg://user@host/db"


class DatabaseLocationError(CannotOpen):
    """The SQLite file's folder cannot be made."""


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL (also in SQLite's URI form, `sqlite:///file:path?mode=ro&uri=true`)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database
    if database.startswith("file:"):
        if url.query.get("mode") == "memory":
            return None
        database = urlsplit(database).path
    return Path(database).expanduser()


def archive_files(url: str) -> list[Path]:
    """The files that make up an SQLite archive (the database, its WAL, shared memory and rollback journal); none
    for PostgreSQL. What an export must never write over."""
    path = sqlite_file(parse_url(url))
    if path is None:
        return []
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def describe(url: URL) -> str:
    """Where an archive is, for messages: the file of an SQLite URL, else the URL without its password."""
    path = sqlite_file(url)
    return str(path) if path else url.render_as_string(hide_password=True)


def parse_url(url: str) -> URL:
    """The archive's URL, refused with a message unless it names SQLite or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadUsage(f"{url!r} is not a database URL (--db / FAZHI_DB_URL; e.g. {URL_EXAMPLES})") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BadUsage(
            f"{backend!r} databases are not supported: an archive lives in SQLite or PostgreSQL ({URL_EXAMPLES})"
        )
    if parsed.drivername == "postgresql":
        # The driver installed with the project; SQLAlchemy's default for a bare postgresql:// is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, create: bool = True, **kwargs: Any) -> Engine:
    """An engine for `url`; on SQLite WAL + foreign keys are switched on.

    With `create` (writes) a new SQLite file may be made, in a folder that exists (a missing one is more likely a
    typo than a wish), and an in-memory database is refused: what is written there ends with the command. Without
    it (reads) a file that does not exist is refused with MissingArchive, since connecting would leave a new empty
    database behind.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(parsed)
        if path is None and create:
            raise BadUsage(
                f"{url!r} is an in-memory database, gone when the command ends: give a file "
                f"(e.g. sqlite:///path/fazhi.db)"
            )
        if path is not None:
            _check_location(path, create)
        # A crawl process writes while `fazhi` commands read: wait for the lock instead of failing at once.
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = _create(parsed, kwargs)
        event.listen(engine, "connect", _sqlite_pragmas_writing if create else _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return _create(parsed, kwargs)


def _check_location(path: Path, create: bool) -> None:
    """Refuse, in one line, an SQLite path that cannot hold an archive: not a file, in a missing folder."""
    if path.exists():
        if not path.is_file():
            raise CannotOpen(f"{path} is not a file, so it cannot hold an archive (check --db / FAZHI_DB_URL)")
        return
    if not create:
        raise MissingArchive(f"no archive at {path}: `fazhi crawl` makes one there (or check --db)")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DatabaseLocationError(f"cannot make the archive {path}: {folder} {what} (check --db / FAZHI_DB_URL)")


def _create(url: URL, kwargs: dict[str, Any]) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except (ImportError, NoSuchModuleError) as exc:
        raise CannotOpen(f"cannot open {describe(url)}: its driver is not installed ({exc})") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Per-connection settings only: nothing here writes to the file (an archive made by a crawl is in WAL)."""
    cur = dbapi_conn.cursor()
    # NORMAL sync is durable at each commit under WAL, and faster.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_pragmas_writing(dbapi_conn: Any, record: Any) -> None:
    cur = dbapi_conn.cursor()
    tables = {row[0] for row in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables or "alembic_version" in tables:
        # WAL lets readers run during a crawl. Switching rewrites the file's header, so only a new database or
        # an archive gets it: another program's SQLite file is left as it is (and then refused).
        _switch_to_wal(cur)
    cur.close()
    _sqlite_pragmas(dbapi_conn, record)


def _switch_to_wal(cur: Any, wait: float = 30.0) -> None:
    """Ask for WAL until SQLite answers. Its answer is the mode the database now has: WAL, or whatever mode SQLite
    keeps for a database that cannot have it; asking again would get the same answer."""
    deadline = time.monotonic() + wait
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            # Changing the journal mode does not wait for other connections (no busy timeout): two crawls opening
            # a new database together would fail here, so wait a moment and ask again.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Imported here: the read commands that use a Connection alone (archive.cli.main) never load the ORM. And the index
    # module needs the models, which need nothing from this module.
    from sqlalchemy.orm import sessionmaker

    from archive.store.fulltext import keep_index

    sessions = sessionmaker(engine, expire_on_commit=False)
    keep_index(sessions)  # every flush that writes a version writes its search index too
    return sessions
