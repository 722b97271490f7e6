"""What keeps a crawl of many sites in one process cheap without changing what a crawl does: every site's crawler
writes through the process's one engine (and leaves it open for the others), and the spider's callbacks are checked
here once for what Scrapy's per-response check (switched off in crawler/settings.py) would have said."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from crawlkit import OFFLINE_REGISTRY
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.test import get_crawler
from sqlalchemy import Engine, text

from archive.store.db import make_engine
from archive.store.migrate import prepare_for_crawl
from crawler.link import archive_link, share_engine
from crawler.spiders.reports import ReportsSpider


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sites.yaml").write_text(OFFLINE_REGISTRY, encoding="utf-8")
    monkeypatch.setenv("FAZHI_SITES", str(tmp_path / "sites.yaml"))
    monkeypatch.setenv("FAZHI_HOME", str(tmp_path))
    return tmp_path


def _crawler(db_url: str) -> object:
    return get_crawler(ReportsSpider, {"REMOTE_CONTROL_ENABLED": False, "FAZHI_DB_URL": db_url})


def _usable(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_crawlers_of_one_process_share_its_engine_and_leave_it_open(archive: Path) -> None:
    url = f"sqlite:///{archive / 'archive.db'}"
    engine = make_engine(url)
    prepare_for_crawl(engine)
    try:
        with share_engine(engine):
            first, second = archive_link(_crawler(url)), archive_link(_crawler(url))  # type: ignore[arg-type]
        assert first.engine is engine and second.engine is engine
        assert first.sessions is second.sessions  # one statement cache, one pool, one search-index hook
        pool = engine.pool
        first.close()  # one site's spider closed: the others still write through the engine
        assert engine.pool is pool and _usable(engine)
    finally:
        engine.dispose()


def test_a_crawler_of_another_archive_or_outside_a_shared_process_has_its_own_engine(archive: Path) -> None:
    shared_url, other_url = f"sqlite:///{archive / 'shared.db'}", f"sqlite:///{archive / 'other.db'}"
    engine = make_engine(shared_url)
    prepare_for_crawl(engine)
    try:
        with share_engine(engine):
            other = archive_link(_crawler(other_url))  # type: ignore[arg-type]
        alone = archive_link(_crawler(shared_url))  # type: ignore[arg-type]
        for link in (other, alone):
            assert link.engine is not engine and link.owns_engine
            assert _usable(link.engine)  # made the schema itself, as `scrapy crawl` alone does
            pool = link.engine.pool
            link.close()
            assert link.engine.pool is not pool  # its own engine is disposed with its spider
    finally:
        engine.dispose()


def test_no_spider_callback_is_a_generator_that_returns_a_value() -> None:
    callbacks = [
        member
        for name, member in inspect.getmembers(ReportsSpider, inspect.isfunction)
        if name.startswith(("parse", "check_")) or name.endswith("_failed")
    ]
    assert len(callbacks) >= 8  # the list pages, reports, files, re-checks, their errbacks, the idle checks
    assert [c.__qualname__ for c in callbacks if is_generator_with_return_value(c)] == []
