"""Where a full crawl's CPU goes, per report page: `python bench/phases.py [--scale N] [--code PATH]` runs one
crawl of the simulator as bench/crawl.py does, with the steps of each page timed in CPU time (time.process_time)
inside the crawl process, and prints milliseconds per call. Steps nest: the pipeline's `_store` holds derive, the
exchange records, ingest and the link to the report; what no step holds is Scrapy's own work and the spider's.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = "BENCH_PHASES"


def _timed(owner: Any, name: str, label: str, totals: dict[str, list[float]]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label][0] += time.process_time() - t
            totals[label][1] += 1

    setattr(owner, name, timed)


def child() -> int:
    """The crawl process: `python -m crawler.run` with the steps wrapped."""
    import crawler.pipelines as pipelines
    import crawler.run
    import crawler.spiders.reports as reports

    totals: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0])
    _timed(reports, "extract_page", "spider: extract_page (lxml parse and extraction)", totals)
    _timed(pipelines.ArchivePipeline, "_store", "pipeline: _store (one transaction, commit included)", totals)
    _timed(pipelines, "derive", "  derive (classification, content hash)", totals)
    _timed(pipelines.exchanges, "save", "  exchanges.save (captures and exchange rows)", totals)
    _timed(pipelines.store, "ingest", "  store.ingest", totals)
    _timed(pipelines.exchanges, "assign_report", "  exchanges.assign_report", totals)
    _timed(pipelines, "_link", "  _link (exchanges of an older version)", totals)
    try:
        return crawler.run.main([])
    finally:
        with open(os.environ[OUT], "w", encoding="utf-8") as fh:
            json.dump(totals, fh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--code", type=Path, help="the checkout whose crawl is measured (default: this one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(child())
    from crawl import full_crawl

    from portalsim import PortalSim

    with PortalSim(scale=args.scale) as sim, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out = tmp / "phases.json"
        os.environ[OUT] = str(out)
        code = args.code or Path(__file__).resolve().parent.parent
        run = full_crawl(sim, tmp, code, command=(str(Path(__file__).resolve()), "--child"))
        totals = json.loads(out.read_text(encoding="utf-8"))
    print(
        f"scale {args.scale}: {run.pages} requests, {run.cpu:.2f} CPU s spider open to close ({run.cpu_ms:.2f} ms each)"
    )
    print("| step | calls | CPU ms per call |")
    print("|---|---:|---:|")
    for label, (seconds, calls) in totals.items():
        print(f"| {label} | {calls} | {1000 * seconds / calls:.2f} |")


if __name__ == "__main__":
    main()
