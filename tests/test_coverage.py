"""`fazhi coverage` on real SQLite and PostgreSQL: on time, late, missing, pending; only annual reports count."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.cli.main import cli
from archive.query.coverage import Status, coverage, due_date
from archive.store import ingest as store
from archive.store.models import Report
from archive.store.raw import RawPage

BASE = "https://www.example.gov.cn/art/"
ROW_KEYS = {"site_id", "region", "year", "status", "report_id", "published_date", "due_date", "date_source"}


def report_paras(year: int, who: str = "区政府") -> list[str]:
    return [
        f"{year}年，{who}坚持以习近平法治思想为指引，扎实推进法治政府建设各项工作。",
        "一、主要举措和成效",
        "全区受理法律援助案件1312件，重大行政决策事项目录纳入6个事项。",
        "二、存在的不足和原因",
        "行政执法规范化水平仍需提升。",
        f"三、{year + 1}年工作安排",
        "深化行政执法改革。",
    ]


def add(s: Session, site: str, n: int, title: str, paras: list[str], date: str, at: dt.datetime | None = None) -> int:
    fetched = at or dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    result = store.ingest(s, RawPage(site, f"{BASE}{site}/{n}.html", 200, hanweb_page(title, paras, date), fetched))
    assert result.report_id is not None
    return result.report_id


@pytest.fixture
def archive(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Three sites: yuhang reports on time and late, xihu has only a department's report, anji nothing at all."""
    ids: dict[str, int] = {}
    with sessions.begin() as s:
        store.sync_site(s, site_entry("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110"))
        store.sync_site(s, site_entry("xihu", "杭州市西湖区人民政府", "浙江省杭州市西湖区", "hanweb-jpaas", "330106"))
        store.sync_site(s, site_entry("anji", "安吉县人民政府", "浙江省湖州市安吉县", "hanweb-jpage", None))
        ids["y2021"] = add(
            s, "yuhang", 1, "杭州市余杭区人民政府关于余杭区2021年法治政府建设年度报告", report_paras(2021), "2022-03-20"
        )
        # Due 2023-04-01; published on the due date itself is on time, and a day after it is late.
        ids["y2022"] = add(
            s, "yuhang", 2, "杭州市余杭区人民政府关于余杭区2022年法治政府建设年度报告", report_paras(2022), "2023-04-02"
        )
        # A second annual report on 2022 (the 司法局's joint one), published earlier: it is the one that counts.
        ids["y2022_joint"] = add(
            s,
            "yuhang",
            3,
            "杭州市余杭区人民政府关于余杭区2022年度法治政府建设情况的报告",
            report_paras(2022, "区司法局"),
            "2023-04-01",
        )
        # A department's report on 2022 at xihu, on time; it does not make xihu's own report appear.
        ids["x2022_dept"] = add(
            s, "xihu", 1, "杭州市西湖区教育局2022年法治政府建设年度报告", report_paras(2022, "区教育局"), "2023-02-10"
        )
    with sessions() as s:
        kinds = {r.id: r.kind for r in s.scalars(select(Report))}
    assert kinds[ids["x2022_dept"]] == "department_report"
    assert {kinds[ids[k]] for k in ("y2021", "y2022", "y2022_joint")} == {"annual_report"}
    return ids


def table(session: Session, **kw: object) -> dict[tuple[str, int], tuple[str, int | None, str | None]]:
    rows = coverage(session, **kw)  # type: ignore[arg-type]
    return {(r.site_id, r.year): (str(r.status), r.report_id, r.date_source) for r in rows}


def test_statuses_before_and_after_the_due_date(sessions: sessionmaker[Session], archive: dict[str, int]) -> None:
    with sessions() as s:
        # 2024-03-31 in Beijing: the 2023 reports are not due until tomorrow.
        got = table(s, today=dt.date(2024, 3, 31))
        assert got == {
            ("anji", 2021): ("missing", None, None),
            ("anji", 2022): ("missing", None, None),
            ("anji", 2023): ("pending", None, None),
            ("xihu", 2021): ("missing", None, None),
            ("xihu", 2022): ("missing", None, None),  # the department's report does not count
            ("xihu", 2023): ("pending", None, None),
            ("yuhang", 2021): ("on_time", archive["y2021"], "published_date"),
            ("yuhang", 2022): ("on_time", archive["y2022_joint"], "published_date"),
            ("yuhang", 2023): ("pending", None, None),
        }
        # On the due date itself the year is still pending; the day after it, missing.
        assert table(s, today=dt.date(2024, 4, 1))[("anji", 2023)] == ("pending", None, None)
        assert table(s, today=dt.date(2024, 4, 2))[("anji", 2023)] == ("missing", None, None)
        rows = coverage(s, site="yuhang", year=2022, today=dt.date(2024, 3, 31))
    assert len(rows) == 1
    assert (rows[0].region, rows[0].published_date, rows[0].due_date) == (
        "浙江省杭州市余杭区",
        dt.date(2023, 4, 1),
        dt.date(2023, 4, 1),
    )


