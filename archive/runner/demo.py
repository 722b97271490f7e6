"""`fazhi demo`: the whole pipeline against the bundled portal simulator, on a demo archive of its own.

The simulator runs on free ports for the demo's length only, so the registry it answers to is written into a
temporary folder and goes with it: what stays is the archive, which every command reads.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from archive.config import Config
from archive.query.reports import ReportRecord, list_reports
from archive.runner.crawl import CrawlReport, crawl
from archive.store.handle import Archive


class DemoView(Protocol):
    """How the demo is shown (the CLI prints it): each step as it happens."""

    def waiting(self, home: Path) -> None: ...
    def simulator_up(self, sites: Sequence[tuple[str, str]]) -> None: ...
    def progress(self, event: dict[str, Any]) -> None: ...
    def crawled(self, report: CrawlReport, notify: bool) -> None: ...
    def correcting(self, title: str) -> None: ...


@dataclass(frozen=True, slots=True)
class DemoResult:
    returncode: int
    db_path: Path
    reports: tuple[ReportRecord, ...]
    corrected_id: int | None  # the report whose correction the demo simulated


def run_demo(config: Config, view: DemoView) -> DemoResult:
    config.make_home()
    with _demo_lock(config.home, view.waiting):
        return _run(config, view)


@contextmanager
def _demo_lock(home: Path, waiting: Callable[[Path], None]) -> Iterator[None]:
    """One demo at a time on one home: a second would empty the archive the first is writing into, and crawl its
    own simulator (other ports, so other report URLs) into it, leaving each report twice."""
    with (home / "demo.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting(home)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(config: Config, view: DemoView) -> DemoResult:
    # Imported here: the simulator is only needed by the demo, never by the archive proper.
    from portalsim import PortalSim

    db_path = config.home / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        # The simulator's ports change on every start, so each demo begins with an empty archive.
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    (config.home / "demo-sites.yaml").unlink(missing_ok=True)  # an earlier release left it, naming dead ports

    with tempfile.TemporaryDirectory(prefix="fazhi-demo-") as tmp, PortalSim() as sim:
        registry = Path(tmp) / "sites.yaml"
        registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        demo_config = Config(home=config.home, db_url=f"sqlite:///{db_path}", sites_path=registry)
        view.simulator_up([(s.id, s.platform) for s in sim.sites])
        rc = _crawl(demo_config, view)

        # Show what a correction looks like: the same URL serves a revised text.
        target = sim.expected_reports("yuhang")[0]
        sim.set_article_text("yuhang", target.key, target.text.replace("2023年", "2023年度", 1) + "\n（本报告已更正）")
        view.correcting(target.title)
        rc = max(rc, _crawl(demo_config, view))

    with Archive.open(demo_config) as archive, archive.connection() as conn:
        reports = list_reports(conn).items
    corrected = next((r.id for r in reports if r.version_count > 1), None)
    return DemoResult(rc, db_path, reports, corrected)


def _crawl(config: Config, view: DemoView) -> int:
    report = crawl(config, [], view.progress)
    view.crawled(report, notify=bool(config.notify_urls))
    return report.returncode
