"""`fazhi demo`: the whole pipeline against the bundled portal simulator, on a demo archive of its own."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.text import Text

from archive import crawling, query
from archive.config import Config
from archive.db import make_engine, make_sessionmaker
from archive.render import console, err_console, plain, print_crawl, print_progress, reports_table


def run_demo(config: Config) -> int:
    config.make_home()
    with _demo_lock(config.home):
        return _run(config)


@contextmanager
def _demo_lock(home: Path) -> Iterator[None]:
    """One demo at a time on one home: a second would empty the archive the first is writing into, and crawl its
    own simulator (other ports, so other report URLs) into it, leaving each report twice."""
    with (home / "demo.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            err_console.print(f"another `fazhi demo` is running on {home}: waiting for it to finish …")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(config: Config) -> int:
    # Imported here: the simulator is only needed by the demo, never by the archive proper.
    from portalsim import PortalSim

    db_path = config.home / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        # The simulator's ports change on every start, so each demo begins with an empty archive.
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    registry = config.home / "demo-sites.yaml"
    demo_config = Config(home=config.home, db_url=f"sqlite:///{db_path}", sites_path=registry)

    with PortalSim() as sim:
        registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        sites = ", ".join(f"{s.id} ({s.platform})" for s in sim.sites)
        err_console.print(Text.assemble(("Portal simulator", "bold"), f" up: {sites}"))
        rc = _crawl(demo_config)

        # Show what a correction looks like: the same URL serves a revised text.
        target = sim.expected_reports("yuhang")[0]
        sim.set_article_text("yuhang", target.key, target.text.replace("2023年", "2023年度", 1) + "\n（本报告已更正）")
        err_console.print(
            Text.assemble(
                "\n", ("Simulating a correction", "bold"), plain(f" of “{target.title}” and crawling again …")
            )
        )
        rc = max(rc, _crawl(demo_config))

    engine = make_engine(demo_config.db_url)
    with make_sessionmaker(engine)() as session:
        rows = [r.to_json() for r in query.list_reports(session).items]
    engine.dispose()
    console.print(reports_table(rows, title="Archived demo reports"))
    console.print(
        f"Demo archive: {db_path}\n"
        f"Explore it: FAZHI_DB_URL=sqlite:///{db_path} fazhi reports | show ID | history ID | diff ID"
    )
    return rc


def _crawl(config: Config) -> int:
    report = crawling.crawl(config, [], print_progress)
    print_crawl(report, notify=bool(config.notify_urls))
    return report.returncode
