"""Turn archive changes into events in the outbox, worded for the people who receive the alerts."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from archive.diff import summarize
from archive.store.models import Event, Report, Site

LABELS = {"new": "新报告:", "changed": "报告更新:", "removed": "报告撤下:", "site_error": "站点异常:"}


# Only the name: loading the whole row as an object cost several times the statement.
_SITE_NAME = select(Site.name).where(Site.id == bindparam("site_id"))


def _site_name(session: Session, site_id: str) -> str:
    name = session.scalar(_SITE_NAME, {"site_id": site_id})
    return name if name is not None else site_id


def _report_lines(session: Session, report: Report) -> list[str]:
    year = f"{report.year}年度" if report.year else "年度未知"
    return [f"{_site_name(session, report.site_id)} · {year} · {report.kind}", report.url]


def report_new(session: Session, report: Report) -> Event:
    return _add(session, "new", report.site_id, report, 1, report.title, _report_lines(session, report))


def report_changed(session: Session, report: Report, old_text: str, new_text: str, version: int) -> Event:
    lines = [*_report_lines(session, report), f"第{version}版: {summarize(old_text, new_text)}"]
    return _add(session, "changed", report.site_id, report, version, report.title, lines)


def report_removed(session: Session, report: Report, status: int) -> Event:
    lines = [*_report_lines(session, report), f"页面连续两次返回 {status}"]
    return _add(session, "removed", report.site_id, report, None, report.title, lines)


def site_error(session: Session, site_id: str, message: str, url: str | None = None) -> Event:
    lines = [message] + ([url] if url else [])
    return _add(session, "site_error", site_id, None, None, _site_name(session, site_id), lines)


def _add(
    session: Session,
    kind: str,
    site_id: str,
    report: Report | None,
    version: int | None,
    subject: str,
    lines: list[str],
) -> Event:
    event = Event(
        kind=kind,
        site_id=site_id,
        report_id=report.id if report else None,
        version=version,
        title=f"{LABELS[kind]} {subject}",
        body="\n".join(lines),
    )
    session.add(event)
    return event
