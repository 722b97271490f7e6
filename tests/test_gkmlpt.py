"""Guangdong's 政府信息公开 platform (gkmlpt) on its simulator, over loopback HTTP: detection from the first answer,
planning the list API from the catalogue tree, paging by `post_count`, bad replies, and a crawl that archives
the report with its clean text."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from crawlkit import assert_crawl_archives_its_report, fetch

from archive.lists import detect_platform, get_adapter
from archive.lists.base import ListParseError
from archive.lists.gkmlpt import PER_PAGE
from portalsim import PortalSim
from portalsim.gkmlpt import REPORTS, SID

ADAPTER = get_adapter("gkmlpt")


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(sites=["tianhe"]) as s:
        yield s


def test_the_index_page_is_told_apart_and_plans_the_report_catalogues(sim: PortalSim) -> None:
    start = sim.site("tianhe").start_url
    body = fetch(start)
    assert detect_platform(start, body) == "gkmlpt"
    assert detect_platform("http://127.0.0.1/col/col1/index.html", body) != "gkmlpt"  # markers and path together
    page = ADAPTER.parse(start, body)
    asked = {urlsplit(r.url).path.rsplit("/", 1)[1]: parse_qs(urlsplit(r.url).query) for r in page.next_requests}
    # 规划计划 and 计划总结 are where reports are filed; 机构职能 is not, and 政务服务 links elsewhere.
    assert set(asked) == {"2102", str(REPORTS)}
    assert all(q == {"page": ["1"], "sid": [SID]} for q in asked.values())


def test_the_api_pages_by_post_count_and_dates_are_beijing_days() -> None:
    with PortalSim(sites=["tianhe"], scale=90) as big:
        listed = {r.url: r.published_date for r in big.expected_reports("tianhe")}
        listed |= {n.url: n.date for n in big.noise_entries("tianhe")}
        assert len(listed) > PER_PAGE
        url = big.url("tianhe", f"/gkmlpt/api/all/{REPORTS}?page=1&sid={SID}")
        seen = []
        while url:
            page = ADAPTER.parse(url, fetch(url))
            assert page.total_records == len(listed)
            seen += page.entries
            url = page.next_requests[0].url if page.next_requests else ""
        assert len(seen) == len(listed) and {e.url: e.date for e in seen} == listed


def test_a_reply_at_midnight_beijing_is_that_day_not_the_utc_one() -> None:
    midnight = int(dt.datetime(2024, 3, 28, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
    reply = {"classify": {"post_count": 1}, "articles": [{"title": "报告", "url": "/a.html", "date": midnight}]}
    page = ADAPTER.parse("http://x.gov.cn/gkmlpt/api/all/1?page=1&sid=2", json.dumps(reply).encode())
    assert page.entries[0].date == dt.date(2024, 3, 28) and not page.next_requests


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/gkmlpt/api/all/1?page=1&sid=2", b"<html>busy</html>", "expected JSON from the gkmlpt list API"),
        ("/gkmlpt/api/all/1?page=1&sid=2", b'{"code":400,"msg":"sid error"}', "expected `articles`"),
        ("/gkmlpt/index", b"<html><script>window._CONFIG = {TREE: []}</script></html>", "SID"),
    ],
)
def test_a_reply_of_another_shape_is_refused_with_what_was_expected(path: str, body: bytes, reason: str) -> None:
    with pytest.raises(ListParseError, match=reason):
        ADAPTER.parse("http://x.gov.cn" + path, body)


def test_a_wrong_site_id_gets_the_platforms_refusal(sim: PortalSim) -> None:
    url = sim.url("tianhe", f"/gkmlpt/api/all/{REPORTS}?page=1&sid=1")
    with pytest.raises(ListParseError, match="sid error"):
        ADAPTER.parse(url, fetch(url))


@pytest.mark.slow
def test_a_crawl_archives_the_report_with_its_clean_text(sim: PortalSim, tmp_path: Path) -> None:
    assert_crawl_archives_its_report(sim, tmp_path, "tianhe")
