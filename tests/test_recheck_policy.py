"""The re-check policy, the one place report requests are made, and AutoThrottle after 304s: fast checks on real
Scrapy objects (the crawls themselves are in test_crawl_recrawl.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from scrapy.core.downloader import Slot
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from archive.lists.base import Entry
from archive.store.recheck import KnownReport, RecheckPolicy
from crawler.spiders.reports import ReportsSpider
from crawler.throttle import NotModifiedAutoThrottle

OFF_SEASON = dt.datetime(2026, 9, 1, 3, tzinfo=dt.UTC)
IN_SEASON = dt.datetime(2026, 3, 1, 3, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("unchanged", "checked_ago", "now", "due"),
    [
        (dt.timedelta(minutes=10), dt.timedelta(minutes=1), OFF_SEASON, True),  # just archived: every crawl
        (2 * DAY, 20 * dt.timedelta(hours=1), OFF_SEASON, True),  # days old: every daily crawl ...
        (2 * DAY, dt.timedelta(hours=3), OFF_SEASON, False),  # ... not every few hours
        (9 * DAY, 23 * dt.timedelta(hours=1), OFF_SEASON, True),  # about daily in its first ten days
        (365 * DAY, DAY, OFF_SEASON, False),  # a year unchanged: about monthly outside the season ...
        (365 * DAY, 30 * DAY, OFF_SEASON, True),
        (365 * DAY, 3 * DAY, IN_SEASON, False),  # ... and weekly in it
        (365 * DAY, 7 * DAY, IN_SEASON, True),
    ],
)
def test_a_report_is_rechecked_less_often_the_longer_it_is_unchanged(
    unchanged: dt.timedelta, checked_ago: dt.timedelta, now: dt.datetime, due: bool
) -> None:
    assert RecheckPolicy.default().due(now - unchanged, now - checked_ago, now) is due


def test_the_policy_is_configurable() -> None:
    every_crawl = dataclasses.replace(RecheckPolicy.default(), age_fraction=0.0)
    assert every_crawl.due(OFF_SEASON - 1000 * DAY, OFF_SEASON - dt.timedelta(minutes=1), OFF_SEASON)
    assert dataclasses.replace(RecheckPolicy.default(), max_days=1.0).due(
        OFF_SEASON - 1000 * DAY, OFF_SEASON - DAY, OFF_SEASON
    )


def _spider(known: dict[str, KnownReport]) -> ReportsSpider:
    crawler = get_crawler(ReportsSpider)
    spider = ReportsSpider(site="x")
    spider._set_crawler(crawler)
    spider.known = known
    return spider


URL = "http://127.0.0.1:8000/art/2024/3/1/art_1.html"


def test_a_known_report_reached_from_a_list_is_asked_for_conditionally() -> None:
    spider = _spider({URL: KnownReport(URL, '"e1"', "Fri, 01 Mar 2024 00:00:00 GMT", due=True)})
    entry = Entry(URL, "2023年法治政府建设年度报告")
    from_list = spider._report_request(URL, entry, referer="http://127.0.0.1:8000/col/")
    recheck = spider._report_request(URL, None)
    for request in (from_list, recheck):
        assert request is not None
        assert request.headers.get("If-None-Match") == b'"e1"'
        assert request.headers.get("If-Modified-Since") == b"Fri, 01 Mar 2024 00:00:00 GMT"
    other = spider._report_request("http://127.0.0.1:8000/art/2.html", entry)
    assert other is not None and b"If-None-Match" not in other.headers


def test_a_known_report_not_due_is_not_asked_for_from_a_list_either() -> None:
    spider = _spider({URL: KnownReport(URL, '"e1"', None, due=False)})
    assert spider._report_request(URL, None) is None
    assert spider._report_request(URL, Entry(URL, "2023年法治政府建设年度报告"), referer="http://x/") is None
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("fazhi/rechecks_deferred") == 1


@pytest.mark.parametrize(("status", "lowered"), [(200, True), (304, True), (404, False)])
def test_autothrottle_lowers_its_delay_after_a_304_as_after_a_200(status: int, lowered: bool) -> None:
    crawler = get_crawler(settings_dict={"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0.1})
    throttle = NotModifiedAutoThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.1, 30.0
    slot = Slot(concurrency=2, delay=5.0, jitter=0)
    cls = HtmlResponse if status == 200 else Response
    response = cls(URL, status=status, body=b"", request=Request(URL))
    throttle._adjust_delay(slot, 0.01, response)
    assert (slot.delay < 5.0) is lowered
