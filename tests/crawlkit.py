"""Helpers for crawl tests: a registry for a running simulator, a crawl in a subprocess, archive look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.config import Config
from archive.runner.child import CrawlOutcome, run_crawl
from archive.store.db import make_engine, make_sessionmaker
from archive.store.ingest import canonical_url
from archive.store.migrate import upgrade
from archive.store.models import Capture, Report, Version
from portalsim import PortalSim

# One site on a port nothing listens on: for crawler components built without crawling anything.
OFFLINE_REGISTRY = """sites:
  - id: yuhang
    name: 杭州市余杭区人民政府
    region: 浙江省杭州市余杭区
    start_urls: [http://127.0.0.1:9/col/col1/index.html]
"""


def process_state(pid: int) -> str:
    """The state letter of process `pid` in /proc (R, S, Z ...); X when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


def live_processes(*args: str) -> set[int]:
    """Processes with every one of `args` among their command-line arguments, zombies waiting to be reaped left out."""
    wanted = {a.encode() for a in args}
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = set((entry / "cmdline").read_bytes().split(b"\0"))
        except OSError:
            continue
        if wanted <= argv and process_state(int(entry.name)) not in ("Z", "X"):
            found.add(int(entry.name))
    return found


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


def fetch(url: str) -> bytes:
    """A page of a running simulator, as served."""
    with urlopen(url, timeout=10) as answer:
        body: bytes = answer.read()
        return body


def assert_crawl_archives_its_report(sim: PortalSim, tmp: Path, site_id: str) -> None:
    """A crawl of `site_id` (platform detected) archives its one report, none of the entries around it, with the
    report's clean text, kind, year and date."""
    sim.reset()
    archive = make_archive(tmp, sim, extra={site_id: {"platform": "auto"}})
    outcome = archive.crawl(site_id)
    assert outcome.returncode == 0, outcome.sites
    (expected,) = sim.expected_reports(site_id)
    reports = archive.reports()
    assert set(reports) == {canonical_url(expected.url)}, "the report, and none of the notices around it"
    got = reports[canonical_url(expected.url)]
    assert (got.kind, got.year, got.published_date) == (expected.kind, expected.year, expected.published_date)
    assert archive.latest_text(expected.url) == expected.text
