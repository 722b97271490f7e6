"""The floor under a full crawl's cost per report page: what the steps that cannot be left out cost on their own,
measured on the report pages of one crawl of the simulator. `python bench/floor.py [--scale N] [--rounds N]`.

Each step is timed in CPU time (time.process_time) over every report page of the crawl, `--rounds` times, the
fastest round kept (the least disturbed on a shared machine), and printed in milliseconds per page: Scrapy's own
cost per request comes from bench/crawl.py, which runs the same crawl beside Scrapy alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import lxml.html
from crawl import full_crawl
from sqlalchemy import insert, select

from archive.extract import extract_page
from archive.store import ingest as store
from archive.store.db import make_engine, make_sessionmaker
from archive.store.derive import derive
from archive.store.migrate import upgrade
from archive.store.models import Capture, Report, Version
from archive.store.raw import RawPage
from portalsim import PortalSim


def _report_pages(db: Path) -> list[bytes]:
    engine = make_engine(f"sqlite:///{db}")
    with make_sessionmaker(engine)() as session:
        shas = session.scalars(
            select(Version.capture_sha256).join(Report, Report.current_version_id == Version.id).order_by(Report.id)
        ).all()
        bodies = [store.read_capture(session, sha) for sha in shas]
    engine.dispose()
    return bodies


def _fastest(rounds: int, pages: int, step: Callable[[], object]) -> float:
    """Milliseconds of CPU per page of the fastest of `rounds` runs of `step` (which does every page once)."""
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        step()
        best = min(best, time.process_time() - t)
    return 1000 * best / pages


def _raw_sqlite(path: Path, bodies: list[bytes]) -> Callable[[], None]:
    """The rows a new report page writes, as plain sqlite3 statements, one transaction a page (WAL, synchronous
    NORMAL, as the archive opens SQLite): a lower bound for any layer above it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    for table in ("capture", "exchange", "fetch", "report", "version", "doc", "event"):
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body BLOB)")
    counter = [0]

    def run() -> None:
        for body in bodies:
            counter[0] += 1
            n = counter[0]
            conn.execute("BEGIN")
            conn.execute("SELECT id FROM capture WHERE k = ?", (f"c{n}",)).fetchone()
            conn.execute("SELECT id FROM report WHERE k = ?", (f"r{n}",)).fetchone()
            conn.execute("INSERT INTO capture (k, body) VALUES (?, ?)", (f"c{n}", body))
            for table in ("exchange", "fetch", "report", "version", "doc", "event"):
                conn.execute(f"INSERT INTO {table} (k, body) VALUES (?, ?)", (f"{table}{n}", b"x" * 200))
            conn.execute("UPDATE report SET body = ? WHERE k = ?", (b"y", f"r{n}"))
            conn.execute("COMMIT")

    return run


def _core_transaction(path: Path, bodies: list[bytes]) -> Callable[[], None]:
    """One SQLAlchemy session transaction a page with one Core INSERT: the fixed cost of a transaction there."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    counter = [0]

    def run() -> None:
        for body in bodies:
            counter[0] += 1
            with sessions.begin() as session:
                session.connection().execute(
                    insert(Capture).values(
                        sha256=f"{counter[0]:064d}",
                        size=len(body),
                        compression="none",
                        body=b"",
                        created_at=dt.datetime.now(dt.UTC),
                    )
                )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with PortalSim(scale=args.scale) as sim, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        full_crawl(sim, tmp)
        bodies = _report_pages(tmp / "bench.db")
    n = len(bodies)
    url = "http://127.0.0.1/report.html"
    extracted = [extract_page(b, url, "text/html") for b in bodies]
    now = dt.datetime.now(dt.UTC)
    pages = [RawPage(site_id="s", url=url, status=200, body=b, fetched_at=now) for b in bodies]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        steps: dict[str, Callable[[], object]] = {
            "lxml parse of the page (lxml.html.document_fromstring)": lambda: [
                lxml.html.document_fromstring(b) for b in bodies
            ],
            "extraction of the page (archive.extract.extract_page, parse included)": lambda: [
                extract_page(b, url, "text/html") for b in bodies
            ],
            "derive from the extraction (classification, content hash)": lambda: [
                derive(p, e) for p, e in zip(pages, extracted, strict=True)
            ],
            "SHA-256 of the page": lambda: [hashlib.sha256(b).hexdigest() for b in bodies],
            "zlib level 1 of the page (captures now)": lambda: [zlib.compress(b, 1) for b in bodies],
            "zlib level 6 of the page (captures before)": lambda: [zlib.compress(b, 6) for b in bodies],
            "one SQLite transaction, plain sqlite3: 2 SELECTs, 7 INSERTs, 1 UPDATE, COMMIT": _raw_sqlite(
                tmp / "raw.db", bodies
            ),
            "one SQLAlchemy session transaction with one Core INSERT": _core_transaction(tmp / "core.db", bodies),
        }
        print(f"{n} report pages (scale {args.scale}), mean {sum(map(len, bodies)) / n / 1024:.1f} KiB; CPU ms a page")
        print("| step | CPU ms a page |")
        print("|---|---:|")
        for label, step in steps.items():
            print(f"| {label} | {_fastest(args.rounds, n, step):.3f} |")
        sizes = {level: sum(len(zlib.compress(b, level)) for b in bodies) / sum(map(len, bodies)) for level in (1, 6)}
        print(f"compressed size of the pages: level 1 {sizes[1]:.3f}, level 6 {sizes[6]:.3f} of the bytes")


if __name__ == "__main__":
    main()
