"""HTTP exchange records: every request the crawler made and the answer it got, written in batches or with
the report they belong to, and found again for exports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from archive.store.ingest import ExchangeFor, find_report, put_capture
from archive.store.models import Exchange, Version
from archive.store.raw import ExchangeRecord

# Built once (see archive/store/ingest.py): the ids come back in the order of the rows.
_INSERT = insert(Exchange).returning(Exchange.id, sort_by_parameter_order=True)
_ASSIGN = (
    update(Exchange)
    .where(Exchange.id.in_(bindparam("ids", expanding=True)), Exchange.report_id.is_(None))
    .values(report_id=bindparam("to_report"))
)


def save(session: Session, records: Sequence[ExchangeRecord], crawl_run_id: int | None) -> list[int]:
    """Insert the records not yet written (bodies as captures, stored once); the ids of all, in order.

    The ids are only set on the records by `committed` once the caller's transaction holds.
    """
    todo = [rec for rec in records if rec.exchange_id is None]
    rows = [
        {
            "crawl_run_id": crawl_run_id,
            "site_id": rec.site_id,
            "purpose": rec.purpose,
            "method": rec.method,
            "url": rec.url,
            "request_headers": rec.request_headers,
            "request_body_sha256": put_capture(session, rec.request_body) if rec.request_body else None,
            "status": rec.status,
            "response_headers": rec.response_headers,
            "capture_sha256": put_capture(session, rec.body) if rec.body else None,
            "content_encoding": rec.content_encoding,
            "fetched_at": rec.fetched_at,
        }
        for rec in todo
    ]
    new: dict[int, int] = {}
    if rows:
        # Rows nothing in the session holds as objects: one INSERT for all (RETURNING the ids in the rows' order),
        # without the unit of work, which cost as much again as the statement.
        new = {id(rec): i for rec, i in zip(todo, session.connection().scalars(_INSERT, rows).all(), strict=True)}
    return [rec.exchange_id if rec.exchange_id is not None else new[id(rec)] for rec in records]


def assign_reports(session: Session, records: Sequence[ExchangeRecord], ids: Sequence[int]) -> None:
    """Records that reached no archived item (a redirect the crawler did not follow again, a page it left out):
    each is given the report it was made for, when the archive knows that report."""
    found: dict[tuple[str, str], int | None] = {}
    for rec, exchange_id in zip(records, ids, strict=True):
        if rec.report_url is None or rec.site_id is None:
            continue
        key = (rec.site_id, rec.report_url)
        if key not in found:
            report = find_report(session, *key)
            found[key] = report.id if report is not None else None
        if (report_id := found[key]) is not None:
            assign_report(session, [exchange_id], report_id)


def committed(records: Iterable[ExchangeRecord], ids: Iterable[int]) -> None:
    """Mark records as written, once the transaction that wrote them has committed."""
    for rec, exchange_id in zip(records, ids, strict=True):
        rec.exchange_id = exchange_id


def assign_report(session: Session, ids: Sequence[int], report_id: int) -> None:
    """The exchanges `ids` were made for this report (its page, the redirects to it, its files)."""
    if ids:
        # On the connection: exchanges are written without ORM objects (`save`), so there are none to keep in step.
        session.connection().execute(_ASSIGN, {"ids": list(ids), "to_report": report_id})


def link_version(
    session: Session,
    report_id: int,
    number: int,
    page: tuple[Sequence[ExchangeRecord], Sequence[int]],
    files: dict[str, tuple[Sequence[ExchangeRecord], Sequence[int]]],
) -> None:
    """Point the version and its attachments at the exchanges that brought their bytes, where not done yet."""
    version = session.scalars(
        select(Version).where(Version.report_id == report_id, Version.version == number)
    ).one_or_none()
    if version is None:
        return
    answer = answers(session, page, files)
    if version.exchange_id is None:
        version.exchange_id = answer(None, version.capture_sha256)
    for a in version.attachments:
        if a.exchange_id is None and a.sha256 is not None:
            a.exchange_id = answer(a.url, a.sha256)


def answers(
    session: Session,
    page: tuple[Sequence[ExchangeRecord], Sequence[int]],
    files: dict[str, tuple[Sequence[ExchangeRecord], Sequence[int]]],
) -> ExchangeFor:
    """The exchange that brought the bytes `sha256` of the page (url None) or of its file at `url`: what a version
    built now is given as it is inserted, and what `link_version` gives an older one."""

    def answer(url: str | None, sha256: str) -> int | None:
        return _answer(session, *(page if url is None else files.get(url, ((), ()))), sha256)

    return answer


def _answer(session: Session, records: Sequence[ExchangeRecord], ids: Sequence[int], sha256: str) -> int | None:
    """The exchange that brought the bytes `sha256`: the answer in `records` when it did, else the latest stored
    one whose body has that hash (an archived copy standing in for a failed download, a page behind a 304)."""
    if records and records[-1].status == 200:
        last = records[-1]
        # Compressed on the wire, the body's hash is not the decoded bytes': the 200 that carried them is the answer.
        if last.content_encoding is not None or hashlib.sha256(last.body).hexdigest() == sha256:
            return ids[-1]
    return session.scalar(
        select(Exchange.id)
        .where(Exchange.capture_sha256 == sha256, Exchange.status == 200)
        .order_by(Exchange.id.desc())
        .limit(1)
    )
