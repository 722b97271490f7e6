"""The crawl's connection to the archive: one engine, one crawl-run row, shared by the spider's components; in a
crawl of many sites (`python -m crawler.run`), one engine shared by every site's crawler."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker

from archive.config import Config
from archive.registry.sites import Site, load_registry
from archive.store.db import make_engine, make_sessionmaker, parse_url
from archive.store.migrate import prepare_for_crawl


@dataclass
class ArchiveLink:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    registry: list[Site] = field(default_factory=list)
    crawl_run_id: int | None = None
    owns_engine: bool = True  # False when the engine is the process's, shared with other sites' crawlers

    def close(self) -> None:
        """Done with the archive (the spider closed): the engine goes, unless other crawlers share it."""
        if self.owns_engine:
            self.engine.dispose()

    def site(self, site_id: str) -> Site:
        for site in self.registry:
            if site.id == site_id:
                return site
        known = ", ".join(s.id for s in self.registry)
        raise ValueError(f"no site '{site_id}' in {self.config.sites_path} (known: {known})")


def config_from_settings(settings: BaseSettings) -> Config:
    """The archive configuration a crawl was given as Scrapy settings: `python -m crawler.run` gives the whole of it
    (config_settings); what a `scrapy crawl reports -s FAZHI_DB_URL=…` leaves out comes from the environment, as for
    any `fazhi` command."""
    home, db_url, sites = (settings.get(name) for name in ("FAZHI_HOME", "FAZHI_DB_URL", "FAZHI_SITES"))
    if home and db_url and sites:
        return Config(Path(home), db_url, Path(sites), crawl_timeout=settings.getfloat("FAZHI_CRAWL_TIMEOUT"))
    return Config.from_env().with_overrides(
        home=Path(home) if home else None, db_url=db_url or None, sites_path=Path(sites) if sites else None
    )


def config_settings(config: Config) -> dict[str, str | float]:
    """The settings that hand `config` to a crawl, whole: where the archive is, and every setting of the crawl."""
    return {
        "FAZHI_HOME": str(config.home),
        "FAZHI_DB_URL": config.db_url,
        "FAZHI_SITES": str(config.sites_path),
        "FAZHI_CRAWL_TIMEOUT": config.crawl_timeout,
        **dict(config.tunables),
    }


def registry(path: Path) -> list[Site]:
    """The registry at `path`, read once per process while the file is unchanged: a crawl of many sites runs a
    crawler per site, and each reading a registry of a thousand entries again made start-up grow with the square
    of the number of sites."""
    try:
        stat = path.stat()
    except OSError:
        return load_registry(path)  # which says what is wrong with it
    return list(_parsed(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=8)
def _parsed(path: str, _mtime_ns: int, _size: int) -> tuple[Site, ...]:
    return tuple(load_registry(Path(path)))


@dataclass(frozen=True)
class _Shared:
    db_url: str
    engine: Engine
    sessions: sessionmaker[Session]


# Set by `share_engine`: the engine every crawler of this process uses for its archive. An engine each meant a
# connection pool each and a statement cache each, so every site compiled every statement again: about a third of
# the CPU per page of a crawl of a hundred sites.
_shared: _Shared | None = None


@contextlib.contextmanager
def share_engine(engine: Engine) -> Iterator[None]:
    """While open, crawlers of the archive at `engine.url` use `engine` instead of making their own (for a process
    that runs a crawler per site); `engine` has been through prepare_for_crawl. The caller disposes of it."""
    global _shared
    previous = _shared
    _shared = _Shared(engine.url.render_as_string(hide_password=False), engine, make_sessionmaker(engine))
    try:
        yield
    finally:
        _shared = previous


def write_lock_first(engine: Engine) -> None:
    """On SQLite, every transaction of `engine` takes the write lock when it begins (BEGIN IMMEDIATE), waiting for
    it as long as the busy timeout allows. Needed whenever several processes crawl into one file (the workers of one
    crawl, the scheduler's crawls running at once): a transaction that read first and then writes fails at once
    ("database is locked", no waiting) if another process wrote in between, and the page would be lost. Within one
    process the transactions come one after another (the pipeline is synchronous), so nothing waits there. On
    PostgreSQL nothing changes."""
    if engine.dialect.name != "sqlite":
        return

    def no_implicit_begin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # so that the BEGIN below is the transaction's, and the only one

    def begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", no_implicit_begin)
    event.listen(engine, "begin", begin_immediate)


def archive_link(crawler: Crawler) -> ArchiveLink:
    """The crawler's ArchiveLink, made on first use (components are built in no guaranteed order)."""
    link: ArchiveLink | None = getattr(crawler, "_fazhi_archive", None)
    if link is None:
        config = config_from_settings(crawler.settings)
        sites = registry(config.sites_path)
        shared = _shared
        if shared is not None and parse_url(config.db_url).render_as_string(hide_password=False) == shared.db_url:
            link = ArchiveLink(config, shared.engine, shared.sessions, sites, owns_engine=False)
        else:
            engine = make_engine(config.db_url)
            prepare_for_crawl(engine)  # `fazhi crawl` did it already; `scrapy crawl` alone did not
            write_lock_first(engine)
            link = ArchiveLink(config, engine, make_sessionmaker(engine), sites)
        crawler._fazhi_archive = link  # type: ignore[attr-defined]
    return link
