"""Crawl throughput: a full crawl of the portal simulator (extraction and archiving on) against Scrapy's raw
fetch rate of exactly the same requests, both run here, now. `python bench/crawl.py [--rounds N]`.

Figures are ratios of runs made side by side: absolute rates on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import scrapy
from extraction import replace_section
from sqlalchemy import select

from archive.config import Config
from archive.db import make_engine, make_sessionmaker
from archive.migrate import upgrade
from archive.models import CrawlRun
from portalsim import PortalSim

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## Crawl throughput"


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
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
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
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, Scrapy {scrapy.__version__}. "
        f"`python bench/crawl.py --rounds {args.rounds} --scale {args.scale}`.",
        "",
        f"One crawl of the four simulated sites at scale {args.scale}: {pages_seen} requests (robots.txt, list pages "
        "and list APIs, report pages, attachments; entries whose titles cannot be reports are not fetched).",
        "",
        "| run | median pages/s | ratio |",
        "|---|---:|---:|",
        f"| full crawl: fetch + extract + classify + archive (SQLite) | {full:.1f} | {full / raw:.2f} |",
        f"| Scrapy alone, fetching the same requests | {raw:.1f} | 1.00 |",
        "",
        "Both runs use the project's settings without politeness delays (loopback target), in subprocesses run "
        f"alternately, {args.rounds} rounds; time is spider open to close. The full crawl's extra cost is "
        "extraction, attachment text (python-docx) and one SQLite transaction per report page.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        existing = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
        RESULTS.write_text(replace_section(existing, text, HEADING), "utf-8")


if __name__ == "__main__":
    main()
