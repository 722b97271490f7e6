"""What the commands share: the configuration flags, the option types with their bounds, and the archive opened
for reading (never created or migrated by a read)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from archive.bounds import MAX_COUNT, MAX_ID
from archive.clock import TIMEZONE
from archive.config import Config
from archive.vocab import Kind, ReportStatus, from_text, labels

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from archive.query.paging import Page

F = TypeVar("F", bound=Callable[..., Any])


def config_options(*, sites: bool = False, notify: bool = False) -> Callable[[F], F]:
    """--db on every command that opens the archive; --sites on those that read the registry, --notify on those
    that send alerts (a command offers only the options that act). Each wins over its environment variable."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(
            *args: Any,
            db_url: str | None,
            sites_path: Path | None = None,
            notify: tuple[str, ...] = (),
            **kw: Any,
        ) -> Any:
            config = Config.from_env().with_overrides(db_url=db_url, sites_path=sites_path, notify_urls=notify)
            return func(*args, config=config, **kw)

        decorated: Any = wrapper
        if notify:
            decorated = NOTIFY_OPTION(decorated)
        if sites:
            decorated = SITES_OPTION(decorated)
        return cast(F, DB_OPTION(decorated))

    return decorate


DB_OPTION = click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the archive [env FAZHI_DB_URL].")
SITES_OPTION = click.option(
    "--sites",
    "sites_path",
    type=click.Path(path_type=Path),
    help="Site registry YAML, or a bundled one by name: zhejiang, china [env FAZHI_SITES].",
)
REGION_OPTION = click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="TEXT",
    help="The registry's sites whose region holds TEXT (广东省, 杭州市); repeatable.",
)
NOTIFY_OPTION = click.option(
    "--notify", "notify", multiple=True, metavar="URL", help="Apprise URL for alerts, repeatable [env FAZHI_NOTIFY]."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
# A year outside this range names no report. Limits, offsets and run ids are held to what the databases hold
# (archive.bounds); report ids and version numbers are checked by the queries, which say what exists instead.
YEAR = click.IntRange(1, 9999)
NUMBER = click.IntRange(1, MAX_COUNT)
OFFSET = click.IntRange(0, MAX_COUNT)
ID = click.IntRange(1, MAX_ID)
# archive.search.find.DEFAULT_LIMIT, not imported for it (test_cli_startup checks that the two agree).
SEARCH_LIMIT = 20


class SinceType(click.ParamType[dt.datetime]):
    """An ISO 8601 date or time (`2024-04-01`, `2024-04-01T08:00+08:00`); one without an offset is Beijing time, the
    zone every time the commands show is in."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time (e.g. 2024-04-01 or 2024-04-01T08:00+08:00)")
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=TIMEZONE)


SINCE = SinceType()


class LabelledChoice(click.ParamType[str]):
    """A value of an enumeration, given as its English value (what JSON shows) or its Chinese label (what the
    tables show): `--kind 政府年度报告` is `--kind annual_report`."""

    def __init__(self, enum: type[StrEnum]) -> None:
        self.enum = enum
        self.name = "|".join(member.value for member in enum)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        found = from_text(self.enum, str(value))
        if found is None:
            choices = ", ".join(f"{v} ({label})" for v, label in labels(self.enum).items())
            self.fail(f"{value!r} is not one of: {choices}")
        return found

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"[{self.name}]"


KIND = LabelledChoice(Kind)
STATUS = LabelledChoice(ReportStatus)


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
    from archive.store.handle import Archive

    with Archive.open(config) as archive, archive.session() as session:
        yield session


@contextmanager
def archive_connection(config: Config) -> Iterator[Connection]:
    """A connection on an existing archive at this release's schema, for the reads that need no ORM
    (archive.query.reports): the quick commands do not wait for SQLAlchemy's ORM to load."""
    from archive.store.handle import Archive

    with Archive.open(config) as archive, archive.connection() as conn:
        yield conn
