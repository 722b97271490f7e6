"""What the commands share: the configuration flags, the option types with their bounds, and the archive opened
for reading (never created or migrated by a read)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archive.bounds import MAX_COUNT, MAX_ID
from archive.config import Config

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

    from archive.query.paging import Page

F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """--db / --sites / --notify on every command; each wins over its environment variable."""

    @click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the archive [env FAZHI_DB_URL].")
    @click.option(
        "--sites", "sites_path", type=click.Path(path_type=Path), help="Site registry YAML [env FAZHI_SITES]."
    )
    @click.option("--notify", "notify", multiple=True, metavar="URL", help="Apprise URL for alerts (repeatable).")
    @functools.wraps(func)
    def wrapper(*args: Any, db_url: str | None, sites_path: Path | None, notify: tuple[str, ...], **kw: Any) -> Any:
        config = Config.from_env().with_overrides(db_url=db_url, sites_path=sites_path, notify_urls=notify)
        return func(*args, config=config, **kw)

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
# A year outside this range names no report. Limits, offsets and run ids are held to what the databases hold
# (archive.bounds); report ids and version numbers are checked by the queries, which say what exists instead.
YEAR = click.IntRange(1, 9999)
NUMBER = click.IntRange(1, MAX_COUNT)
OFFSET = click.IntRange(0, MAX_COUNT)
ID = click.IntRange(1, MAX_ID)
# archive.search.find.DEFAULT_LIMIT, not imported for it (test_cli_startup checks that the two agree).
SEARCH_LIMIT = 20


class SinceType(click.ParamType):
    """An ISO 8601 date or time (`2024-04-01`, `2024-04-01T08:00+08:00`); one without an offset is UTC."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time (e.g. 2024-04-01 or 2024-04-01T08:00+08:00)")
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


SINCE = SinceType()


def page_caption(page: Page[Any], noun: str) -> str | None:
    """Under a table that shows part of a listing: which part, of how many."""
    if page.offset == 0 and len(page.items) == page.total:
        return None
    if not page.items:
        return f"no {noun} from {page.offset + 1} on (of {page.total})"
    return f"{noun} {page.offset + 1}–{page.offset + len(page.items)} of {page.total}"


@contextmanager
def archive_session(config: Config) -> Iterator[Session]:
    """A session on an existing archive at this release's schema; reads never create or migrate one."""
    from archive.store.db import make_sessionmaker

    with _checked_engine(config) as engine, make_sessionmaker(engine)() as session:
        yield session


@contextmanager
def archive_connection(config: Config) -> Iterator[Connection]:
    """A connection on an existing archive at this release's schema, for the reads that need no ORM
    (archive.query.reports): the quick commands do not wait for SQLAlchemy's ORM to load."""
    with _checked_engine(config) as engine, engine.connect() as conn:
        yield conn


@contextmanager
def _checked_engine(config: Config) -> Iterator[Engine]:
    from archive.store.db import make_engine
    from archive.store.migrate import check_schema

    engine = make_engine(config.db_url, create=False)
    try:
        check_schema(engine)
        yield engine
    finally:
        engine.dispose()
