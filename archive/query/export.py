"""Exports that standard tools read: JSON Lines and CSV (one report a row, its latest text, the `show` shape) and
WARC (every HTTP exchange held for the reports, as captured). Each streams one report at a time."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zlib
from collections.abc import Iterator
from http import HTTPStatus
from io import BytesIO
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.errors import NotFound
from archive.query.reports import show_report
from archive.store.models import Attachment, Capture, Exchange, Report, Version

FORMATS = ("jsonl", "csv", "warc")
_PAGE = 500  # report ids read per query

# The `show` fields that are one value each, in its order; the lists are flattened after them.
CSV_COLUMNS = (
    "id",
    "site_id",
    "region",
    "publisher",
    "title",
    "kind",
    "year",
    "published_date",
    "url",
    "status",
    "version_count",
    "first_seen_at",
    "last_changed_at",
    "version",
    "fetched_at",
    "content_sha256",
    "extractor_version",
    "encoding",
    "replacement_chars",
    "text",
    "attachment_count",
    "attachment_urls",
    "attachment_filenames",
    "attachment_media_types",
    "attachment_sha256",
    "attachment_text",
    "sections",
    "sections_source",
    "missing_sections",
)


def report_ids(session: Session, site: str | None = None, year: int | None = None) -> Iterator[int]:
    """The selected reports' ids in order, read a page at a time (keyset), so a large archive is never all held."""
    last = 0
    while True:
        stmt = select(Report.id).where(Report.id > last).order_by(Report.id).limit(_PAGE)
        if site is not None:
            stmt = stmt.where(Report.site_id == site)
        if year is not None:
            stmt = stmt.where(Report.year == year)
        ids = list(session.scalars(stmt))
        if not ids:
            return
        yield from ids
        last = ids[-1]


def shown(session: Session, site: str | None = None, year: int | None = None) -> Iterator[dict[str, Any]]:
    """Each selected report in the `show` shape (latest version); the session forgets it once it is handed on."""
    for report_id in report_ids(session, site, year):
        try:
            doc = show_report(session, report_id).to_json()
        except NotFound:  # a report without any version (none is written that way; older archives may hold one)
            continue
        session.expunge_all()  # read-only: keeps the identity map, and memory, flat
        yield doc


def write_jsonl(session: Session, out: IO[str], site: str | None = None, year: int | None = None) -> int:
    n = 0
    for doc in shown(session, site, year):
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        n += 1
    return n


def csv_row(doc: dict[str, Any]) -> dict[str, Any]:
    """A `show` document as one CSV row: attachments' fields one per line in each cell, texts under their file name."""
    atts = doc["attachments"]
    row = {k: doc.get(k) for k in CSV_COLUMNS[:20]}
    row.update(
        attachment_count=len(atts),
        attachment_urls="\n".join(a["url"] for a in atts),
        attachment_filenames="\n".join(a["filename"] for a in atts),
        attachment_media_types="\n".join(a["media_type"] or "" for a in atts),
        attachment_sha256="\n".join(a["sha256"] or "" for a in atts),
        attachment_text="\n\n".join(f"【{a['filename']}】\n{a['text'] or ''}" for a in atts),
        sections="\n".join(s["heading"] for s in doc.get("sections", ())),
        sections_source=doc.get("sections_source"),
        missing_sections=" ".join(doc.get("missing_sections", ())),
    )
    return {k: "" if v is None else v for k, v in row.items()}


def write_csv(session: Session, out: IO[str], site: str | None = None, year: int | None = None) -> int:
    """CSV in UTF-8 with a byte order mark (`out` must encode UTF-8): without it Excel garbles the Chinese."""
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    n = 0
    for doc in shown(session, site, year):
        writer.writerow(csv_row(doc))
        n += 1
    return n


def exchanges_of(session: Session, report_id: int) -> list[Exchange]:
    """The exchanges held for a report: those made for it, and those its versions and attachments point at."""
    versions = select(Version.exchange_id).where(Version.report_id == report_id)
    files = (
        select(Attachment.exchange_id)
        .join(Version, Version.id == Attachment.version_id)
        .where(Version.report_id == report_id)
    )
    return list(
        session.scalars(
            select(Exchange)
            .where(or_(Exchange.report_id == report_id, Exchange.id.in_(versions), Exchange.id.in_(files)))
            .order_by(Exchange.id)
        )
    )


def write_warc(session: Session, out: IO[bytes], site: str | None = None, year: int | None = None) -> int:
    """A gzipped WARC: a warcinfo record, then for each exchange of the selected reports a response record (status
    line, headers, body as captured) and its request record; the number of exchanges written."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True)
    selection = ", ".join(f for f in (f"site {site}" if site else "", f"year {year}" if year else "") if f)
    writer.write_record(
        writer.create_warcinfo_record(
            "fazhi-export.warc.gz",
            {
                "software": "Fazhi Archive (fazhi export)",
                "format": "WARC File Format 1.1",
                "description": f"HTTP exchanges of archived reports ({selection or 'all reports'})",
            },
        )
    )
    written: set[int] = set()  # an exchange shared by two reports (one file, two pages) is written once
    for report_id in report_ids(session, site, year):
        for ex in exchanges_of(session, report_id):
            if ex.id not in written:
                _write_exchange(session, writer, ex)
                written.add(ex.id)
        session.expunge_all()
    return len(written)


def _write_exchange(session: Session, writer: Any, ex: Exchange) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.timeutils import datetime_to_iso_date

    date = datetime_to_iso_date(ex.fetched_at.astimezone(dt.UTC).replace(tzinfo=None))
    body = _body(session, ex.capture_sha256)
    headers = _response_headers(ex.response_headers, len(body))
    try:
        reason = HTTPStatus(ex.status).phrase
    except ValueError:
        reason = ""
    response = writer.create_warc_record(
        ex.url,
        "response",
        payload=BytesIO(body),
        length=None,
        http_headers=StatusAndHeaders(f"{ex.status} {reason}".strip(), headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date},
    )
    sent = _body(session, ex.request_body_sha256)
    parts = urlsplit(ex.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = [(k, v) for k, v in ex.request_headers]
    if not any(k.lower() == "host" for k, _ in request_headers):
        request_headers.insert(0, ("Host", parts.netloc))  # added by the HTTP client below the crawler
    request = writer.create_warc_record(
        ex.url,
        "request",
        payload=BytesIO(sent),
        http_headers=StatusAndHeaders(f"{ex.method} {target} HTTP/1.1", request_headers, is_http_request=True),
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(response)
    writer.write_record(request)


def _body(session: Session, sha256: str | None) -> bytes:
    # Read past the ORM: bodies are large and read once, so the identity map would only hold them.
    if sha256 is None:
        return b""
    row = session.execute(select(Capture.compression, Capture.body).where(Capture.sha256 == sha256)).one()
    return zlib.decompress(row.body) if row.compression == "zlib" else row.body


def _response_headers(pairs: list[list[str]], length: int) -> list[tuple[str, str]]:
    """The answer's headers as received, made true of the body stored: the HTTP client removed any chunked
    transfer coding, so Transfer-Encoding goes and Content-Length is the body's."""
    out = [(k, v) for k, v in pairs if k.lower() not in ("transfer-encoding", "content-length")]
    out.append(("Content-Length", str(length)))
    return out
