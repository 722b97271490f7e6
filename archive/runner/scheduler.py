"""`fazhi schedule`: APScheduler 3.x crawls every registry site on its cadence and sends alerts as events arrive.

Each crawl runs in its own process (Twisted's reactor cannot be restarted in one); this process only decides when,
keeps the job store in the archive database, and holds a lease so that one scheduler at a time drives an archive.
Every trigger is built with the Asia/Shanghai zone on the trigger itself: a trigger made without one takes the
host's zone, and a server in UTC would then crawl eight hours off the registry's schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import signal
import threading
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from archive.alerts.delivery import deliver_pending
from archive.cadence import OFF_SEASON_MONTHS, SEASON_MONTHS, slot
from archive.clock import TIMEZONE
from archive.config import Config
from archive.entrypoints import CRAWL_JOB
from archive.registry.sites import Site, load_registry
from archive.runner.crawl import crawl
from archive.store.handle import Archive
from archive.store.ingest import sync_site
from archive.store.lease import Lease
from archive.store.runs import record_unstarted
from archive.store.schedules import record_schedules

log = logging.getLogger("fazhi.scheduler")

JOB_TABLE = "scheduler_job"
# A machine that was off runs one catch-up crawl per site when it comes back (coalesce), as long as the missed run
# is less than this late: just over a week, the longest gap of the seasonal cadence.
MISFIRE_GRACE = dt.timedelta(days=8)
ALERT_INTERVAL = dt.timedelta(seconds=20)  # alerts go out well within a minute of their event
LEASE_RENEW = dt.timedelta(seconds=20)

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The longest `--every`: a crawl less than yearly would miss a reporting season (and 100000d put first crawls in
# the 23rd century).
MAX_INTERVAL = dt.timedelta(days=366)


def parse_duration(text: str) -> dt.timedelta:
    """`30s`, `10m`, `6h` or `1d` as a timedelta; ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30s, 10m, 6h or 1d")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_INTERVAL.total_seconds():
        raise ValueError(f"{text!r} is longer than {MAX_INTERVAL.days} days: every site is crawled at least yearly")
    return dt.timedelta(seconds=seconds)


# -- triggers -------------------------------------------------------------------------------------------
def site_trigger(site: Site) -> BaseTrigger:
    """The site's own cron (Asia/Shanghai), else the seasonal cadence in the site's slot."""
    if site.schedule:
        return CronTrigger.from_crontab(site.schedule, timezone=TIMEZONE)
    s = slot(site.id)
    daily = CronTrigger(month=SEASON_MONTHS, hour=s.hour, minute=s.minute, timezone=TIMEZONE)
    weekly = CronTrigger(
        month=OFF_SEASON_MONTHS, day_of_week=s.weekday, hour=s.hour, minute=s.minute, timezone=TIMEZONE
    )
    return OrTrigger([daily, weekly])


def every_trigger(interval: dt.timedelta, site_id: str) -> BaseTrigger:
    """`--every`: each site at that interval, the sites' first runs spread over the first interval."""
    offset = dt.timedelta(seconds=slot(site_id).minute * interval.total_seconds() / 60)
    return IntervalTrigger(seconds=interval.total_seconds(), start_date=_now() + offset, timezone=TIMEZONE)


def describe(site: Site, every: dt.timedelta | None) -> str:
    """What the site's job does, in words; a stored job whose description differs is rescheduled."""
    if every is not None:
        return f"every {int(every.total_seconds())}s"
    if site.schedule:
        return f"cron {site.schedule} Asia/Shanghai"
    s = slot(site.id)
    return f"seasonal {s.hour:02d}:{s.minute:02d} Asia/Shanghai, weekly on {s.weekday} outside February-April"


def _now() -> dt.datetime:
    return dt.datetime.now(TIMEZONE)


# -- the running scheduler ----------------------------------------------------------------------------
@dataclass
class Runtime:
    """What the jobs of this process need. Jobs in the persistent store hold only a site id: the configuration
    (notify URLs carry secrets) is never pickled into the database, so a job finds it here."""

    config: Config
    archive: Archive  # opened once for the scheduler's life: its jobs, its crawls' alerts and records share it
    sites: dict[str, Site]
    stopping: threading.Event = field(default_factory=threading.Event)


_runtime: Runtime | None = None


def crawl_job(site_id: str) -> None:
    """One site's scheduled crawl, in a child process; whatever happens to it, the scheduler goes on."""
    rt = _runtime
    if rt is None or rt.stopping.is_set():
        return
    log.info("run start: %s", site_id)
    try:
        report = crawl(rt.config, [site_id], stop=rt.stopping, archive=rt.archive)
    except Exception as exc:  # a crawl that could not run is logged and recorded; it must never stop the scheduler
        log.exception("run end: %s: the crawl could not be run", site_id)
        _record_lost_run(rt, site_id, "failed", f"the crawl could not be run: {type(exc).__name__}: {exc}")
        return
    if not report.run_ids:
        # The crawl ended before it opened its run (stopped while starting, or its process died): say so in the
        # run record too, so `fazhi runs` shows every run the scheduler started.
        status = "interrupted" if report.interrupted else "failed"
        reason = f"crawl {report.interrupted}" if report.interrupted else f"the crawl exited {report.returncode}"
        _record_lost_run(rt, site_id, status, f"{reason} before it started")
    for done in report.sites:
        log.info(
            "run end: %s: %s, %s new, %s changed, %s removed, %s errors",
            done.get("site", site_id),
            done.get("status"),
            done.get("reports_new", 0),
            done.get("reports_changed", 0),
            done.get("reports_removed", 0),
            done.get("errors", 0),
        )
    if not report.sites:
        log.info("run end: %s: %s (exit %s)", site_id, report.interrupted or "no result", report.returncode)


