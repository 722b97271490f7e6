"""Each report's current-version pointer, kept by every writer of versions, and the paginated listings, on real
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from conftest import site_entry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker
from test_identity import BASE, BUREAU, BUREAU_TEXT, FINANCE_TEXT, T0, _docx, _file_url, pointer
from test_unmerge import _flip_flopping_twins

from archive.query import reports as query
from archive.store import ingest as store
from archive.store.db import make_engine
from archive.store.migrate import alembic_config, upgrade
from archive.store.models import Report, Version
from archive.store.raw import RawFile, RawPage
from archive.store.recheck import ingest_changed_files
from archive.store.reextract import reextract

DAY = dt.timedelta(days=1)


def assert_pointers(sessions: sessionmaker[Session]) -> dict[int, int | None]:
    """Every report points at its highest-numbered version (none without one); its current version ids by report."""
    with sessions() as s:
        top = dict(s.execute(select(Version.report_id, func.max(Version.version)).group_by(Version.report_id)).all())
        out: dict[int, int | None] = {}
        for report in s.scalars(select(Report).order_by(Report.id)):
            current = report.current_version
            if report.id in top:
                assert current is not None and current.report_id == report.id, f"report {report.id}"
                assert current.version == top[report.id], f"report {report.id}"
            else:
                assert current is None, f"report {report.id}"
            out[report.id] = report.current_version_id
        return out


@pytest.fixture
def site(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))
    return "yuhang"


def _ingest(sessions: sessionmaker[Session], page: RawPage) -> store.IngestResult:
    with sessions.begin() as s:
        return store.ingest(s, page)


def _version_id(sessions: sessionmaker[Session], report_id: int, number: int) -> int:
    with sessions() as s:
        return s.scalars(select(Version.id).where(Version.report_id == report_id, Version.version == number)).one()


def test_the_pointer_follows_ingest_completion_correction_recheck_and_reextract(
    sessions: sessionmaker[Session], site: str
) -> None:
    first = _ingest(sessions, pointer(1, BUREAU, "a.docx", None))  # the attachment answered 503
    assert first.outcome is store.Outcome.NEW
    rid = first.report_id
    assert rid is not None
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 1)}

    # The missing attachment arrives: the same row is completed and stays current.
    done = _ingest(sessions, pointer(1, BUREAU, "a.docx", _docx(BUREAU_TEXT), at=T0 + DAY))
    assert (done.outcome, done.version) == (store.Outcome.UNCHANGED, 1)
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 1)}

    # A correction: a new version, and the pointer moves to it.
    corrected = [p.replace("2023年", "2023年度", 1) for p in BUREAU_TEXT]
    fixed = _ingest(sessions, pointer(1, BUREAU, "a.docx", _docx(corrected), at=T0 + 2 * DAY))
    assert (fixed.outcome, fixed.version) == (store.Outcome.CHANGED, 2)
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 2)}

    # The page answers 304 while its attachment came back with other bytes: rebuilt as version 3.
    with sessions.begin() as s:
        new_file = RawFile(url=_file_url("a.docx"), filename="a.docx", status=200, body=_docx(FINANCE_TEXT))
        rebuilt = ingest_changed_files(s, "yuhang", f"{BASE}1.html", [new_file], T0 + 3 * DAY)
    assert (rebuilt.outcome, rebuilt.version) == (store.Outcome.CHANGED, 3)
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 3)}

    # A text an older extractor derived: reextract makes version 4 from the same capture.
    with sessions.begin() as s:
        v3 = s.get(Version, _version_id(sessions, rid, 3))
        assert v3 is not None
        v3.text, v3.content_sha256 = "旧的提取结果", "0" * 64
    summary = reextract(sessions)
    assert (summary.changed, summary.failed) == (1, ())
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 4)}
    with sessions() as s:
        assert query.show_report(s, rid).version == 4
        assert store.latest_version(s, rid) == s.get(Version, _version_id(sessions, rid, 4))


def test_the_pointer_survives_the_unmerge_repair(sessions: sessionmaker[Session]) -> None:
    _flip_flopping_twins(sessions, _docx(BUREAU_TEXT), _docx(FINANCE_TEXT))
    (rid,) = assert_pointers(sessions)
    assert assert_pointers(sessions) == {rid: _version_id(sessions, rid, 5)}

    summary = reextract(sessions)  # splits the twin off and folds both histories down to one version each
    assert (summary.split, summary.failed) == (1, ())
    pointers = assert_pointers(sessions)
    assert len(pointers) == 2
    assert pointers == {r: _version_id(sessions, r, 1) for r in pointers}
    with sessions() as s:
        counts = [r.version_count for r in query.list_reports(s).items]
        assert counts == [1, 1]


def test_migration_points_existing_reports_at_their_highest_version(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0004")
        at = "2024-03-15 08:00:00.000000"
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO site (id, name, region, platform, created_at) VALUES ('s', 'n', 'r', 'static', :at)"),
                {"at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO capture (sha256, size, compression, body, created_at) VALUES ('c', 1, 'none', :b, :at)"
                ),
                {"b": b"x", "at": at},
            )
            for rid in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO report (id, site_id, url, title, kind, status, first_seen_at, last_changed_at,"
                        " last_checked_at, missing_count) VALUES (:id, 's', :url, 't', 'related', 'active', :at, :at,"
                        " :at, 0)"
                    ),
                    {"id": rid, "url": f"https://x/{rid}", "at": at},
                )
            # Report 1's version 2 has the lower id (a renumbered history): the number decides, not the id.
            for vid, rid, number in ((10, 1, 2), (11, 1, 1), (12, 2, 1)):
                conn.execute(
                    text(
                        "INSERT INTO report_version (id, report_id, version, fetched_at, capture_sha256,"
                        " content_sha256, title, text, chars, change, extractor_version, replacement_chars)"
                        " VALUES (:vid, :rid, :n, :at, 'c', 'h', 't', 'x', 1, 'new', '1', 0)"
                    ),
                    {"vid": vid, "rid": rid, "n": number, "at": at},
                )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, current_version_id FROM report ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, 10), (2, 12), (3, None)]
        # Down (the column goes, on SQLite too while versions hold rows) and up again: filled the same way.
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        upgrade(engine)
        with engine.connect() as conn:
            again = conn.execute(text("SELECT id, current_version_id FROM report ORDER BY id")).all()
        assert [tuple(r) for r in again] == [(1, 10), (2, 12), (3, None)]
    finally:
        engine.dispose()
