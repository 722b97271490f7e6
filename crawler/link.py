"""The crawl's connection to the archive: one engine, one crawl-run row, shared by the spider's components."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from archive.config import Config
from archive.db import make_engine, make_sessionmaker
from archive.migrate import prepare_for_crawl
from crawler.sites import Site, load_registry


@dataclass
class ArchiveLink:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    registry: list[Site] = field(default_factory=list)
    crawl_run_id: int | None = None

    def site(self, site_id: str) -> Site:
        for site in self.registry:
            if site.id == site_id:
                return site
        known = ", ".join(s.id for s in self.registry)
        raise ValueError(f"no site '{site_id}' in {self.config.sites_path} (known: {known})")


def config_from_settings(settings: BaseSettings) -> Config:
    """The archive configuration a crawl was given as Scrapy settings (FAZHI_HOME, FAZHI_DB_URL, FAZHI_SITES: set by
    `python -m crawler.run`, or `scrapy crawl reports -s FAZHI_DB_URL=…`); what they leave out comes from the
    environment, as for any `fazhi` command."""
    home, sites = settings.get("FAZHI_HOME"), settings.get("FAZHI_SITES")
    return Config.from_env().with_overrides(
        home=Path(home) if home else None,
        db_url=settings.get("FAZHI_DB_URL") or None,
        sites_path=Path(sites) if sites else None,
    )


def config_settings(config: Config) -> dict[str, str]:
    """The settings that hand `config` to a crawl (the inverse of config_from_settings)."""
    return {"FAZHI_HOME": str(config.home), "FAZHI_DB_URL": config.db_url, "FAZHI_SITES": str(config.sites_path)}


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


def archive_link(crawler: Crawler) -> ArchiveLink:
    """The crawler's ArchiveLink, made on first use (components are built in no guaranteed order)."""
    link: ArchiveLink | None = getattr(crawler, "_fazhi_archive", None)
    if link is None:
        config = config_from_settings(crawler.settings)
        engine = make_engine(config.db_url)
        prepare_for_crawl(engine)  # `fazhi crawl` did it already; `scrapy crawl` alone did not
        link = ArchiveLink(config, engine, make_sessionmaker(engine), registry(config.sites_path))
        crawler._fazhi_archive = link  # type: ignore[attr-defined]
    return link
