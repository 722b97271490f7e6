"""Crawl-run rows, written here and nowhere else: opened when a site's crawl starts, closed with its counts, closed
as interrupted when its crawl process could not close it, and recorded whole for a crawl that never started."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.store.models import CrawlRun, utcnow
from archive.vocab import RunStatus


def open_run(session: Session, site_id: str) -> int:
    """A new `running` run of the site; its id. A run of the site still `running` from before was killed: it is
    closed as interrupted first, rather than left open for ever."""
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.site_id == site_id, CrawlRun.status == RunStatus.RUNNING)
        .values(status=RunStatus.INTERRUPTED, finished_at=utcnow())
    )
    run = CrawlRun(site_id=site_id)
    session.add(run)
    session.flush()
    return run.id


def close_run(
    session: Session, run_id: int | None, status: str, messages: Sequence[str], counts: Mapping[str, int]
) -> None:
    """The run ended: its status, every message and its counts (`pages_fetched`, `reports_new`, …)."""
    run = session.get(CrawlRun, run_id) if run_id is not None else None
    if run is None:
        return
    run.finished_at = utcnow()
    run.status = status
    run.messages = list(messages)
    for key, value in counts.items():
        setattr(run, key, value)


def close_unclosed(session: Session, run_ids: Sequence[int], message: str) -> None:
    """Of `run_ids`, those still `running` once their crawl process is gone: interrupted, with `message`."""
    if run_ids:
        session.execute(
            update(CrawlRun)
            .where(CrawlRun.id.in_(run_ids), CrawlRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.INTERRUPTED, finished_at=utcnow(), messages=[message])
        )


def record_unstarted(session: Session, site_id: str, status: str, message: str) -> None:
    """A crawl of the site that never got to open its run (it could not start, or was stopped first)."""
    session.add(CrawlRun(site_id=site_id, status=status, finished_at=utcnow(), messages=[message]))


def failed_before(session: Session, site_id: str, run_id: int | None) -> bool:
    """Whether the site's last finished run before `run_id` failed: a site that keeps failing is alerted once."""
    previous = session.scalars(
        select(CrawlRun.status)
        .where(
            CrawlRun.site_id == site_id,
            CrawlRun.id != run_id,
            CrawlRun.status.in_((RunStatus.OK, RunStatus.PARTIAL, RunStatus.FAILED)),
        )
        .order_by(CrawlRun.id.desc())
        .limit(1)
    ).first()
    return previous == RunStatus.FAILED
