"""Read-only: crawl runs and each site's health, in the JSON shapes of `fazhi runs` and `fazhi sites`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import CrawlRun, SchedulerJob

FINISHED = ("ok", "partial", "failed", "interrupted")


class RegistrySite(Protocol):
    """What health needs of a registry entry (crawler.sites.Site has it; the archive does not import the crawler)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def schedule(self) -> str | None: ...


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_dict(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "site_id": run.site_id,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "status": run.status,
        "pages_fetched": run.pages_fetched,
        "reports_new": run.reports_new,
        "reports_changed": run.reports_changed,
        "reports_unchanged": run.reports_unchanged,
        "reports_removed": run.reports_removed,
        "skipped": run.skipped,
        "errors": run.errors,
        "messages": list(run.messages or []),
    }


def list_runs(session: Session, site: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    stmt = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if site:
        stmt = stmt.where(CrawlRun.site_id == site)
    return [run_dict(r) for r in session.scalars(stmt)]


def next_runs(session: Session) -> dict[str, dt.datetime]:
    """Next scheduled crawl per site id, from the scheduler's job store (empty when no scheduler ever ran)."""
    rows = session.execute(select(SchedulerJob.id, SchedulerJob.next_run_time)).all()
    return {
        job_id.removeprefix("crawl:"): dt.datetime.fromtimestamp(ts, dt.UTC)
        for job_id, ts in rows
        if job_id.startswith("crawl:") and ts is not None
    }


def site_health(session: Session, sites: Iterable[RegistrySite]) -> list[dict[str, Any]]:
    """Each registry site with its last run, last good run and how many runs in a row failed."""
    upcoming = next_runs(session)
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
                "schedule": site.schedule or "seasonal",
                "next_run_at": _iso(upcoming.get(site.id)),
                "last_run_at": _iso(last.started_at) if last else None,
                "last_ok_at": _iso(last_ok),
                "last_status": last.status if last else None,
                "consecutive_failures": failures,
            }
        )
    return out
