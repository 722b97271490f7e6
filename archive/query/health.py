"""Read-only: crawl runs and each site's health, in the JSON shapes of `fazhi runs` and `fazhi sites`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.clock import iso
from archive.query.paging import Page, paginate
from archive.registry.sites import Site
from archive.store.models import CrawlRun, SchedulerJob
from archive.store.schedules import scheduled

FINISHED = ("ok", "partial", "failed", "interrupted")


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A crawl run as `fazhi runs` lists it."""

    id: int
    site_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
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
            run.status,
            run.pages_fetched,
            run.reports_new,
            run.reports_changed,
            run.reports_unchanged,
            run.reports_removed,
            run.skipped,
            run.errors,
            tuple(run.messages or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "status": self.status,
            "pages_fetched": self.pages_fetched,
            "reports_new": self.reports_new,
            "reports_changed": self.reports_changed,
            "reports_unchanged": self.reports_unchanged,
            "reports_removed": self.reports_removed,
            "skipped": self.skipped,
            "errors": self.errors,
            "messages": list(self.messages),
        }


def run_dict(run: CrawlRun) -> dict[str, Any]:
    return RunRecord.of(run).to_json()


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


def site_health(session: Session, sites: Iterable[Site]) -> list[dict[str, Any]]:
    """Each registry site with its last run, last good run and how many runs in a row failed."""
    upcoming = next_runs(session)
    running = scheduled(session.connection())
    out: list[dict[str, Any]] = []
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
            {
                "id": site.id,
                "name": site.name,
                "region": site.region,
                "platform": site.platform,
                # What the scheduler runs, once one has started; before that, what the registry asks for.
                "schedule": running.get(site.id) or site.schedule or "seasonal",
                "next_run_at": iso(upcoming.get(site.id)),
                "last_run_at": iso(last.started_at) if last else None,
                "last_ok_at": iso(last_ok),
                "last_status": last.status if last else None,
                "consecutive_failures": failures,
            }
        )
    return out
