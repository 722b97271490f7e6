"""Crawl throughput: a full crawl of the portal simulator (extraction and archiving on) against Scrapy's raw
fetch rate of exactly the same requests, both run here, now. `python bench/crawl.py [--rounds N] [--scale N]
[--baseline PATH]` (PATH: a checkout of older code, whose crawl is run alternately with this one's).

Figures are ratios of runs made side by side: absolute rates on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import scrapy
from extraction import replace_section
from sqlalchemy import select

from archive.config import Config
from archive.store.db import make_engine, make_sessionmaker
from archive.store.models import CrawlRun
from portalsim import PortalSim

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## Crawl throughput"


def _env(config: Config, record: Path, code: Path = HERE.parent) -> dict[str, str]:
    return {
        **os.environ,
        **config.as_env(),
        "SCRAPY_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(code), os.environ.get("PYTHONPATH", "")]),
        "BENCH_RECORD": str(record),
        "BENCH_CPU": str(record.with_suffix(".cpu.json")),
    }


@dataclass(frozen=True)
class Run:
    pages: int
    seconds: float  # spider open to close (the raw fetch: first request to last answer)
    cpu: float  # CPU seconds of the process in that window
    process_cpu: float  # CPU seconds of the whole process (start-up, imports and set-up included)

    @property
    def rate(self) -> float:
        return self.pages / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.pages


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def full_crawl(
    sim: PortalSim, tmp: Path, code: Path = HERE.parent, command: tuple[str, ...] = ("-m", "crawler.run")
) -> Run:
    """The project's crawl (the code at `code`), spider open to close as its crawl runs recorded it."""
    registry = tmp / "sites.yaml"
    registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
    config = Config(home=tmp, db_url=f"sqlite:///{tmp / 'bench.db'}", sites_path=registry)
    # The crawl makes the schema itself, so each code's crawl gets its own release's.
    record = tmp / "requests.json"
    before = _child_cpu()
    subprocess.run(
        [sys.executable, *command],
        env=_env(config, record, code),
        cwd=code,  # `-m` puts the working directory first on the path
        check=True,
        stdout=subprocess.DEVNULL,
    )
    process_cpu = _child_cpu() - before
    engine = make_engine(config.db_url)
    with make_sessionmaker(engine)() as session:
        runs = session.scalars(select(CrawlRun)).all()
        start = min(r.started_at for r in runs)
        end = max(r.finished_at for r in runs if r.finished_at)
    engine.dispose()
    pages = len(json.loads(record.read_text(encoding="utf-8")))
    cpu = json.loads(record.with_suffix(".cpu.json").read_text(encoding="utf-8"))["cpu_seconds"]
    return Run(pages, (end - start).total_seconds(), cpu, process_cpu)


def raw_fetch(record: Path, tmp: Path) -> Run:
    config = Config(home=tmp, db_url="sqlite://", sites_path=tmp / "none.yaml")
    before = _child_cpu()
    out = subprocess.run(
        [sys.executable, str(HERE / "rawfetch.py"), str(record)],
        env=_env(config, tmp / "unused.json"),
        check=True,
        capture_output=True,
        text=True,
    )
    process_cpu = _child_cpu() - before
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return Run(int(result["pages"]), float(result["seconds"]), float(result["cpu_seconds"]), process_cpu)


def _row(label: str, runs: list[Run], raw: list[Run]) -> str:
    rate = statistics.median(r.rate for r in runs)
    raw_rate = statistics.median(r.rate for r in raw)
    cpu_ms = statistics.median(r.cpu_ms for r in runs)
    raw_cpu_ms = statistics.median(r.cpu_ms for r in raw)
    process = statistics.median(r.process_cpu for r in runs)
    return (
        f"| {label} | {rate:.1f} | {rate / raw_rate:.2f} | {cpu_ms:.2f} | {raw_cpu_ms / cpu_ms:.2f} | {process:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=20, help="copies of each simulated report")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    parser.add_argument(
        "--baseline", type=Path, help="a checkout of older code: its full crawl is run too, alternately (before/after)"
    )
    args = parser.parse_args()
    codes = {"full crawl": HERE.parent} | ({"full crawl, baseline": args.baseline} if args.baseline else {})
    full: dict[str, list[Run]] = {label: [] for label in codes}
    raw: list[Run] = []
    pages_seen = 0
    with PortalSim(scale=args.scale) as sim:
        for i in range(args.rounds):
            order = list(codes.items())
            for label, code in order if i % 2 == 0 else order[::-1]:
                with tempfile.TemporaryDirectory() as d:
                    tmp = Path(d)
                    run = full_crawl(sim, tmp, code)
                    full[label].append(run)
                    if code == HERE.parent:
                        raw.append(raw_fetch(tmp / "requests.json", tmp))
                        assert raw[-1].pages == run.pages, (raw[-1].pages, run.pages)
                    pages_seen = run.pages
                    sim.reset()
    baseline = f" --baseline {args.baseline}" if args.baseline else ""
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, Scrapy {scrapy.__version__}. "
        f"`python bench/crawl.py --rounds {args.rounds} --scale {args.scale}{baseline}`.",
        "",
        f"One crawl of the four simulated sites at scale {args.scale}: {pages_seen} requests (robots.txt, list pages "
        "and list APIs, report pages, attachments; entries whose titles cannot be reports are not fetched).",
        "",
        "| run | median pages/s | ratio | CPU ms per request | CPU ratio | process CPU s |",
        "|---|---:|---:|---:|---:|---:|",
        *(_row(label, runs, raw) for label, runs in full.items()),
        _row("Scrapy alone, fetching the same requests", raw, raw),
        "",
        "Both runs use the project's settings without politeness delays (loopback target), in subprocesses run "
        f"alternately, {args.rounds} rounds, medians; time is spider open to close (the raw fetch: first request to "
        "last answer). CPU ms per request is the process's CPU time in that same window over the requests; the CPU "
        "ratio (Scrapy alone's over the run's) is the throughput ratio a machine with a core to spare would show, "
        "and is steadier than wall time on a shared machine. Process CPU is the whole process, start-up included. "
        "The full crawl's extra cost is extraction, attachment text (python-docx) and one SQLite transaction per "
        "report page.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        existing = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
        RESULTS.write_text(replace_section(existing, text + _notes(existing), HEADING), "utf-8")


def _notes(existing: str) -> str:
    """The section's written analysis (its `###` subsections), kept when the table above it is measured again."""
    lines = existing.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        return ""
    notes: list[str] = []
    for line in lines[start + 1 :]:
        if re.match(r"#{1,2} ", line):
            break
        if notes or line.startswith("### "):
            notes.append(line)
    return "\n" + "".join(notes).rstrip("\n") + "\n" if notes else ""


if __name__ == "__main__":
    main()
