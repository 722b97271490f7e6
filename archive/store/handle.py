"""The archive as one thing to pass down: its configuration, its engine and its sessions, opened once by whoever
runs (a command, the web app, the scheduler) and closed by it.

Opened for reading, a database that holds no archive of this release is refused and nothing is made; opened for
writing, an empty database gets the schema, and one that cannot be written is refused, before any work starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from archive.config import Config
from archive.store.db import make_engine, parse_url
from archive.store.migrate import check_schema, prepare_for_crawl

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Archive:
    config: Config
    engine: Engine
    _sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, config: Config, *, write: bool = False, read_only: bool = False) -> Archive:
        """The archive `config` names, checked: ArchiveError (one line for people) when it cannot be used so.

        `read_only` makes every connection unable to write (SQLite `query_only`, PostgreSQL read-only transactions):
        for a service that only reads, that is a property of its connections, not a promise of its code.
        """
        if write:
            config.make_home()
        kwargs: dict[str, Any] = {}
        if read_only and parse_url(config.db_url).get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
        engine = make_engine(config.db_url, create=write, **kwargs)
        if read_only and engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_query_only)
        try:
            (prepare_for_crawl if write else check_schema)(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(config, engine)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Its sessions (made on first use: the quick read commands never load the ORM)."""
        if self._sessions is None:
            from archive.store.db import make_sessionmaker

            self._sessions = make_sessionmaker(self.engine)
        return self._sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _sqlite_query_only(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only = ON")
    cur.close()
