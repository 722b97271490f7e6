"""`fazhi reextract` repairs archives made by the text-only merge, on real SQLite and PostgreSQL.

Each test writes the rows the old ingest left behind (captures, fetch log, versions, aliases, events)
directly, then repairs them and crawls on with the current ingest.
"""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_identity import BASE, BUREAU, BUREAU_TEXT, FINANCE, FINANCE_TEXT, PARAS, T0, TITLE, _docx, _scanned_pdf
from test_identity import pointer as pointer_page

from archive.cli.main import cli
from archive.store import events
from archive.store import ingest as store
from archive.store.derive import derive
from archive.store.models import Event, Report, ReportURL, Version, utcnow
from archive.store.raw import RawPage
from archive.store.reextract import reextract

DAY = dt.timedelta(days=1)


def _site(s: Session) -> None:
    store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))


def _old_ingest(s: Session, page: RawPage, report: Report | None, delivered: bool = False) -> Report:
    """What the old ingest stored for `page` when it became a new version of `report` (or a new report)."""
    sha = store.put_capture(s, page.body)
    store.record_fetch(s, page, sha, None)
    hashes: dict[str, str | None] = {f.url: store.put_capture(s, f.body) for f in page.files if f.body is not None}
    d = derive(page)
    if report is None:
        report = Report(site_id="yuhang", url=page.url, title=d.title, kind=d.kind or "related", year=d.year,
                        first_seen_at=page.fetched_at, last_changed_at=page.fetched_at,
                        last_checked_at=page.fetched_at)  # fmt: skip
        s.add(report)
        s.flush()
    previous = store.latest_version(s, report.id)
    number = 1 if previous is None else previous.version + 1
    change = "new" if number == 1 else "changed"
    version = store.build_version(report.id, number, change, page.fetched_at, sha, d, hashes)
    s.add(version)
    store.set_current(report, version)  # as migration 0007 points an older archive's reports at their newest
    report.title = d.title
    s.flush()
    event = (
        events.report_new(s, report)
        if previous is None
        else events.report_changed(s, report, previous.text, d.text, number)
    )
    if delivered:
        event.delivered_at = utcnow()
    return report


def _old_alias(s: Session, report: Report, page: RawPage) -> None:
    """The old ingest's answer to a page whose text equalled the report's: an alias, no version."""
    sha = store.put_capture(s, page.body)
    store.record_fetch(s, page, sha, None)
    for f in page.files:
        if f.body is not None:
            store.put_capture(s, f.body)
    s.add(
        ReportURL(
            report_id=report.id, site_id="yuhang", url=page.url, reason="same_text", first_seen_at=page.fetched_at
        )
    )


def _texts(sessions: sessionmaker[Session]) -> dict[str, list[tuple[int, str, str]]]:
    with sessions() as s:
        out: dict[str, list[tuple[int, str, str]]] = {}
        for report in s.scalars(select(Report).order_by(Report.id)):
            rows = s.scalars(select(Version).where(Version.report_id == report.id).order_by(Version.version))
            out[report.url] = [(v.version, v.change, v.text) for v in rows]
        return out


def _pending(sessions: sessionmaker[Session]) -> list[tuple[str, int | None]]:
    with sessions() as s:
        rows = s.scalars(select(Event).where(Event.delivered_at.is_(None)).order_by(Event.id))
        return [(e.kind, e.version) for e in rows]


def _flip_flopping_twins(sessions: sessionmaker[Session], a_doc: bytes, b_doc: bytes) -> None:
    with sessions.begin() as s:
        _site(s)
        # Crawl 1: both attachments answer 503; the second page reads like the first and became its alias.
        a = _old_ingest(s, pointer_page(1, BUREAU, "a.docx", None), None, delivered=True)
        _old_alias(s, a, pointer_page(2, FINANCE, "b.docx", None, at=T0 + dt.timedelta(minutes=1)))
        # Crawls 2 and 3: the attachments are back, and every page flips the report to its own text.
        _old_ingest(s, pointer_page(1, BUREAU, "a.docx", a_doc, at=T0 + DAY), a, delivered=True)
        _old_ingest(s, pointer_page(2, FINANCE, "b.docx", b_doc, at=T0 + DAY), a)
        _old_ingest(s, pointer_page(1, BUREAU, "a.docx", a_doc, at=T0 + 2 * DAY), a)
        _old_ingest(s, pointer_page(2, FINANCE, "b.docx", b_doc, at=T0 + 2 * DAY), a)


