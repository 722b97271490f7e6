"""Re-extraction from stored captures: a new version only where the current extractor's text differs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from conftest import hanweb_page, site_entry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.extract import EXTRACTOR_VERSION, text_sha256
from archive.store import ingest as store
from archive.store.derive import derive
from archive.store.models import Event, Version
from archive.store.raw import RawPage
from archive.store.reextract import reextract

T0 = dt.datetime(2024, 3, 15, tzinfo=dt.UTC)
PARAS = ["2023年，我区法治政府建设取得新进展。", "一、主要举措和成效", "全区行政复议纠错率下降。"]


def _page(n: int) -> RawPage:
    title = f"某区人民政府关于2023年法治政府建设年度报告（{n}）"
    return RawPage(
        site_id="s", url=f"https://x.gov.cn/art/{n}.html", status=200, body=hanweb_page(title, PARAS), fetched_at=T0
    )


def test_reextract_makes_versions_only_where_text_changed(sessions: sessionmaker[Session]) -> None:
    old, current = _page(1), _page(2)
    with sessions.begin() as s:
        store.sync_site(s, site_entry("s", "某区人民政府", "浙江省某区", "hanweb-jpage", None))
        # Report 1 was archived by an older extractor that left share-button chrome in the text.
        stale = derive(old)
        stale_text = stale.text + "\n分享到："
        stale = dataclasses.replace(
            stale, text=stale_text, content_sha256=text_sha256(stale_text), extractor_version="0"
        )
        store.ingest(s, old, derived=stale)
        store.ingest(s, current)
        events_before = len(s.scalars(select(Event)).all())

    summary = reextract(sessions)
    assert (summary.checked, summary.changed, summary.failed) == (2, 1, ())
    with sessions() as s:
        versions = s.scalars(select(Version).order_by(Version.report_id, Version.version)).all()
        assert [(v.report_id, v.version, v.extractor_version) for v in versions] == [
            (1, 1, "0"),
            (1, 2, EXTRACTOR_VERSION),
            (2, 1, EXTRACTOR_VERSION),
        ]
        assert versions[1].text == "\n".join(PARAS) and versions[1].capture_sha256 == versions[0].capture_sha256
        assert len(s.scalars(select(Event)).all()) == events_before  # the site did not change: no alert

    again = reextract(sessions, site_id="s")
    assert (again.checked, again.changed) == (2, 0)
