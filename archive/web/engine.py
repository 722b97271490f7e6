"""The web layer's one engine: opened on an existing archive at this release's schema, and unable to write to it.

The routes only read, but a database that refuses writes makes that a property of the connection, not a promise
of the code: SQLite connections are `query_only`, PostgreSQL sessions `default_transaction_read_only`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from archive.store.db import make_engine, parse_url
from archive.store.migrate import check_schema


def open_archive(db_url: str) -> Engine:
    """A read-only engine on the archive at `db_url`; ArchiveError (one line for people) when it cannot be read."""
    kwargs: dict[str, Any] = {}
    if parse_url(db_url).get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    # create=False: reads never make a database where none is (a missing file is refused).
    engine = make_engine(db_url, create=False, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_query_only)
    try:
        check_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def _sqlite_query_only(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only = ON")
    cur.close()
