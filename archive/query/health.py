"""Read-only: crawl runs and each site's health, in the JSON shapes of `fazhi runs` and `fazhi sites`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.query.paging import Page, paginate
from archive.records import Record
from archive.registry.sites import Site
from archive.store.models import CrawlRun, SchedulerJob
from archive.store.schedules import scheduled
from archive.vocab import RunStatus

FINISHED = ("ok", "partial", "failed", "interrupted")


@dataclass(frozen=True, slots=True)
class RunRecord(Record):
    """A crawl run as `fazhi runs` lists it."""

    id: int
    site_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: RunStatus
    pages_fetched: int
    reports_new: int
    reports_changed: int
    reports_unchanged: int
    reports_removed: int
    skipped: int
    errors: int
    messages: tuple[str, ...]

    @classmethod
    def of(cls, run: CrawlRun) -> RunRecord:
        return cls(
            run.id,
            run.site_id,
            run.started_at,
            run.finished_at,
            RunStatus(run.status),
            run.pages_fetched,
            run.reports_new,
            run.reports_changed,
            run.reports_unchanged,
            run.reports_removed,
            run.skipped,
            run.errors,
            tuple(run.messages or ()),
        )


@dataclass(frozen=True, slots=True)
class SiteHealth(Record):
    """A registry site with its health, as `fazhi sites` lists it."""

    id: str
    name: str
    region: str
    platform: str
    schedule: str
    """What the scheduler runs, once one has started; before that, what the registry asks for."""
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_ok_at: dt.datetime | None
    last_status: RunStatus | None
    consecutive_failures: int
    """Finished runs in a row that failed (a run stopped from outside does not count)."""
    family: str | None = None
    """The platform family the registry entry's URLs suggest (hanweb, trs, gkmlpt, ucap ...)."""
    flags: tuple[str, ...] = ()
    """What looks wrong in the registry entry (a host another government also has), in words."""


def list_runs(
    session: Session,
    site: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
    since: dt.datetime | None = None,
) -> Page[RunRecord]:
    """Crawl runs, newest first; `since`: only those started at or after it."""
    stmt = select(CrawlRun).order_by(CrawlRun.id.desc())
    if site:
        stmt = stmt.where(CrawlRun.site_id == site)
    if since is not None:
        stmt = stmt.where(CrawlRun.started_at >= since)
    rows, total = paginate(session, stmt, limit, offset)
    return Page(tuple(RunRecord.of(r) for (r,) in rows), total, limit, offset)


def next_runs(session: Session) -> dict[str, dt.datetime]:
    """Next scheduled crawl per site id, from the scheduler's job store (empty when no scheduler ever ran)."""
    rows = session.execute(select(SchedulerJob.id, SchedulerJob.next_run_time)).all()
    return {
        job_id.removeprefix("crawl:"): dt.datetime.fromtimestamp(ts, dt.UTC)
        for job_id, ts in rows
        if job_id.startswith("crawl:") and ts is not None
    }


def site_health(session: Session, sites: Iterable[Site]) -> list[SiteHealth]:
    """Each registry site with its last run, last good run and how many runs in a row failed."""
    upcoming = next_runs(session)
    running = scheduled(session.connection())
    out: list[SiteHealth] = []
    for site in sites:
        recent = list(
            session.scalars(
                select(CrawlRun)
                .where(CrawlRun.site_id == site.id, CrawlRun.status.in_(FINISHED))
                .order_by(CrawlRun.id.desc())
                .limit(100)
            )
        )
        last_ok = session.scalar(
            select(func.max(CrawlRun.finished_at)).where(CrawlRun.site_id == site.id, CrawlRun.status == "ok")
        )
        failures = 0
        for run in recent:
            if run.status in ("ok", "partial"):
                break
            # A run stopped from outside (a shutdown) says nothing about the site.
            failures += run.status == "failed"
        last = recent[0] if recent else None
        out.append(
            SiteHealth(
                site.id,
                site.name,
                site.region,
                site.platform,
                running.get(site.id) or site.schedule or "seasonal",
                upcoming.get(site.id),
                last.started_at if last else None,
                last_ok,
                RunStatus(last.status) if last else None,
                failures,
                site.family,
                site.flags,
            )
        )
    return out
