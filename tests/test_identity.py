"""Report identity on real SQLite and PostgreSQL: one page at one place, aliases only for real copies,
and a late attachment completes its version instead of making a new one."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import docx
import pytest
from conftest import hanweb_page, site_entry
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.store import ingest as store
from archive.store.models import Event, Report, ReportURL, Version
from archive.store.raw import RawFile, RawPage

BASE = "https://www.yuhang.gov.cn/art/2024/3/14/art_1229174959_"
TITLE = "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告"
BUREAU = "杭州市余杭区司法局2023年度法治政府建设工作报告"
FINANCE = "杭州市余杭区财政局2023年度法治政府建设工作报告"
PARAS = [
    "2023年，余杭区法治政府建设工作坚持以习近平法治思想为指引，扎实推进法治政府建设各项工作。",
    "一、主要举措和成效",
    "全区受理法律援助案件1312件，挽回经济损失2481.83万元，重大行政决策事项目录纳入6个事项。",
    "二、存在的不足和原因",
    "行政执法规范化水平仍需提升，基层法治力量仍然薄弱，法治宣传教育的针对性和实效性有待增强。",
]
T0 = dt.datetime(2024, 3, 15, 8, 0, tzinfo=dt.UTC)


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _scanned_pdf(width: int) -> bytes:
    """A PDF with a page and no text layer, as a scanner makes it; `width` makes the bytes differ."""
    writer = PdfWriter()
    writer.add_blank_page(width, 842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _file_url(name: str) -> str:
    return f"https://www.yuhang.gov.cn/module/download/downfile.jsp?classid=0&filename={name}&showname={name}"


def pointer(n: int, title: str, file_name: str, body: bytes | None, at: dt.datetime = T0, extra: str = "") -> RawPage:
    """A page that reads only 详见附件。 with one attachment; `body` None means its download failed."""
    url = _file_url(file_name)
    link = f'<p><a href="{url.replace("&", "&amp;")}">{file_name}</a></p>{extra}'
    files = (
        RawFile(url=url, filename=file_name, status=200, body=body)
        if body is not None
        else RawFile(url=url, filename=file_name, error="HTTP 503"),
    )
    page_body = hanweb_page(title, ["详见附件。"], extra=link)
    return RawPage(site_id="yuhang", url=f"{BASE}{n}.html", status=200, body=page_body, fetched_at=at, files=files)


def full(n: int, title: str, paras: list[str], at: dt.datetime = T0) -> RawPage:
    return RawPage(site_id="yuhang", url=f"{BASE}{n}.html", status=200, body=hanweb_page(title, paras), fetched_at=at)


def ingest(sessions: sessionmaker[Session], page: RawPage) -> store.IngestResult:
    with sessions.begin() as s:
        return store.ingest(s, page)


def versions(sessions: sessionmaker[Session], n: int) -> list[Version]:
    with sessions() as s:
        report = store.find_report(s, "yuhang", f"{BASE}{n}.html")
        assert report is not None
        rows = s.scalars(select(Version).where(Version.report_id == report.id).order_by(Version.version)).all()
        for v in rows:
            _ = v.attachments  # loaded before the session closes
        return list(rows)


def event_kinds(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return [e.kind for e in s.scalars(select(Event).order_by(Event.id))]


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def site(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))
    return "yuhang"


BUREAU_TEXT = [p.replace("余杭区", "区司法局", 1) for p in PARAS]
FINANCE_TEXT = [p.replace("余杭区", "区财政局", 1) for p in PARAS]


def test_twin_pointer_pages_with_a_late_attachment_stay_two_reports(sessions: sessionmaker[Session], site: str) -> None:
    a_doc, b_doc = _docx(BUREAU_TEXT), _docx(FINANCE_TEXT)
    first = ingest(sessions, pointer(1, BUREAU, "a.docx", None))
    second = ingest(sessions, pointer(2, FINANCE, "b.docx", None))
    assert first.outcome is second.outcome is store.Outcome.NEW
    assert first.report_id != second.report_id
    assert count(sessions, ReportURL) == 0
    # The attachments come back, one crawl apart and then both, in either order: nothing flips.
    for at, pages in [
        (T0 + dt.timedelta(days=1), [pointer(2, FINANCE, "b.docx", b_doc), pointer(1, BUREAU, "a.docx", None)]),
        (T0 + dt.timedelta(days=2), [pointer(1, BUREAU, "a.docx", a_doc), pointer(2, FINANCE, "b.docx", b_doc)]),
        (T0 + dt.timedelta(days=3), [pointer(2, FINANCE, "b.docx", b_doc), pointer(1, BUREAU, "a.docx", a_doc)]),
    ]:
        for p in pages:
            result = ingest(sessions, replace(p, fetched_at=at))
            assert result.outcome is store.Outcome.UNCHANGED and result.version == 1
    (va,), (vb,) = versions(sessions, 1), versions(sessions, 2)
    assert va.text == "\n".join(BUREAU_TEXT) and vb.text == "\n".join(FINANCE_TEXT)
    assert va.change == vb.change == "new" and va.fetched_at == vb.fetched_at == T0
    assert va.attachments[0].sha256 and va.attachments[0].error is None
    assert event_kinds(sessions) == ["new", "new"]
    with sessions() as s:
        assert s.scalars(select(Report.year).order_by(Report.id)).all() == [2023, 2023]

    # A real correction after the completion is still a new version with its alert.
    corrected = [p.replace("1312件", "1412件") for p in FINANCE_TEXT]
    changed = ingest(sessions, pointer(2, FINANCE, "b.docx", _docx(corrected), at=T0 + dt.timedelta(days=4)))
    assert changed.outcome is store.Outcome.CHANGED and changed.version == 2
    assert [v.change for v in versions(sessions, 2)] == ["new", "changed"]
    assert event_kinds(sessions) == ["new", "new", "changed"]


def test_scanned_pdf_pointer_pages_are_never_merged_by_their_text(sessions: sessionmaker[Session], site: str) -> None:
    first = ingest(sessions, pointer(1, BUREAU, "a.pdf", _scanned_pdf(595)))
    second = ingest(sessions, pointer(2, FINANCE, "b.pdf", _scanned_pdf(600)))
    same_title = ingest(sessions, pointer(3, BUREAU, "c.pdf", _scanned_pdf(610)))
    assert len({first.report_id, second.report_id, same_title.report_id}) == 3
    assert count(sessions, Report) == 3 and count(sessions, ReportURL) == 0


def test_the_same_attachment_posted_twice_is_one_report(sessions: sessionmaker[Session], site: str) -> None:
    scan = _scanned_pdf(595)
    first = ingest(sessions, pointer(1, BUREAU, "a.pdf", scan))
    again = ingest(sessions, pointer(2, BUREAU, "a.pdf", scan))
    assert again.outcome is store.Outcome.UNCHANGED and again.report_id == first.report_id
    with sessions() as s:
        alias = s.scalars(select(ReportURL)).one()
        assert (alias.url, alias.reason) == (f"{BASE}2.html", "same_text")


def test_pointer_page_without_its_attachment_is_not_merged(sessions: sessionmaker[Session], site: str) -> None:
    doc = _docx(BUREAU_TEXT)
    first = ingest(sessions, pointer(1, BUREAU, "a.docx", doc))
    missing = ingest(sessions, pointer(2, BUREAU, "a.docx", None))
    assert missing.outcome is store.Outcome.NEW and missing.report_id != first.report_id


@pytest.mark.parametrize(
    ("title", "paras"),
    [
        (TITLE.replace("余杭区人民政府关于", "余杭区人民政府办公室关于"), PARAS),  # another title
        (TITLE.replace("2023", "2022"), [p.replace("2023年", "2022年") for p in PARAS]),  # another year
    ],
)
def test_same_text_under_another_title_or_year_is_another_report(
    sessions: sessionmaker[Session], site: str, title: str, paras: list[str]
) -> None:
    first = ingest(sessions, full(1, TITLE, PARAS))
    # The other report's text is the same: only the title (or the year the title names) tells them apart.
    other = ingest(sessions, full(2, title, PARAS))
    assert other.outcome is store.Outcome.NEW and other.report_id != first.report_id
    assert count(sessions, ReportURL) == 0


def test_completion_ignores_other_page_bytes_with_the_same_text(sessions: sessionmaker[Session], site: str) -> None:
    ingest(sessions, pointer(1, BUREAU, "a.docx", None))
    # The view counter in the chrome changed, and the attachment arrived.
    later = pointer(1, BUREAU, "a.docx", _docx(BUREAU_TEXT), at=T0 + dt.timedelta(days=1), extra="<!-- 1234 -->")
    result = ingest(sessions, later)
    assert result.outcome is store.Outcome.UNCHANGED and result.version == 1
    (v,) = versions(sessions, 1)
    assert v.text == "\n".join(BUREAU_TEXT)
    assert event_kinds(sessions) == ["new"]


def test_a_new_page_text_with_the_attachment_is_a_new_version(sessions: sessionmaker[Session], site: str) -> None:
    url = _file_url("a.docx")
    link = f'<p><a href="{url.replace("&", "&amp;")}">a.docx</a></p>'
    missing = (RawFile(url=url, filename="a.docx", error="HTTP 503"),)
    ingest(sessions, replace(full(1, TITLE, PARAS), body=hanweb_page(TITLE, PARAS, extra=link), files=missing))
    arrived = (RawFile(url=url, filename="a.docx", status=200, body=_docx(["附件一：法律援助案件统计表"])),)
    corrected = [p.replace("1312件", "1412件") for p in PARAS]
    page = replace(full(1, TITLE, corrected), body=hanweb_page(TITLE, corrected, extra=link), files=arrived)
    result = ingest(sessions, page)
    assert result.outcome is store.Outcome.CHANGED and result.version == 2
    assert [v.change for v in versions(sessions, 1)] == ["new", "changed"]
    assert event_kinds(sessions) == ["new", "changed"]


def test_a_late_scanned_attachment_completes_its_version(sessions: sessionmaker[Session], site: str) -> None:
    ingest(sessions, pointer(1, BUREAU, "a.pdf", None))
    # A scan adds no text, so the content hash stays the same; its bytes still belong to the version.
    later = replace(pointer(1, BUREAU, "a.pdf", _scanned_pdf(595), at=T0 + dt.timedelta(days=1)), etag='"e1"')
    result = ingest(sessions, later)
    assert result.outcome is store.Outcome.UNCHANGED and result.version == 1
    (v,) = versions(sessions, 1)
    assert v.attachments[0].sha256 and v.attachments[0].error is None
    with sessions() as s:  # complete now: re-checked with its validators, no longer fetched in full every time
        assert store.known_report_urls(s, "yuhang") == [(f"{BASE}1.html", '"e1"', None)]
