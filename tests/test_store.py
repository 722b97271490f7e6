"""The archive's ingest rules on real SQLite and PostgreSQL: captures once, versions only on new text."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from conftest import hanweb_page, site_entry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.store import ingest as store
from archive.store.models import Attachment, Capture, Event, Fetch, Report, ReportURL, Version
from archive.store.raw import RawFile, RawPage

URL = "https://www.yuhang.gov.cn/art/2024/3/14/art_1229174959_59012345.html"
TITLE = "杭州市余杭区人民政府关于余杭区2023年法治政府建设年度报告"
PARAS = [
    "2023年，余杭区法治政府建设工作坚持以习近平法治思想为指引，扎实推进法治政府建设各项工作。",
    "一、主要举措和成效",
    "全区受理法律援助案件1312件，挽回经济损失2481.83万元，重大行政决策事项目录纳入6个事项。",
    "二、存在的不足和原因",
    "行政执法规范化水平仍需提升，基层法治力量仍然薄弱。",
]
T0 = dt.datetime(2024, 3, 15, 8, 0, tzinfo=dt.UTC)


def page(body: bytes, url: str = URL, at: dt.datetime = T0, files: tuple[RawFile, ...] = ()) -> RawPage:
    return RawPage(site_id="yuhang", url=url, status=200, body=body, fetched_at=at, files=files)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def site(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))
    return "yuhang"


def test_same_page_twice_is_one_report_one_version_one_capture(sessions: sessionmaker[Session], site: str) -> None:
    body = hanweb_page(TITLE, PARAS)
    with sessions.begin() as s:
        first = store.ingest(s, page(body))
    with sessions.begin() as s:
        second = store.ingest(s, page(body, at=T0 + dt.timedelta(days=1)))
    assert first.outcome is store.Outcome.NEW and first.version == 1
    assert second.outcome is store.Outcome.UNCHANGED and second.report_id == first.report_id
    with sessions() as s:
        assert (count(s, Report), count(s, Version), count(s, Capture), count(s, Fetch)) == (1, 1, 1, 2)
        report = s.scalars(select(Report)).one()
        assert report.kind == "annual_report" and report.year == 2023
        assert report.published_date == dt.date(2024, 3, 14)
        v = s.scalars(select(Version)).one()
        assert v.text.startswith("2023年") and "分享到" not in v.text and "返回顶部" not in v.text
        assert store.read_capture(s, v.capture_sha256) == body
        assert [e.kind for e in s.scalars(select(Event))] == ["new"]


def test_new_bytes_same_text_keeps_capture_but_no_version(sessions: sessionmaker[Session], site: str) -> None:
    with sessions.begin() as s:
        store.ingest(s, page(hanweb_page(TITLE, PARAS)))
    with sessions.begin() as s:
        # The view counter in the chrome changed; the report did not.
        result = store.ingest(s, page(hanweb_page(TITLE, PARAS, extra="<!-- 浏览 1234 -->")))
    assert result.outcome is store.Outcome.UNCHANGED
    with sessions() as s:
        assert count(s, Capture) == 2 and count(s, Version) == 1


def test_correction_makes_a_new_version_and_an_event(sessions: sessionmaker[Session], site: str) -> None:
    with sessions.begin() as s:
        store.ingest(s, page(hanweb_page(TITLE, PARAS)))
    corrected = [p.replace("1312件", "1412件") for p in PARAS]
    with sessions.begin() as s:
        result = store.ingest(s, page(hanweb_page(TITLE, corrected), at=T0 + dt.timedelta(days=2)))
    assert result.outcome is store.Outcome.CHANGED and result.version == 2
    with sessions() as s:
        versions = s.scalars(select(Version).order_by(Version.version)).all()
        assert [v.change for v in versions] == ["new", "changed"]
        assert "1312件" in versions[0].text and "1412件" in versions[1].text
        changed = s.scalars(select(Event).where(Event.kind == "changed")).one()
        assert changed.title.startswith("报告更新:") and "1412件" in changed.body and URL in changed.body


def test_not_a_report_is_skipped(sessions: sessionmaker[Session], site: str) -> None:
    body = hanweb_page("余杭区2024年法治政府建设工作要点", ["一、总体要求", "坚持以习近平法治思想为指导。"])
    with sessions.begin() as s:
        result = store.ingest(s, page(body, url=URL.replace("59012345", "1")))
    assert result.outcome is store.Outcome.SKIPPED
    with sessions() as s:
        assert count(s, Report) == 0 and count(s, Event) == 0


def test_removed_after_two_misses_in_a_row(sessions: sessionmaker[Session], site: str) -> None:
    with sessions.begin() as s:
        store.ingest(s, page(hanweb_page(TITLE, PARAS)))
    with sessions.begin() as s:
        assert not store.mark_missing(s, site, URL, 404, T0)
    with sessions.begin() as s:
        assert store.mark_missing(s, site, URL, 404, T0)
    with sessions.begin() as s:
        assert not store.mark_missing(s, site, URL, 404, T0)  # already removed: no second event
    with sessions() as s:
        assert s.scalars(select(Report)).one().status == "removed"
        assert [e.kind for e in s.scalars(select(Event).order_by(Event.id))] == ["new", "removed"]


def test_one_miss_then_back_is_not_removed(sessions: sessionmaker[Session], site: str) -> None:
    with sessions.begin() as s:
        store.ingest(s, page(hanweb_page(TITLE, PARAS)))
        store.mark_missing(s, site, URL, 404, T0)
    with sessions.begin() as s:
        store.mark_unchanged(s, site, URL, T0)
    with sessions.begin() as s:
        assert not store.mark_missing(s, site, URL, 404, T0)
    with sessions() as s:
        assert s.scalars(select(Report)).one().status == "active"


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_attachment_only_page_takes_the_attachment_text(sessions: sessionmaker[Session], site: str) -> None:
    file_url = "https://www.yuhang.gov.cn/module/download/downfile.jsp?classid=0&filename=a.docx&showname=报告.docx"
    link = f'<p><a href="{file_url.replace("&", "&amp;")}">报告.docx</a></p>'
    body = hanweb_page(TITLE, ["详见附件。"], extra=link)
    files = (RawFile(url=file_url, filename="报告.docx", status=200, body=_docx(PARAS)),)
    with sessions.begin() as s:
        result = store.ingest(s, page(body, files=files))
    assert result.outcome is store.Outcome.NEW
    with sessions() as s:
        v = s.scalars(select(Version)).one()
        assert v.text == "\n".join(PARAS)
        att = s.scalars(select(Attachment)).one()
        assert att.filename == "报告.docx" and att.error is None and att.sha256 is not None
        assert "1312件" in (att.text or "")


def test_bad_attachment_keeps_the_page(sessions: sessionmaker[Session], site: str) -> None:
    file_url = "https://www.yuhang.gov.cn/module/download/downfile.jsp?classid=0&filename=b.docx&showname=附件.docx"
    link = f'<p><a href="{file_url.replace("&", "&amp;")}">附件.docx</a></p>'
    files = (RawFile(url=file_url, filename="附件.docx", status=200, body=b"PK\x03\x04 truncated"),)
    with sessions.begin() as s:
        result = store.ingest(s, page(hanweb_page(TITLE, PARAS, extra=link), files=files))
    assert result.outcome is store.Outcome.NEW
    with sessions() as s:
        att = s.scalars(select(Attachment)).one()
        assert att.text is None and att.error and "附件.docx" in att.error
        assert "1312件" in s.scalars(select(Version)).one().text


def test_a_failed_transaction_leaves_nothing(sessions: sessionmaker[Session], site: str) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as s:
        store.ingest(s, page(hanweb_page(TITLE, PARAS)))
        raise RuntimeError("crash after ingest, before commit")
    with sessions() as s:
        assert (count(s, Report), count(s, Version), count(s, Capture), count(s, Event)) == (0, 0, 0, 0)


def test_same_text_at_a_new_url_is_the_same_report(sessions: sessionmaker[Session], site: str) -> None:
    moved = URL.replace("59012345", "59099999")
    # Only a substantial text identifies a report by itself (a short one may be a "详见附件" pointer).
    paras = [*PARAS, "三、下一步工作安排", "持续深化法治政府建设示范创建，全面提升依法行政能力和水平。"]
    with sessions.begin() as s:
        first = store.ingest(s, page(hanweb_page(TITLE, paras)))
    with sessions.begin() as s:
        again = store.ingest(s, page(hanweb_page(TITLE, paras), url=moved))
    assert again.outcome is store.Outcome.UNCHANGED and again.report_id == first.report_id
    corrected = [p.replace("1312件", "1412件") for p in paras]
    with sessions.begin() as s:
        changed = store.ingest(s, page(hanweb_page(TITLE, corrected), url=moved, at=T0 + dt.timedelta(days=1)))
    assert changed.outcome is store.Outcome.CHANGED and changed.report_id == first.report_id
    with sessions() as s:
        assert count(s, Report) == 1
        alias = s.scalars(select(ReportURL)).one()
        assert (alias.url, alias.reason, alias.report_id) == (moved, "same_text", first.report_id)
        assert store.find_report(s, site, moved) is not None


def test_redirect_target_is_recorded_as_the_reports_url(sessions: sessionmaker[Session], site: str) -> None:
    target = URL.replace("59012345", "59011111")
    body = hanweb_page(TITLE, PARAS)
    with sessions.begin() as s:
        redirected = RawPage(site_id=site, url=URL, status=200, body=body, fetched_at=T0, final_url=target)
        store.ingest(s, redirected)
    with sessions() as s:
        found = store.find_report(s, site, target)
        assert found is not None and found.url == URL