def test_late_report_and_first_seen_date(sessions: sessionmaker[Session], archive: dict[str, int]) -> None:
    with sessions.begin() as s:
        # The joint report now appears after the other 2022 one: the earlier (late) one counts.
        joint = s.get(Report, archive["y2022_joint"])
        assert joint is not None
        joint.published_date = dt.date(2023, 4, 5)
        # No date on the 2021 page: the day it was first seen counts, in Beijing (16:30 UTC is the next day there).
        r2021 = s.get(Report, archive["y2021"])
        assert r2021 is not None
        r2021.published_date = None
        r2021.first_seen_at = dt.datetime(2022, 4, 1, 16, 30, tzinfo=dt.UTC)
    with sessions() as s:
        rows = {(r.site_id, r.year): r for r in coverage(s, site="yuhang", today=dt.date(2025, 1, 10))}
    assert sorted(rows) == [("yuhang", 2021), ("yuhang", 2022), ("yuhang", 2023), ("yuhang", 2024)]
    late = rows[("yuhang", 2022)]
    assert (late.status, late.report_id, late.published_date) == (Status.LATE, archive["y2022"], dt.date(2023, 4, 2))
    seen = rows[("yuhang", 2021)]
    assert (seen.status, seen.published_date, seen.date_source) == (Status.LATE, dt.date(2022, 4, 2), "first_seen")
    assert (rows[("yuhang", 2023)].status, rows[("yuhang", 2024)].status) == (Status.MISSING, Status.PENDING)


def test_an_empty_archive_and_an_unknown_site(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        assert coverage(s, today=dt.date(2024, 5, 1)) == []
    with sessions.begin() as s:
        store.sync_site(s, site_entry("anji", "安吉县人民政府", "浙江省湖州市安吉县", "hanweb-jpage", None))
    with sessions() as s:
        # No report anywhere: only the year just ended, and the site still has its row.
        assert table(s, today=dt.date(2024, 5, 1)) == {("anji", 2023): ("missing", None, None)}
        with pytest.raises(Exception, match="no site 'nowhere'"):
            coverage(s, site="nowhere")


def test_completeness_counts_required_sections(sessions: sessionmaker[Session], archive: dict[str, int]) -> None:
    with sessions() as s:
        rows = coverage(s, site="yuhang", completeness=True, today=dt.date(2024, 3, 31))
    done = [r for r in rows if r.report_id]
    assert done and all(r.required_sections is not None for r in done)
    for r in done:
        assert (r.required_sections, r.missing_sections) == (3, ("leadership", "other"))
    assert all(r.required_sections is None and r.missing_sections is None for r in rows if not r.report_id)
    assert due_date(2023) == dt.date(2024, 4, 1)


def run(db_url: str, *args: str) -> tuple[int, str, bytes]:
    result = CliRunner().invoke(cli, ["coverage", *args, "--db", db_url])
    return result.exit_code, result.stderr, result.stdout_bytes


def test_cli_json_and_csv(db_url: str, archive: dict[str, int]) -> None:
    code, err, out = run(db_url, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and all(set(r) == ROW_KEYS for r in rows)
    first_year = min(r["year"] for r in rows)
    assert first_year == 2021 and {r["site_id"] for r in rows} == {"anji", "xihu", "yuhang"}
    (y2022,) = [r for r in rows if (r["site_id"], r["year"]) == ("yuhang", 2022)]
    assert y2022 == {
        "site_id": "yuhang",
        "region": "浙江省杭州市余杭区",
        "year": 2022,
        "status": "on_time",
        "report_id": archive["y2022_joint"],
        "published_date": "2023-04-01",
        "due_date": "2023-04-01",
        "date_source": "published_date",
    }

    code, err, out = run(db_url, "--json", "--site", "yuhang", "--year", "2021", "--completeness")
    assert code == 0, err
    (row,) = json.loads(out)
    assert set(row) == ROW_KEYS | {"required_sections", "missing_sections"}
    assert (row["required_sections"], row["missing_sections"]) == (3, ["leadership", "other"])

    code, err, out = run(db_url, "--csv", "--site", "xihu", "--year", "2022", "--completeness")
    assert code == 0, err
    assert out.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    (row,) = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    assert row == {
        "site_id": "xihu",
        "region": "浙江省杭州市西湖区",
        "year": "2022",
        "status": "missing",
        "report_id": "",
        "published_date": "",
        "due_date": "2023-04-01",
        "date_source": "",
        "required_sections": "",
        "missing_sections": "",
    }

    code, err, out = run(db_url, "--site", "yuhang", "--completeness")
    assert code == 0, err
    text = out.decode("utf-8")
    assert (
        "Annual report coverage" in text
        and "按时" in text
        and "on_time" not in text
        and "3 (no leadership, other)" in text
    )

    code, err, _ = run(db_url, "--json", "--csv")
    assert code == 2 and "choose one of --json and --csv" in err
    code, err, _ = run(db_url, "--site", "nowhere")
    assert code != 0 and "no site 'nowhere'" in err


def test_show_json_sections(db_url: str, archive: dict[str, int]) -> None:
    result = CliRunner().invoke(cli, ["show", str(archive["y2021"]), "--json", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [s["heading"] for s in doc["sections"]] == [
        "一、主要举措和成效",
        "二、存在的不足和原因",
        "三、2022年工作安排",
    ]
    assert [s["covers"] for s in doc["sections"]] == [["measures"], ["shortcomings"], ["next_year"]]
    first = doc["sections"][0]
    assert doc["text"][first["start"] : first["end"]].startswith("一、主要举措和成效\n全区受理法律援助案件")
    assert doc["missing_sections"] == ["leadership", "other"] and doc["sections_source"] == "text"
    text = CliRunner().invoke(cli, ["show", str(archive["y2021"]), "--db", db_url]).stdout
    assert "缺少" in text or "missing" in text
