"""Crawl throughput: a full crawl of the portal simulator (extraction and archiving on) against Scrapy's raw
fetch rate of exactly the same requests, both run here, now. `python bench/crawl.py [--rounds N]`.

Figures are ratios of runs made side by side: absolute rates on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from archive.config import Config
from archive.db import make_engine, make_sessionmaker
from archive.migrate import upgrade
from archive.models import CrawlRun
from portalsim import PortalSim

HERE = Path(__file__).resolve().parent


def _env(config: Config, record: Path) -> dict[str, str]:
    return {
        **os.environ,
        **config.as_env(),
        "SCRAPY_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH", "")]),
        "BENCH_RECORD": str(record),
    }


def full_crawl(sim: PortalSim, tmp: Path) -> tuple[int, float]:
    """Pages fetched and seconds spent by the project's crawl (spider open to close, from the crawl runs)."""
    registry = tmp / "sites.yaml"
    registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
    config = Config(home=tmp, db_url=f"sqlite:///{tmp / 'bench.db'}", sites_path=registry)
    engine = make_engine(config.db_url)
    upgrade(engine)
    record = tmp / "requests.json"
    subprocess.run(
        [sys.executable, "-m", "crawler.run"], env=_env(config, record), check=True, stdout=subprocess.DEVNULL
    )
    with make_sessionmaker(engine)() as session:
        runs = session.scalars(select(CrawlRun)).all()
        start = min(r.started_at for r in runs)
        end = max(r.finished_at for r in runs if r.finished_at)
    engine.dispose()
    pages = len(json.loads(record.read_text(encoding="utf-8")))
    return pages, (end - start).total_seconds()


def raw_fetch(record: Path, tmp: Path) -> tuple[int, float]:
    config = Config(home=tmp, db_url="sqlite://", sites_path=tmp / "none.yaml")
    out = subprocess.run(
        [sys.executable, str(HERE / "rawfetch.py"), str(record)],
        env=_env(config, tmp / "unused.json"),
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return int(result["pages"]), float(result["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=20, help="copies of each simulated report")
    args = parser.parse_args()
    full_rates, raw_rates, pages_seen = [], [], 0
    with PortalSim(scale=args.scale) as sim:
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d)
                pages, secs = full_crawl(sim, tmp)
                raw_pages, raw_secs = raw_fetch(tmp / "requests.json", tmp)
                assert raw_pages == pages, (raw_pages, pages)
                pages_seen = pages
                full_rates.append(pages / secs)
                raw_rates.append(raw_pages / raw_secs)
                sim.reset()
    full, raw = statistics.median(full_rates), statistics.median(raw_rates)
    print(f"pages per crawl: {pages_seen} (four simulated sites, scale {args.scale}: robots.txt, lists, list APIs,")
    print("report pages and attachments; non-report entries are skipped by title and not fetched)")
    print(f"{'':<38}{'median pages/s':>16}")
    print(f"{'full crawl (extract + classify + archive)':<38}{full:>16.1f}")
    print(f"{'Scrapy raw fetch of the same requests':<38}{raw:>16.1f}")
    print(f"ratio full/raw: {full / raw:.2f}  ({args.rounds} rounds, medians)")


if __name__ == "__main__":
    main()
