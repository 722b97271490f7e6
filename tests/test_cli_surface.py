"""What a newcomer meets on the command line: one language for the enumerations (Chinese labels, options taking
label or value), every time in Beijing time and labelled, search marks that survive a pipe, only options that act,
`extract` on documents and standard input, a bounded `--every`."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import docx
import pytest
from hostilekit import copy_archive, run_fazhi

from archive.clock import TIMEZONE


@pytest.fixture
def archive(demo_archive: Path, tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "archive.db"
    copy_archive(demo_archive, db)
    return {"FAZHI_DB_URL": f"sqlite:///{db}", "FAZHI_HOME": str(tmp_path / "home")}


def fazhi(env: dict[str, str], *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out = run_fazhi(list(args), env, stdin=stdin)
    return out.returncode, out.stdout, out.stderr


def test_enumerations_show_their_labels_and_options_take_either(archive: dict[str, str]) -> None:
    code, table, _ = fazhi(archive, "reports")
    assert code == 0 and "政府年度报告" in table and "在线" in table and "annual_report" not in table
    by_value = json.loads(fazhi(archive, "reports", "--json", "--kind", "annual_report")[1])
    by_label = json.loads(fazhi(archive, "reports", "--json", "--kind", "政府年度报告", "--status", "在线")[1])
    assert by_value == by_label and by_value and all(r["kind"] == "annual_report" for r in by_value)
    code, _, err = fazhi(archive, "reports", "--kind", "年度")
    assert code == 2 and "annual_report (政府年度报告)" in err
    rid = str(by_value[0]["id"])
    assert "政府年度报告" in fazhi(archive, "show", rid)[1] and "annual_report" not in fazhi(archive, "show", rid)[1]
    coverage = fazhi(archive, "coverage")[1]
    assert "按时" in coverage and "on_time" not in coverage


def test_times_are_beijing_time_and_say_so(archive: dict[str, str]) -> None:
    run = json.loads(fazhi(archive, "runs", "--json", "--limit", "1")[1])[0]
    started = dt.datetime.fromisoformat(run["started_at"])
    beijing = started.astimezone(TIMEZONE)
    table = fazhi(archive, "runs", "--limit", "1")[1]
    assert "北京时间" in table and beijing.strftime("%Y-%m-%d %H:%M:%S") in table
    history = fazhi(archive, "history", str(json.loads(fazhi(archive, "reports", "--json")[1])[0]["id"]))[1]
    assert "北京时间" in history
    # A bare --since is Beijing time, as every shown time is: the run's own minute finds it, the next does not.
    minute = beijing.replace(second=0, microsecond=0, tzinfo=None)
    found = json.loads(fazhi(archive, "runs", "--json", "--since", minute.isoformat())[1])
    later = json.loads(fazhi(archive, "runs", "--json", "--since", (minute + dt.timedelta(minutes=1)).isoformat())[1])
    assert run["id"] in {r["id"] for r in found} and run["id"] not in {r["id"] for r in later}


def test_search_marks_its_terms_in_a_pipe(archive: dict[str, str]) -> None:
    code, out, _ = fazhi(archive, "search", "法治")
    assert code == 0 and "【法治】" in out


def test_commands_offer_only_the_options_that_act(archive: dict[str, str]) -> None:
    for args in (["reports", "--sites", "x.yaml"], ["show", "1", "--notify", "json://x"], ["runs", "--notify", "x"]):
        code, _, err = fazhi(archive, *args)
        assert code == 2 and "No such option" in err, args
    assert "--notify" in fazhi(archive, "crawl", "--help")[1] and "--sites" in fazhi(archive, "serve", "--help")[1]


def test_extract_reads_documents_by_their_bytes_and_standard_input(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("2023年，我区法治政府建设取得新进展。")
    buf = io.BytesIO()
    document.save(buf)
    named_html = tmp_path / "report.html"  # a name that lies: the bytes decide
    named_html.write_bytes(buf.getvalue())
    for args, stdin in ((["extract", "--json", str(named_html)], None), (["extract", "--json", "-"], buf.getvalue())):
        code, out, err = fazhi({}, *args, stdin=stdin)
        doc = json.loads(out)
        assert code == 0 and doc["text"] == "2023年，我区法治政府建设取得新进展。", err
        assert doc["media_type"].endswith("wordprocessingml.document")
    page = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body><div id='zoom'><p>2023年。</p></div>".encode()
    )
    code, out, _ = fazhi({}, "extract", "--json", "-", stdin=page)
    assert code == 0 and json.loads(out)["media_type"] == "text/html"
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 20)
    code, _, err = fazhi({}, "extract", str(tmp_path / "blob.bin"))
    assert code == 2 and "no text to be had" in err


def test_every_is_bounded(archive: dict[str, str]) -> None:
    code, _, err = fazhi(archive, "schedule", "--every", "100000d")
    assert code == 2 and "longer than 366 days" in err


def test_sites_shows_what_the_scheduler_runs(archive: dict[str, str], tmp_path: Path) -> None:
    from archive.store.db import make_engine
    from archive.store.schedules import record_schedules

    (tmp_path / "sites.yaml").write_text(
        "sites:\n  - id: yuhang\n    name: 余杭\n    region: 浙江省杭州市余杭区\n    start_urls: [http://127.0.0.1:9/]\n",
        encoding="utf-8",
    )
    env = {**archive, "FAZHI_SITES": str(tmp_path / "sites.yaml")}
    assert json.loads(fazhi(env, "sites", "--json")[1])[0]["schedule"] == "seasonal"
    engine = make_engine(archive["FAZHI_DB_URL"])
    with engine.begin() as conn:
        record_schedules(conn, {"yuhang": "every 600s"})
    engine.dispose()
    assert json.loads(fazhi(env, "sites", "--json")[1])[0]["schedule"] == "every 600s"
    conn2 = sqlite3.connect(archive["FAZHI_DB_URL"].removeprefix("sqlite:///"))
    assert conn2.execute("SELECT count(*) FROM site_schedule").fetchone() == (1,)
    conn2.close()
