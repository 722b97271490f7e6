"""The web layer's parts on real SQLite and PostgreSQL: a read-only engine, sorted and regional listings, feed
changes, text cut into paragraphs and headings, snippets and side-by-side diffs; and `fazhi serve` on both."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import get_args

import feedparser
import pytest
from conftest import hanweb_page, site_entry
from crawlkit import Archive
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from webkit import get, serving

from archive.config import Config
from archive.diff import side_by_side
from archive.errors import BadUsage, MissingArchive, NotFound
from archive.query.browse import facets, recent_changes
from archive.query.reports import REPORT_ORDERS, list_reports
from archive.store import ingest as store
from archive.store.handle import Archive as ArchiveHandle
from archive.store.models import Report
from archive.store.raw import RawPage
from archive.web.params import SortKey
from archive.web.templating import is_web_url
from archive.web.textview import blocks, snippet_pieces

T0 = dt.datetime(2024, 3, 15, 8, tzinfo=dt.UTC)
SITES = [
    ("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区"),
    ("dinghai", "舟山市定海区人民政府", "浙江省舟山市定海区"),
]
PARAS = ["一、主要举措和成效", "全面推进依法行政，<依法>审查文件。", "二、存在的不足和原因", "执法队伍有待加强。"]


def _ingest(s: Session, site: str, n: int, year: int, date: str, paras: list[str], at: dt.datetime) -> None:
    title = f"{SITES[0][1] if site == 'yuhang' else SITES[1][1]}关于{year}年法治政府建设年度报告{n}"
    body = hanweb_page(title, [p.replace("<", "&lt;").replace(">", "&gt;") for p in paras], date=date)
    store.ingest(
        s, RawPage(site_id=site, url=f"https://{site}.example/art/{n}.html", status=200, body=body, fetched_at=at)
    )


@pytest.fixture
def filled(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as s:
        for site_id, name, region in SITES:
            store.sync_site(s, site_entry(site_id, name, region, "hanweb-jpage", None))
        _ingest(s, "yuhang", 1, 2023, "2024-03-14", PARAS, T0)
        _ingest(s, "yuhang", 2, 2022, "2023-03-20", PARAS, T0)
        _ingest(s, "dinghai", 3, 2023, "2024-03-28", PARAS, T0)
    with sessions.begin() as s:
        _ingest(s, "yuhang", 1, 2023, "2024-03-14", [*PARAS, "（本报告已更正）"], T0 + dt.timedelta(days=2))
    return sessions


def test_sort_keys_offered_are_the_query_layers() -> None:
    assert set(get_args(SortKey)) == {*REPORT_ORDERS, *(f"-{k}" for k in REPORT_ORDERS)}


def test_listing_sorts_and_filters_by_region(filled: sessionmaker[Session]) -> None:
    with filled() as s:
        default = [r.id for r in list_reports(s).items]
        assert default == [r.id for r in list_reports(s, order=None).items]
        published = [r.published_date for r in list_reports(s, order="published").items]
        assert published == sorted(published)
        newest = list_reports(s, order="-published").items
        assert [r.published_date for r in newest] == sorted(published, reverse=True)
        years = [(r.year, r.site_id) for r in list_reports(s, order="-year").items]
        assert years == sorted(years, reverse=True)
        changed = list_reports(s, order="-changed").items
        assert changed[0].version_count == 2
        assert {r.site_id for r in list_reports(s, region="舟山").items} == {"dinghai"}
        assert list_reports(s, region="%").total == 0, "the region is matched as written, not as a pattern"
        page = list_reports(s, order="title", limit=2, offset=1)
        assert page.total == 3 and len(page.items) == 2
        with pytest.raises(BadUsage, match="cannot sort reports by 'id'"):
            list_reports(s, order="id")


def test_feed_changes_and_facets(filled: sessionmaker[Session]) -> None:
    with filled() as s:
        changes = recent_changes(s)
        assert (changes[0].site_id, changes[0].version, changes[0].change) == ("yuhang", 2, "changed")
        assert changes[0].summary.startswith("第2版: ") and "（本报告已更正）" in changes[0].summary
        assert len(changes) == 4 and all(c.summary for c in changes)
        first = next(c for c in changes if c.change == "new" and c.site_id == "dinghai")
        assert first.summary.startswith("一、主要举措和成效") and first.publisher
        assert {c.site_id for c in recent_changes(s, site="dinghai")} == {"dinghai"}
        assert len(recent_changes(s, limit=2)) == 2
        with pytest.raises(NotFound):
            recent_changes(s, site="nowhere")
        found = facets(s)
        assert [f.id for f in found.sites] == ["dinghai", "yuhang"] and found.years == (2023, 2022)


def _read_only(db_url: str, tmp_path: Path) -> ArchiveHandle:
    return ArchiveHandle.open(Config(tmp_path, db_url, tmp_path / "sites.yaml"), read_only=True)


def test_the_read_only_archive_cannot_write(engine: Engine, db_url: str, tmp_path: Path) -> None:
    with _read_only(db_url, tmp_path) as web, web.connection() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        with pytest.raises(DBAPIError, match=r"(?i)read.?only"):
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))


def test_the_read_only_archive_refuses_what_reads_refuse(tmp_path: Path) -> None:
    with pytest.raises(MissingArchive, match="no archive at"):
        _read_only(f"sqlite:///{tmp_path / 'nothing.db'}", tmp_path)
    assert not (tmp_path / "nothing.db").exists()
    with pytest.raises(BadUsage):
        _read_only("mysql://somewhere/db", tmp_path)


def test_serve_on_sqlite_and_postgresql(filled: sessionmaker[Session], db_url: str, tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text("sites: []\n", encoding="utf-8")
    archive = Archive(Config(home=tmp_path / "home", db_url=db_url, sites_path=registry))
    with filled() as s:
        rid = s.scalar(select(Report.id).where(Report.url == "https://yuhang.example/art/1.html"))
        total = s.scalar(select(func.count()).select_from(Report))
    with serving(archive, tmp_path / "serve.log") as base:
        listing = json.loads(get(base + "/api/reports?sort=-changed").body)
        assert listing["total"] == total and listing["items"][0]["id"] == rid
        page = get(f"{base}/reports/{rid}")
        assert page.status == 200 and "&lt;依法&gt;审查文件" in page.text and "<依法>" not in page.text
        assert '<h3 class="sec" id="s-1">' in page.text
        diff = get(f"{base}/reports/{rid}/diff")
        assert diff.status == 200 and "（本报告已更正）" in diff.text
        feed = feedparser.parse(get(base + "/feeds/yuhang.atom").body)
        assert not feed.bozo and len(feed.entries) == 3
        assert get(base + "/coverage").status == 200 and get(base + "/sites").status == 200


def test_only_web_addresses_become_links() -> None:
    assert is_web_url("https://www.yuhang.gov.cn/art/1.html") and is_web_url("http://127.0.0.1:8000/x")
    for url in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>", "vbscript:x", "", None, "//x"):
        assert not is_web_url(url), url


def test_text_blocks_place_headings_by_section_offsets() -> None:
    text = "一、主要举措和成效\n\n（一）落实学法用法。学习贯彻宪法。\n正文段落。"
    sections = [
        {"heading": "一、主要举措和成效", "start": 0, "end": len(text), "level": 1},
        {"heading": "（一）落实学法用法。", "start": text.index("（一）"), "end": len(text), "level": 2},
    ]
    out = blocks(text, sections)
    assert [b.anchor for b in out] == ["p-1", "p-3", "p-4"], "blank paragraphs are skipped, numbering kept"
    assert (out[0].heading, out[0].text, out[0].level, out[0].section_id) == ("一、主要举措和成效", "", 1, "s-1")
    assert (out[1].heading, out[1].text, out[1].level) == ("（一）落实学法用法。", "学习贯彻宪法。", 2)
    assert (out[2].heading, out[2].text) == ("", "正文段落。")
    assert [b.anchor for b in blocks("甲\n乙", prefix="a1-p")] == ["a1-p-1", "a1-p-2"]


def test_snippet_marks_replace_the_brackets() -> None:
    snippet = "…推进【法治】政府，<b>【法治】</b>"
    pieces = snippet_pieces(snippet, [[4, 6], [14, 16]])
    assert [(p.text, p.marked) for p in pieces] == [
        ("…推进", False),
        ("法治", True),
        ("政府，<b>", False),
        ("法治", True),
        ("</b>", False),
    ]
    assert [(p.text, p.marked) for p in snippet_pieces("没有标记", [])] == [("没有标记", False)]
    assert "".join(p.text for p in snippet_pieces("abc", [[2, 9]])) == "abc", "offsets out of range are ignored"


def test_side_by_side_pairs_paragraphs_then_characters() -> None:
    old = "\n".join(["标题", "收案1287件。", "甲", "乙", "丙", "丁", "戊", "删去的段落"])
    new = "\n".join(["标题", "收案1290件。", "甲", "乙", "丙", "丁", "戊", "新增的段落", "又一段"])
    rows = side_by_side(old, new, context=1)
    tags = [r.tag for r in rows]
    assert tags == ["equal", "changed", "equal", "skipped", "equal", "changed", "added"]
    changed = rows[1]
    assert (changed.old_no, changed.new_no) == (2, 2)
    assert [s.text for s in changed.old if s.changed] == ["87"] and [s.text for s in changed.new if s.changed] == ["90"]
    assert "".join(s.text for s in changed.new) == "收案1290件。"
    assert rows[3].skipped == 3 and rows[-1].new_no == 9 and rows[-1].old == ()
    full = side_by_side(old, new, context=None)
    assert "skipped" not in {r.tag for r in full} and len(full) == 9
    unchanged = side_by_side("甲\n乙\n丙\n丁", "甲\n乙\n丙\n丁")
    assert [(r.tag, r.skipped) for r in unchanged] == [("skipped", 4)]
