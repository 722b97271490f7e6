"""The archive pipeline as a Scrapy component: a page that cannot be stored is dropped with a clear message,
counted, and leaves nothing half-stored; a good page is archived."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import hanweb_page, site_entry
from crawlkit import OFFLINE_REGISTRY
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from archive.store import ingest as store
from archive.store.models import Capture, Report
from crawler.items import RawPage
from crawler.pipelines import ArchivePipeline
from crawler.spiders.reports import ReportsSpider


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArchivePipeline:
    (tmp_path / "sites.yaml").write_text(OFFLINE_REGISTRY, encoding="utf-8")
    monkeypatch.setenv("FAZHI_DB_URL", db_url)
    monkeypatch.setenv("FAZHI_SITES", str(tmp_path / "sites.yaml"))
    monkeypatch.setenv("FAZHI_HOME", str(tmp_path))
    crawler = get_crawler(ReportsSpider, {"REMOTE_CONTROL_ENABLED": False})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return ArchivePipeline.from_crawler(crawler)


def _page(site_id: str) -> RawPage:
    body = hanweb_page("某区人民政府关于2023年法治政府建设年度报告", ["2023年，我区法治政府建设取得新进展。"])
    return RawPage(site_id, "http://127.0.0.1:9/art/1.html", 200, body, dt.datetime.now(dt.UTC))


def test_unstorable_page_is_dropped_with_a_message_and_nothing_half_stored(pipeline: ArchivePipeline) -> None:
    with pytest.raises(DropItem, match=r"archiving http://127.0.0.1:9/art/1.html failed: IntegrityError"):
        pipeline.process_item(_page("no-such-site"))  # the site row does not exist: a foreign key fails
    stats = pipeline.crawler.stats
    assert stats is not None and stats.get_value("fazhi/errors") == 1
    assert "failed" in stats.get_value("fazhi/messages")[0]
    with pipeline.link.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Capture)) == 0


def test_good_page_is_archived(pipeline: ArchivePipeline) -> None:
    with pipeline.link.sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "auto", None))
    pipeline.process_item(_page("yuhang"))
    assert pipeline.crawler.stats is not None and pipeline.crawler.stats.get_value("fazhi/reports_new") == 1
    with pipeline.link.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 1
