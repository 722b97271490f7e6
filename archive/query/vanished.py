"""Reports that vanished from their site's lists: on a list in one crawl run, absent from the lists of the later
runs that read them whole, whether or not the page itself still answers.

A portal that quietly unlinks a report without deleting its page is a fact worth knowing (the page is often
taken down later, or was replaced under another URL), and one the page re-checks alone never show: they ask for
the page by its URL, list or no list. The lists are read again from the stored answers (archive.query.relist).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.query.relist import ListReader, RunLists, archived_urls, list_runs
from archive.store.models import Exchange, Report

GONE = (404, 410)


@dataclass(frozen=True, slots=True)
class RunRef:
    id: int
    started_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.id, "started_at": self.started_at.isoformat()}


@dataclass(frozen=True, slots=True)
class Vanished:
    """A report no longer on its site's lists."""

    report_id: int
    site_id: str
    title: str
    url: str
    kind: str
    year: int | None
    status: str  # the report's: `removed` once its page answered 404/410 on two crawls in a row
    last_listed: RunRef  # the last run whose lists held it
    first_unlisted: RunRef  # the first run after that whose lists, read whole, did not
    unlisted_runs: int  # runs since it was last listed whose lists were read whole and did not hold it
    page_status: int | None  # the last answer its page gave (None: the archive holds no request for it)

    @property
    def page(self) -> str:
        """`answers` (the page is still served: unlisted only), `gone` (404/410: taken down), `failing` (another
        error the last time) or `unknown`."""
        if self.page_status is None:
            return "unknown"
        if self.page_status in GONE:
            return "gone"
        return "answers" if self.page_status in (200, 304) else "failing"

    def to_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "site_id": self.site_id,
            "title": self.title,
            "url": self.url,
            "kind": self.kind,
            "year": self.year,
            "status": self.status,
            "last_listed_run": self.last_listed.id,
            "last_listed_at": self.last_listed.started_at.isoformat(),
            "first_unlisted_run": self.first_unlisted.id,
            "first_unlisted_at": self.first_unlisted.started_at.isoformat(),
            "unlisted_runs": self.unlisted_runs,
            "page_status": self.page_status,
            "page": self.page,
        }


def vanished(session: Session, site: str | None = None) -> list[Vanished]:
    """Every report that some run's lists held and the lists of every later run read whole did not (one such run
    at least), by site and report id. A run whose lists are not known whole (a list page failed, one it led to
    was never fetched, the run failed or was interrupted) is no evidence of absence; it still counts as
    evidence of presence for what it did list."""
    by_site: dict[str, list[RunLists]] = {}
    reader = ListReader(session)
    for run in list_runs(session, site):
        by_site.setdefault(run.site_id, []).append(reader.read(run))
    out: list[Vanished] = []
    for site_id in sorted(by_site):
        out.extend(_site_vanished(session, site_id, by_site[site_id]))
    return out


def _site_vanished(session: Session, site_id: str, runs: list[RunLists]) -> list[Vanished]:
    known = archived_urls(session, site_id)
    last_listed: dict[int, int] = {}  # report id -> index of the last run whose lists held it
    for i, lists in enumerate(runs):
        for url in lists.entries:
            if (report_id := known.get(url)) is not None:
                last_listed[report_id] = i
    found: list[Vanished] = []
    for report_id, i in sorted(last_listed.items()):
        later = [lists for lists in runs[i + 1 :] if lists.complete]
        if not later:
            continue
        report = session.get(Report, report_id)
        if report is None:
            continue
        listed = runs[i]
        found.append(
            Vanished(
                report_id,
                site_id,
                report.title,
                report.url,
                report.kind,
                report.year,
                report.status,
                RunRef(listed.run_id, listed.started_at),
                RunRef(later[0].run_id, later[0].started_at),
                len(later),
                _page_status(session, report_id),
            )
        )
    return found


def _page_status(session: Session, report_id: int) -> int | None:
    """The status of the last answer to a request for the report's page (a redirect hop comes before its answer)."""
    return session.scalar(
        select(Exchange.status)
        .where(Exchange.report_id == report_id, Exchange.purpose == "report")
        .order_by(Exchange.id.desc())
        .limit(1)
    )