def test_reextract_splits_flip_flopping_twins(sessions: sessionmaker[Session]) -> None:
    a_doc, b_doc = _docx(BUREAU_TEXT), _docx(FINANCE_TEXT)
    a_text, b_text = "\n".join(BUREAU_TEXT), "\n".join(FINANCE_TEXT)
    _flip_flopping_twins(sessions, a_doc, b_doc)
    assert len(_texts(sessions)[f"{BASE}1.html"]) == 5
    assert _pending(sessions) == [("changed", 3), ("changed", 4), ("changed", 5)]

    summary = reextract(sessions)
    assert (summary.split, summary.failed) == (1, ())
    texts = _texts(sessions)
    assert texts == {f"{BASE}1.html": [(1, "new", a_text)], f"{BASE}2.html": [(1, "new", b_text)]}
    assert _pending(sessions) == []  # the false 报告更新 alerts not yet sent never go out
    with sessions() as s:
        assert s.scalars(select(ReportURL)).all() == []
        twin = s.scalars(select(Report).where(Report.url == f"{BASE}2.html")).one()
        assert (twin.title, twin.kind, twin.year) == (FINANCE, "department_report", 2023)
        assert s.scalars(select(Report.title).where(Report.url == f"{BASE}1.html")).one() == BUREAU
        (v,) = s.scalars(select(Version).where(Version.report_id == twin.id))
        assert v.fetched_at == T0 + DAY and v.attachments[0].sha256

    # Crawling on changes nothing, and a second repair finds nothing to do.
    for n, title, name, doc in [(1, BUREAU, "a.docx", a_doc), (2, FINANCE, "b.docx", b_doc)]:
        with sessions.begin() as s:
            result = store.ingest(s, pointer_page(n, title, name, doc, at=T0 + 3 * DAY))
        assert result.outcome is store.Outcome.UNCHANGED and result.version == 1
    again = reextract(sessions)
    assert (again.split, again.folded, again.changed) == (0, 0, 0)
    assert _texts(sessions) == texts and _pending(sessions) == []


def test_reextract_splits_scanned_pdf_twins_and_the_crawl_completes_them(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        _site(s)
        a = _old_ingest(s, pointer_page(1, BUREAU, "a.pdf", _scanned_pdf(595)), None)
        _old_alias(s, a, pointer_page(2, FINANCE, "b.pdf", _scanned_pdf(600), at=T0 + dt.timedelta(minutes=1)))

    assert reextract(sessions).split == 1
    texts = _texts(sessions)
    assert texts == {f"{BASE}1.html": [(1, "new", "详见附件。")], f"{BASE}2.html": [(1, "new", "详见附件。")]}
    with sessions() as s:
        # Its file was never recorded as its own: the next crawl fetches the page in full and completes it.
        assert (f"{BASE}2.html", None, None) in store.known_report_urls(s, "yuhang")
    with sessions.begin() as s:
        result = store.ingest(s, pointer_page(2, FINANCE, "b.pdf", _scanned_pdf(600), at=T0 + DAY))
    assert result.outcome is store.Outcome.UNCHANGED and result.version == 1
    with sessions() as s:
        twin = s.scalars(select(Report).where(Report.url == f"{BASE}2.html")).one()
        (v,) = s.scalars(select(Version).where(Version.report_id == twin.id))
        assert v.attachments[0].sha256 and v.attachments[0].error is None
        assert [k for k, _ in _pending(sessions)] == ["new"]  # the first report's; a repair sends no alerts


def test_reextract_keeps_a_true_alias(sessions: sessionmaker[Session]) -> None:
    paras = [*PARAS, "三、下一步工作安排", "持续深化法治政府建设示范创建，全面提升依法行政能力和水平。"]
    body = hanweb_page(TITLE, paras)
    with sessions.begin() as s:
        _site(s)
        report = _old_ingest(s, RawPage("yuhang", f"{BASE}1.html", 200, body, T0), None)
        _old_alias(s, report, RawPage("yuhang", f"{BASE}2.html", 200, body, T0 + DAY))
    summary = reextract(sessions)
    assert (summary.split, summary.folded, summary.changed) == (0, 0, 0)
    with sessions() as s:
        assert s.scalars(select(ReportURL.url)).all() == [f"{BASE}2.html"]


def test_reextract_folds_a_late_attachment_into_its_version(sessions: sessionmaker[Session]) -> None:
    doc = _docx(BUREAU_TEXT)
    corrected = [p.replace("1312件", "1412件") for p in BUREAU_TEXT]
    with sessions.begin() as s:
        _site(s)
        a = _old_ingest(s, pointer_page(1, BUREAU, "a.docx", None), None, delivered=True)
        _old_ingest(s, pointer_page(1, BUREAU, "a.docx", doc, at=T0 + DAY), a)  # only the attachment arrived
        _old_ingest(s, pointer_page(1, BUREAU, "a.docx", _docx(corrected), at=T0 + 2 * DAY), a)  # a correction
    assert _pending(sessions) == [("changed", 2), ("changed", 3)]
    summary = reextract(sessions)
    assert (summary.split, summary.folded) == (0, 1)
    assert _texts(sessions)[f"{BASE}1.html"] == [
        (1, "new", "\n".join(BUREAU_TEXT)),
        (2, "changed", "\n".join(corrected)),
    ]
    assert _pending(sessions) == [("changed", 2)]  # the correction's alert, now for version 2


def test_fazhi_reextract_reports_the_repair(sessions: sessionmaker[Session], db_url: str) -> None:
    _flip_flopping_twins(sessions, _docx(BUREAU_TEXT), _docx(FINANCE_TEXT))
    result = CliRunner().invoke(cli, ["reextract", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"checked": 1, "changed": 0, "failed": [], "split": 1, "folded": 3}
    with sessions() as s:
        ids = s.scalars(select(Report.id).order_by(Report.id)).all()
    for report_id in ids:
        history = CliRunner().invoke(cli, ["history", str(report_id), "--json", "--db", db_url])
        assert [v["version"] for v in json.loads(history.stdout)] == [1], history.output
    text = CliRunner().invoke(cli, ["reextract", "--db", db_url])
    assert text.exit_code == 0 and "2 reports checked" in text.stdout and "repaired" not in text.stdout
