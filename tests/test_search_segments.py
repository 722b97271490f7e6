"""The merged search index on real SQLite and PostgreSQL: packing, merges that drop what left, racing merges, and
the migration that indexes an existing archive."""

from __future__ import annotations

import multiprocessing
from array import array
from typing import Any

import pytest
from alembic import command
from conftest import hanweb_page, site_entry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from test_search import T0

from archive.search.find import search
from archive.store import ingest as store
from archive.store import postings
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import alembic_config, upgrade
from archive.store.models import Report, SearchDoc, SearchPosting, SearchSegment, Version
from archive.store.postings import optimize, pack, unpack
from archive.store.raw import RawPage


@pytest.mark.parametrize("size", [0, 1, 15, 16, 5000])
def test_pack_and_unpack_give_back_the_lists(size: int) -> None:
    ids = array("I", range(7, 7 + 3 * size, 3))
    tfs = array("H", (n % 70000 if n % 70000 < 65536 else 1 for n in range(size)))
    got_ids, got_tfs = unpack(pack(ids, tfs))
    assert got_ids == ids and got_tfs == tfs
    if size >= 5000:
        assert len(pack(ids, tfs)) < 6 * size * 0.7  # compressed


def _ingest(sessions: sessionmaker[Session], n: int, text: str) -> int:
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", None))
        page = RawPage(
            site_id="yuhang",
            url=f"https://x.gov.cn/art/{n}.html",
            status=200,
            body=hanweb_page(f"某区{2020 + n % 5}年法治政府建设年度报告{n}", text.splitlines()),
            fetched_at=T0,
        )
        rid = store.ingest(s, page).report_id
    assert rid is not None
    return rid


def _postings_of(engine: Engine, version_id: int) -> int:
    """How many posting lists still name the version (valid or not)."""
    found = 0
    with engine.connect() as conn:
        for data in conn.scalars(select(SearchPosting.data)):
            found += version_id in unpack(data)[0]
    return found


def test_a_deleted_version_is_never_found_by_its_merged_pairs(
    sessions: sessionmaker[Session], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postings, "FANOUT", 2)
    keep = _ingest(sessions, 1, "2023年，我区法治政府建设取得新进展。\n全区行政诉讼败诉率下降。")
    gone = _ingest(sessions, 2, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
    optimize(engine)
    with sessions() as s:
        assert [r.id for r in search(s, "行政复议")] == [gone]
    with sessions.begin() as s:
        report = s.get_one(Report, gone)
        version = s.scalars(select(Version).where(Version.report_id == gone)).one()
        old_id = version.id
        report.current_version_id = None
        s.flush()
        s.delete(version)
    assert _postings_of(engine, old_id) > 0  # the segment still holds its pairs
    with sessions() as s:
        assert search(s, "行政复议", all_versions=True) == []
    # A new version may be given the freed id (SQLite reuses the highest rowid): the old pairs must not count for it.
    again = _ingest(sessions, 3, "2023年，我区法治政府建设取得新进展。\n全区执法人员持证上岗。")
    with sessions() as s:
        assert search(s, "行政复议", all_versions=True) == []
        assert [r.id for r in search(s, "持证上岗")] == [again]
    optimize(engine)  # another segment, so the two merge
    with sessions() as s:
        assert search(s, "行政复议", all_versions=True) == []
        assert {r.id for r in search(s, "法治政府")} == {keep, again}
        assert s.scalar(select(func.count()).select_from(SearchSegment)) == 1
    with engine.connect() as conn:
        if conn.scalar(select(func.max(Version.id))) != old_id:
            assert _postings_of(engine, old_id) == 0  # the merge dropped them


def test_a_version_written_again_is_found_by_its_new_text_only(sessions: sessionmaker[Session], engine: Engine) -> None:
    rid = _ingest(sessions, 1, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
    optimize(engine)
    with sessions.begin() as s:
        v = s.scalars(select(Version).where(Version.report_id == rid)).one()
        v.text = v.text.replace("行政复议", "行政裁决")
    with sessions() as s:
        assert search(s, "行政复议") == []
        assert [r.id for r in search(s, "行政裁决")] == [rid]
    optimize(engine)
    with sessions() as s:
        assert search(s, "行政复议") == []
        assert [r.id for r in search(s, "行政裁决")] == [rid]


def _optimize_at_once(db_url: str, barrier: Any, errors: Any) -> None:
    engine = make_engine(db_url)
    barrier.wait()
    try:
        optimize(engine)
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")
    finally:
        engine.dispose()


def test_merges_racing_on_one_archive_take_turns(sessions: sessionmaker[Session], db_url: str) -> None:
    for n in range(40):
        _ingest(sessions, n, f"2023年，我区法治政府建设第{n}项进展。\n全区行政复议案件{n}件。")
    ctx = multiprocessing.get_context("spawn")
    barrier, errors = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_optimize_at_once, args=(db_url, barrier, errors)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None))) == 0
        assert s.scalar(select(func.count()).select_from(SearchSegment)) == 1  # not one per racer
        assert len(search(s, "行政复议", limit=None)) == 40
        assert [r.year for r in search(s, "第17项")] == [2022]


def test_upgrading_an_archive_indexes_every_version(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        rid = _ingest(sessions, 1, "2023年，我区法治政府建设取得新进展。\n全区行政复议纠错率下降。")
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")  # the index of the previous release, empty
            command.upgrade(cfg, "head")
        with sessions() as s:
            assert [r.id for r in search(s, "行政复议")] == [rid]
            assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None))) == 0
    finally:
        engine.dispose()
