"""Helpers for crawl tests: a registry for a running simulator, a crawl in a subprocess, archive look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.config import Config
from archive.crawlrun import CrawlOutcome, run_crawl
from archive.db import make_engine, make_sessionmaker
from archive.migrate import upgrade
from archive.models import Capture, Report, Version
from portalsim import PortalSim


@dataclass
class Archive:
    """A test archive: configuration for crawls, and sessions to look inside."""

    config: Config

    def crawl(self, *site_ids: str) -> CrawlOutcome:
        return run_crawl(self.config, list(site_ids))

    def session(self) -> Session:
        engine = make_engine(self.config.db_url)
        return make_sessionmaker(engine)()

    def counts(self) -> tuple[int, int, int]:
        with self.session() as s:
            return tuple(  # type: ignore[return-value]
                s.scalar(select(func.count()).select_from(m)) or 0 for m in (Report, Version, Capture)
            )

    def reports(self) -> dict[str, Report]:
        with self.session() as s:
            return {r.url: r for r in s.scalars(select(Report))}

    def latest_text(self, url: str) -> str:
        with self.session() as s:
            report = s.scalars(select(Report).where(Report.url == url)).one()
            return (
                s.scalars(
                    select(Version.text).where(Version.report_id == report.id).order_by(Version.version.desc())
                ).first()
                or ""
            )


def make_archive(
    tmp: Path,
    sim: PortalSim,
    db_url: str | None = None,
    sites: list[str] | None = None,
    extra: dict[str, dict[str, object]] | None = None,
) -> Archive:
    registry = tmp / "sites.yaml"
    text = sim.registry_yaml(delay=0.0, extra=extra)
    registry.write_text(text, encoding="utf-8")
    config = Config(home=tmp / "home", db_url=db_url or f"sqlite:///{tmp / 'archive.db'}", sites_path=registry)
    engine = make_engine(config.db_url)
    upgrade(engine)
    engine.dispose()
    return Archive(config)
