"""Listings in pages (`limit`, `offset`, `total`) and since a time, through the queries and the CLI, on real SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from sqlalchemy.orm import Session, sessionmaker

from archive.cli.main import cli
from archive.errors import BadUsage
from archive.query import reports as query
from archive.query.health import list_runs
from archive.store import ingest as store
from archive.store.models import CrawlRun
from archive.store.raw import RawPage

T0 = dt.datetime(2024, 3, 15, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
BASE = "https://www.yuhang.gov.cn/art/2024/3/14/art_1229174959_"


def _page(n: int, at: dt.datetime, extra: str = "") -> RawPage:
    title = f"杭州市余杭区第{n}局2023年度法治政府建设工作报告"
    paras = [f"2023年，第{n}局法治政府建设工作坚持以习近平法治思想为指引，扎实推进法治政府建设各项工作。{extra}"]
    body = hanweb_page(title, paras)
    return RawPage(site_id="yuhang", url=f"{BASE}{n}.html", status=200, body=body, fetched_at=at)


@pytest.fixture
def archive(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Five reports first seen a day apart; the first corrected on the tenth day; runs a day apart."""
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))
        for n in range(1, 6):
            assert store.ingest(s, _page(n, T0 + n * DAY)).outcome is store.Outcome.NEW
        assert store.ingest(s, _page(1, T0 + 10 * DAY, "（已更正）")).outcome is store.Outcome.CHANGED
        for n in range(1, 8):
            s.add(CrawlRun(site_id="yuhang", started_at=T0 + n * DAY, status="ok"))
    return sessions


def test_report_pages_cover_the_list_once(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        everything = query.list_reports(s)
        assert (everything.total, everything.limit, everything.offset) == (5, None, 0)
        ids = [r.id for r in everything.items]
        assert len(ids) == 5
        pages = [query.list_reports(s, limit=2, offset=o) for o in (0, 2, 4)]
        assert [len(p.items) for p in pages] == [2, 2, 1] and {p.total for p in pages} == {5}
        assert [r.id for p in pages for r in p.items] == ids
        beyond = query.list_reports(s, limit=2, offset=7)
        assert (beyond.items, beyond.total) == ((), 5)
        # Filters count in the total.
        assert query.list_reports(s, site="nowhere", limit=1).total == 0
        assert {r.id: r.version_count for r in everything.items}[ids[0]] in (1, 2)
        assert sorted(r.version_count for r in everything.items) == [1, 1, 1, 1, 2]


def test_reports_since_a_time(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        since = query.list_reports(s, since=T0 + 4 * DAY)
        # Reports 4 and 5 were first seen since then, report 1 was corrected since then.
        assert sorted(r.url.rsplit("_", 1)[1] for r in since.items) == ["1.html", "4.html", "5.html"]
        assert since.total == 3
        assert query.list_reports(s, since=T0 + 11 * DAY).total == 0
        # An instant in another zone is the same instant.
        beijing = (T0 + 4 * DAY).astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert query.list_reports(s, since=beijing).total == 3


def test_history_and_runs_in_pages(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        rid = next(r.id for r in query.list_reports(s).items if r.version_count == 2)
        second = query.history(s, rid, limit=1, offset=1)
        assert second.total == 2 and [v.version for v in second.items] == [2]
        assert [v.to_json()["change"] for v in query.history(s, rid).items] == ["new", "changed"]

        runs = list_runs(s)
        assert runs.total == 7 and runs.limit == 50
        started = [r.started_at for r in runs.items]
        assert started == sorted(started, reverse=True)  # newest first
        page = list_runs(s, limit=3, offset=3)
        assert [r.id for r in page.items] == [r.id for r in runs.items[3:6]]
        recent = list_runs(s, since=T0 + 5 * DAY)
        assert recent.total == 3 and all(r.started_at >= T0 + 5 * DAY for r in recent.items)
        doc = page.to_json()
        assert (doc["total"], doc["limit"], doc["offset"]) == (7, 3, 3)
        assert doc["items"][0] == page.items[0].to_json() and doc["items"][0]["status"] == "ok"


def test_a_bad_window_is_a_usage_error(archive: sessionmaker[Session]) -> None:
    with archive() as s:
        with pytest.raises(BadUsage, match="limit must be 1 or more, not 0"):
            query.list_reports(s, limit=0)
        with pytest.raises(BadUsage, match="offset must be 0 or more, not -1"):
            list_runs(s, offset=-1)


def _cli(archive: sessionmaker[Session], *args: str) -> tuple[int, str, str]:
    bind = archive.kw["bind"]
    url = bind.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, [*args, "--db", url])
    return result.exit_code, result.stdout, result.stderr


def test_cli_pages_and_since(archive: sessionmaker[Session]) -> None:
    code, out, _ = _cli(archive, "reports", "--json")
    assert code == 0
    every = json.loads(out)
    assert isinstance(every, list) and len(every) == 5  # the default is still every report, the same shape

    code, out, _ = _cli(archive, "reports", "--json", "--limit", "2", "--offset", "1")
    assert code == 0 and json.loads(out) == every[1:3]

    # A bare time is UTC; a date is its midnight.
    code, out, _ = _cli(archive, "reports", "--json", "--since", (T0 + 4 * DAY).strftime("%Y-%m-%dT%H:%M"))
    assert code == 0 and len(json.loads(out)) == 3
    code, out, _ = _cli(archive, "reports", "--json", "--since", "2024-03-30")
    assert code == 0 and json.loads(out) == []

    code, out, _ = _cli(archive, "reports", "--limit", "2", "--offset", "3")
    assert code == 0 and "reports 4–5 of 5" in out

    code, out, _ = _cli(archive, "runs", "--json", "--limit", "2", "--offset", "1", "--since", "2024-03-17T16:00+08:00")
    assert code == 0
    runs = json.loads(out)
    assert [r["started_at"] for r in runs] == [(T0 + n * DAY).isoformat() for n in (6, 5)]

    for args in (["reports", "--since", "yesterday"], ["runs", "--since", "2024-13-01"], ["reports", "--limit", "0"]):
        code, _, err = _cli(archive, *args)
        assert code == 2, args
        assert "--since" in err or "--limit" in err
