"""Version texts stored compressed: every character comes back, the column holds packed bytes, and migration 0009
packs the texts of an existing archive (and 0008 gets them back) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import alembic_config, upgrade
from archive.store.models import Version
from archive.store.packedtext import pack, unpack

TEXT = "杭州市余杭区2023年法治政府建设年度报告\n一、主要举措。全面推进依法行政，深化“放管服”改革。"


def test_every_code_point_comes_back() -> None:
    everything = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    assert unpack(pack(everything)) == everything
    assert unpack(pack("")) == ""


def test_a_packed_report_text_is_under_half_its_utf8_size() -> None:
    text = TEXT * 20  # a report repeats its vocabulary; a single sentence would not show it
    assert len(pack(text)) <= 0.5 * len(text.encode("utf-8"))


def test_anything_but_a_packed_text_is_refused() -> None:
    with pytest.raises(ValueError, match="not a packed text"):
        unpack(TEXT.encode("utf-8"))


def _seed(conn: sa.Connection, n: int) -> list[str]:
    """`n` versions written as schema 0008 holds them (plain text), without the models (which pack)."""
    meta = sa.MetaData()
    site, capture, report, version = (
        sa.Table(t, meta, autoload_with=conn) for t in ("site", "capture", "report", "report_version")
    )
    now = dt.datetime(2024, 3, 14, tzinfo=dt.UTC)
    conn.execute(
        site.insert().values(id="yuhang", name="余杭", region="浙江省", platform="hanweb-jpage", created_at=now)
    )
    conn.execute(capture.insert().values(sha256="0" * 64, size=0, compression="none", body=b"", created_at=now))
    texts = [f"{TEXT}第{i}版。" * (1 + i % 3) for i in range(n)]
    reports = [
        {"id": i + 1, "site_id": "yuhang", "url": f"http://x/{i}.html", "title": "报告", "kind": "annual_report",
         "status": "active", "first_seen_at": now, "last_changed_at": now, "last_checked_at": now, "missing_count": 0}
        for i in range(n)
    ]  # fmt: skip
    conn.execute(report.insert(), reports)
    versions = [
        {"report_id": i + 1, "version": 1, "fetched_at": now, "capture_sha256": "0" * 64, "content_sha256": "1" * 64,
         "title": "报告", "text": t, "chars": len(t), "change": "new", "extractor_version": "1", "replacement_chars": 0}
        for i, t in enumerate(texts)
    ]  # fmt: skip
    conn.execute(version.insert(), versions)
    return texts


def test_migration_0009_packs_existing_texts_and_unpacks_them_on_downgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        upgrade(engine, "0008")
        with engine.begin() as conn:
            texts = _seed(conn, 1100)  # more than one batch of the migration's
        upgrade(engine)
        with make_sessionmaker(engine)() as s:
            assert list(s.scalars(select(Version.text).order_by(Version.id))) == texts
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT text FROM report_version ORDER BY id")).scalars().all()
        assert [unpack(bytes(b)) for b in stored] == texts
        assert sum(len(b) for b in stored) <= 0.5 * sum(len(t.encode()) for t in texts)

        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008")
        with engine.connect() as conn:
            plain = conn.execute(sa.text("SELECT text FROM report_version ORDER BY id")).scalars().all()
        assert plain == texts
        upgrade(engine)
        with make_sessionmaker(engine)() as s:
            assert s.scalars(select(Version.text).where(Version.id == 1)).one() == texts[0]
    finally:
        engine.dispose()