def _record_lost_run(rt: Runtime, site_id: str, status: str, message: str) -> None:
    site = rt.sites[site_id]
    try:
        with rt.archive.sessions.begin() as session:
            sync_site(session, site)
            record_unstarted(session, site.id, status, message)
    except Exception:
        log.exception("could not record the run of %s", site_id)


def alerts_job() -> None:
    rt = _runtime
    if rt is None or not rt.config.notify_urls:
        return
    try:
        delivery = deliver_pending(rt.archive.sessions, rt.config.notify_urls)
    except Exception:
        log.exception("alerts: delivery failed")
        return
    if delivery.sent or delivery.failed:
        log.info("alerts: %s sent, %s failed, %s pending", delivery.sent, delivery.failed, delivery.pending)


def sync_jobs(
    scheduler: BackgroundScheduler, sites: list[Site], every: dt.timedelta | None, func: str = CRAWL_JOB
) -> None:
    """Make the stored jobs match the registry: add new sites, reschedule changed ones, drop removed ones.

    A job whose schedule did not change is left as stored, so a run missed while the scheduler was down is
    still due, and runs once when it starts. `func` is what each site's job calls, by reference.
    """
    wanted = {f"crawl:{s.id}": s for s in sites}
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id not in wanted:
            log.info("site %s left the registry: its job is removed", job.id.removeprefix("crawl:"))
            job.remove()
    stored = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
    for job_id, site in wanted.items():
        name = describe(site, every)
        if job_id in stored and stored[job_id].name == name:
            continue
        trigger = every_trigger(every, site.id) if every is not None else site_trigger(site)
        scheduler.add_job(
            func,
            trigger,
            args=[site.id],
            id=job_id,
            name=name,
            jobstore="default",
            replace_existing=True,
        )


class _Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, except that it processes no job once shut down.

    In 3.x its loop wakes once more after shutdown() and submits the jobs due then to executors that are already
    shut down; the submission fails, yet each job's next run is advanced, so a run that was due would be lost
    instead of being run on the next start. Holding the job-store lock (which shutdown() also takes) while checking
    the state closes the window.
    """

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            wait: float | None = super()._process_jobs()
            return wait


def build_scheduler(archive: Archive, max_crawls: int) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=archive.engine, tablename=JOB_TABLE),
            "local": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(max_crawls), "local": ThreadPoolExecutor(2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
        },
        timezone=TIMEZONE,
    )


def setup_logging(config: Config) -> None:
    handler = RotatingFileHandler(
        config.log_dir / "scheduler.log", maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    for name in ("fazhi.scheduler", "apscheduler"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    log.addHandler(console)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run(
    config: Config,
    every: dt.timedelta | None = None,
    *,
    max_crawls: int = 2,
) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
    global _runtime
    sites = load_registry(config.sites_path)  # a bad registry is refused before anything is made
    # A new archive is made here, an unusable one refused before anything starts.
    archive = Archive.open(config, write=True)
    try:
        lease = Lease.acquire(config.db_url, "scheduler")
    except BaseException:
        archive.close()
        raise
    setup_logging(config)
    scheduler = build_scheduler(archive, max_crawls)
    rt = Runtime(config, archive, {site.id: site for site in sites})
    _runtime = rt

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping (running crawls are ended or finish)", signal.Signals(signum).name)
        rt.stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start(paused=True)
        sync_jobs(scheduler, sites, every)
        with archive.engine.begin() as conn:
            record_schedules(conn, {site.id: describe(site, every) for site in sites})
        scheduler.add_job(
            alerts_job,
            IntervalTrigger(seconds=ALERT_INTERVAL.total_seconds()),
            id="alerts",
            jobstore="local",
            executor="local",
            next_run_time=_now(),
        )
        scheduler.add_job(
            lease.renew,
            IntervalTrigger(seconds=LEASE_RENEW.total_seconds()),
            id="lease",
            jobstore="local",
            executor="local",
        )
        scheduler.resume()
        log.info("scheduler started: %d sites, %s", len(sites), f"every {every}" if every else "registry cadence")
        while not rt.stopping.wait(1):
            if lease.lost:
                log.error("the scheduler lease was taken over: stopping")
                rt.stopping.set()
        scheduler.shutdown(wait=True)  # no new jobs; running crawls see `stopping` and end their child
        alerts_job()
        log.info("scheduler stopped")
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _runtime = None
        lease.release()
        archive.close()
