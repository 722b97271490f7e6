"""The scheduler over a registry of 1,000 sites, with a compressed clock: each site's job fires every few seconds
instead of every day, so hours of scheduling pass in minutes. `python bench/scheduling.py [--sites N] [--seconds S]`.

What runs is the real scheduler (its APScheduler set-up, the job store in a SQLite archive, `sync_jobs`, the alerts
job against a local webhook); each crawl is a stand-in that only records when it started, since 1,000 real crawl
processes a minute measure process start-up, not scheduling (the crawl benchmark measures crawling). Reported:
jobs started per second against the rate the triggers ask for, how late they start, resident memory over time
(it must stay flat as runs accumulate), and the delay between an event entering the outbox and its alert arriving.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.triggers.interval import IntervalTrigger
from extraction import replace_section

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

import scheduler  # noqa: E402
from archive import events  # noqa: E402
from archive.config import Config  # noqa: E402
from archive.db import make_engine, make_sessionmaker  # noqa: E402
from archive.migrate import prepare_for_crawl  # noqa: E402
from archive.store import sync_site  # noqa: E402
from crawler.sites import Site  # noqa: E402
from inbox import Inbox  # noqa: E402

RESULTS = HERE / "RESULTS.md"
HEADING = "## Scheduler"
STARTS: list[float] = []
_LOCK = threading.Lock()


def stand_in_crawl(site_id: str) -> None:
    """Takes a crawl's place in the job: records when it started and holds its worker a moment."""
    with _LOCK:
        STARTS.append(time.monotonic())
    time.sleep(0.01)


def rss_mib() -> float:
    """Resident memory of this process (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between two runs of one site")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to run")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fazhi-bench-"))
    inbox = Inbox()
    config = Config(
        home=tmp / "home", db_url=f"sqlite:///{tmp / 'archive.db'}", sites_path=tmp / "x", notify_urls=(inbox.url,)
    )
    engine = make_engine(config.db_url)
    prepare_for_crawl(engine)
    sites = [
        Site(f"site-{n:04d}", f"第{n}区人民政府", "浙江省", (f"http://127.0.0.1:9/{n}/",), ("127.0.0.1",))
        for n in range(args.sites)
    ]
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        for s in sites:
            sync_site(session, s.id, s.name, s.region, s.platform, s.division_code)

    sched = scheduler.build_scheduler(config, max_crawls=8)
    late: list[float] = []

    def submitted(event: JobSubmissionEvent) -> None:
        if event.job_id.startswith("crawl:"):
            late.append((dt.datetime.now(dt.UTC) - event.scheduled_run_times[-1]).total_seconds())

    sched.add_listener(submitted, EVENT_JOB_SUBMITTED)
    scheduler._runtime = scheduler.Runtime(config, {s.id: s for s in sites})
    sched.start(paused=True)
    t0 = time.monotonic()
    scheduler.sync_jobs(sched, sites, dt.timedelta(seconds=args.every), func="__main__:stand_in_crawl")
    sync_seconds = time.monotonic() - t0
    sched.add_job(
        scheduler.alerts_job,
        IntervalTrigger(seconds=scheduler.ALERT_INTERVAL.total_seconds()),
        jobstore="local",
        executor="local",
    )
    sched.resume()

    started = time.monotonic()
    memory: list[tuple[float, float]] = []
    event_times: dict[str, float] = {}
    n = 0
    while (elapsed := time.monotonic() - started) < args.seconds:
        memory.append((elapsed, rss_mib()))
        if n < int(elapsed // 7):  # an event every 7 s, as a crawl would write it
            with sessions.begin() as session:
                title = events.site_error(session, sites[n % len(sites)].id, f"基准事件 {n}").title
            event_times[title] = time.monotonic()
            n += 1
        time.sleep(1)
    sched.shutdown(wait=True)
    received = {m["title"]: t for m, t in zip(inbox.messages, inbox.arrived_at, strict=True)}
    delays = [received[t] - at for t, at in event_times.items() if t in received]

    demanded = args.sites / args.every
    steady = [t for t in STARTS if t - started > args.every]  # after the first round's spread
    window = (max(steady) - min(steady)) if len(steady) > 1 else 1.0
    # Resident memory at each quarter of the run, after the first round has loaded everything once.
    marks = [args.seconds * q / 4 for q in (1, 2, 3, 4)]
    at_marks = [max(m for t, m in memory if t <= mark) for mark in marks]
    lines = [
        HEADING,
        "",
        f"`python bench/scheduling.py`: {args.sites} sites, each due every {args.every:g} s (a compressed clock: the real "
        f"cadence is daily or weekly), {args.seconds:g} s, 8 crawl slots, jobs in a SQLite archive, alerts to a local "
        f"webhook. {platform.python_implementation()} {platform.python_version()}, {dt.date.today()}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| jobs written to the store (`sync_jobs`, {args.sites} sites) | {sync_seconds:.1f} s |",
        f"| jobs started per second (asked for: {demanded:.0f}/s) | {len(steady) / window:.1f}/s |",
        f"| start lateness p50 / p95 / max | {statistics.median(late):.2f} / "
        f"{statistics.quantiles(late, n=20)[18]:.2f} / {max(late):.2f} s |",
        f"| runs started in all | {len(STARTS)} |",
        "| resident memory, highest by the end of each quarter of the run | "
        + " / ".join(f"{m:.0f}" for m in at_marks)
        + " MiB |",
        f"| event in the outbox to alert received: median / max ({len(delays)} of {len(event_times)} events) | "
        f"{statistics.median(delays):.1f} / {max(delays):.1f} s |",
        "",
        f"The alert delay is bounded by the alerts job's interval ({scheduler.ALERT_INTERVAL.total_seconds():g} s); "
        "a crawl also delivers its own events when it ends, so in real runs most alerts go out sooner.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(replace_section(RESULTS.read_text(encoding="utf-8"), text, HEADING), encoding="utf-8")


if __name__ == "__main__":
    main()
