"""Alerts through Apprise to real local webhooks: each event once per channel, in order, backoff, digest, rate."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from conftest import hanweb_page, site_entry
from crawlkit import make_archive
from inbox import Inbox
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from archive.alerts import channels
from archive.alerts import delivery as alerts
from archive.alerts.delivery import deliver_pending
from archive.cli.main import cli
from archive.clock import TIMEZONE
from archive.store import ingest as store
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import alembic_config, upgrade
from archive.store.models import AlertChannel, AlertDelivery, Event, utcnow
from archive.store.raw import RawPage
from portalsim import PortalSim

EVENT_KEYS = {
    "id", "kind", "site_id", "report_id", "title", "created_at", "delivered_at", "attempts", "last_error",
    "deliveries",
}  # fmt: skip


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.close()


@pytest.fixture
def dead() -> Iterator[Inbox]:
    box = Inbox(status=500)
    yield box
    box.close()


def _new_report(sessions: sessionmaker[Session], n: int) -> None:
    title = f"某区人民政府关于某区2023年法治政府建设年度报告{n}"
    body = hanweb_page(title, [f"2023年，某区法治政府建设取得第{n}项新进展。", "一、主要举措和成效"])
    page = RawPage(
        site_id="s", url=f"https://x.gov.cn/art/{n}.html", status=200, body=body, fetched_at=dt.datetime.now(dt.UTC)
    )
    with sessions.begin() as s:
        store.sync_site(s, site_entry("s", "某区人民政府", "浙江省某区", "hanweb-jpage", None))
        store.ingest(s, page)


def _numbers(box: Inbox) -> list[int]:
    return [int(t.rsplit("报告", 1)[1]) for t in box.titles()]


def test_each_event_is_sent_once_with_its_time(sessions: sessionmaker[Session], inbox: Inbox) -> None:
    _new_report(sessions, 1)
    first = deliver_pending(sessions, (inbox.url,))
    assert (first.sent, first.failed, first.pending, first.ok) == (1, 0, 0, True)
    assert inbox.titles() == ["新报告: 某区人民政府关于某区2023年法治政府建设年度报告1"]
    message = inbox.messages[0]["message"]
    assert "https://x.gov.cn/art/1.html" in message
    with sessions() as s:
        created = s.scalars(select(Event)).one().created_at
    assert f"发现于 {created.astimezone(TIMEZONE):%Y-%m-%d %H:%M} (北京时间)" in message
    again = deliver_pending(sessions, (inbox.url,))
    assert again.sent == 0 and len(inbox.messages) == 1


def test_a_dead_channel_neither_blocks_nor_repeats_another(
    sessions: sessionmaker[Session], inbox: Inbox, dead: Inbox
) -> None:
    for n in (1, 2, 3):
        _new_report(sessions, n)
    first = deliver_pending(sessions, (dead.url, inbox.url))
    assert _numbers(inbox) == [1, 2, 3] and dead.arrivals == 1  # the dead one tried its first event only
    assert [c.status for c in first.channels] == ["failed", "ok"] and not first.ok
    assert (first.sent, first.failed, first.pending) == (3, 1, 3)
    _new_report(sessions, 4)
    second = deliver_pending(sessions, (dead.url, inbox.url))
    assert _numbers(inbox) == [1, 2, 3, 4]  # nothing repeated, the new one through at once
    assert dead.arrivals == 1 and second.channels[0].status == "backoff"  # not retried before its time
    dead.status = 200
    later = deliver_pending(sessions, (dead.url, inbox.url), clock=lambda: utcnow() + dt.timedelta(minutes=5))
    assert _numbers(dead) == [1, 2, 3, 4] and later.ok and later.pending == 0
    assert _numbers(inbox) == [1, 2, 3, 4]


def test_backoff_doubles_and_is_capped(sessions: sessionmaker[Session], dead: Inbox) -> None:
    assert [channels.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert channels.backoff(50) == channels.BACKOFF_CAP == dt.timedelta(hours=1)
    _new_report(sessions, 1)
    t0 = utcnow()
    waits = []
    at = t0
    for _ in range(3):
        result = deliver_pending(sessions, (dead.url,), clock=lambda at=at: at)
        assert result.channels[0].status == "failed" and result.channels[0].next_attempt_at is not None
        waits.append((result.channels[0].next_attempt_at - at).total_seconds())
        early = deliver_pending(sessions, (dead.url,), clock=lambda at=at: at + dt.timedelta(seconds=waits[-1] - 1))
        assert early.channels[0].status == "backoff"
        at = result.channels[0].next_attempt_at + dt.timedelta(seconds=1)
    assert waits == [30, 60, 120] and dead.arrivals == 3


def test_a_backlog_goes_out_as_one_digest(sessions: sessionmaker[Session], inbox: Inbox) -> None:
    count = alerts.DIGEST_OVER + 2
    for n in range(1, count + 1):
        _new_report(sessions, n)
    result = deliver_pending(sessions, (inbox.url,))
    assert (result.sent, result.channels[0].messages, result.pending) == (count, 1, 0)
    assert inbox.titles() == [f"汇总: {count} 条提醒"]
    body = inbox.messages[0]["message"]
    positions = [body.index(f"年度报告{n}\n") for n in range(1, count + 1)]
    assert positions == sorted(positions)  # oldest first
    assert "https://x.gov.cn/art/1.html" in body
    with sessions() as s:
        assert all(d.digest and d.sent_at for d in s.scalars(select(AlertDelivery)))
    _new_report(sessions, 99)
    deliver_pending(sessions, (inbox.url,))
    assert inbox.titles()[1] == "新报告: 某区人民政府关于某区2023年法治政府建设年度报告99"  # alone again


def test_a_channel_at_its_rate_waits_without_failing(
    sessions: sessionmaker[Session], inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "RATE_PER_MINUTE", 2)
    for n in (1, 2, 3):
        _new_report(sessions, n)
    now = utcnow()
    limited = deliver_pending(sessions, (inbox.url,), clock=lambda: now)
    assert _numbers(inbox) == [1, 2] and limited.channels[0].status == "rate" and limited.ok
    deliver_pending(sessions, (inbox.url,), clock=lambda: now + dt.timedelta(seconds=30))
    assert _numbers(inbox) == [1, 2]
    deliver_pending(sessions, (inbox.url,), clock=lambda: now + dt.timedelta(seconds=61))
    assert _numbers(inbox) == [1, 2, 3]


def test_a_new_channel_gets_only_what_nobody_received(sessions: sessionmaker[Session], inbox: Inbox) -> None:
    _new_report(sessions, 1)
    deliver_pending(sessions, (inbox.url,))
    _new_report(sessions, 2)
    late = Inbox()
    try:
        result = deliver_pending(sessions, (inbox.url, late.url))
        assert _numbers(inbox) == [1, 2] and _numbers(late) == [2]
        assert result.pending == 0
    finally:
        late.close()


def test_a_claim_has_one_holder_until_its_lease_expires(sessions: sessionmaker[Session], engine: Engine) -> None:
    with sessions.begin() as s:
        channel_id = channels.register(s, "json://127.0.0.1:9/x", "json://127.0.0.1:9/x").id
    now = utcnow()
    # Eight senders, each with its own connection, try at the same instant: exactly one wins.
    barrier = threading.Barrier(8)
    wins: list[bool] = []

    def contend(i: int) -> None:
        own = make_sessionmaker(make_engine(str(engine.url.render_as_string(hide_password=False))))
        barrier.wait()
        with own.begin() as s:
            wins.append(channels.claim(s, channel_id, f"sender{i}", now))

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    with sessions.begin() as s:
        holder = s.get_one(AlertChannel, channel_id).lease_owner
        assert holder is not None
        assert not channels.claim(s, channel_id, "late", now + channels.LEASE - dt.timedelta(seconds=1))
        assert channels.claim(s, channel_id, "late", now + channels.LEASE + dt.timedelta(seconds=1))
        assert not channels.renew(s, channel_id, holder, now)  # the old holder learns it lost the channel


def test_undelivered_events_carry_over_the_upgrade(db_url: str, inbox: Inbox) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO site (id, name, region, platform, created_at) VALUES ('s', 'n', 'r', 'static', :t)"),
                {"t": utcnow()},
            )
            for i, delivered in ((1, utcnow()), (2, None)):
                conn.execute(
                    text(
                        "INSERT INTO event (id, kind, site_id, title, body, created_at, delivered_at, attempts)"
                        " VALUES (:i, 'site_error', 's', :title, 'b', :t, :d, 3)"
                    ),
                    {"i": i, "title": f"站点异常: {i}", "t": utcnow(), "d": delivered},
                )
        upgrade(engine)
        result = deliver_pending(make_sessionmaker(engine), (inbox.url,))
        assert inbox.titles() == ["站点异常: 2"] and result.pending == 0
        cfg = alembic_config()
        with engine.begin() as conn:  # and back down, keeping the events
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM event")).scalar() == 2
    finally:
        engine.dispose()


def test_bad_notification_url_is_refused(sessions: sessionmaker[Session]) -> None:
    _new_report(sessions, 1)
    with pytest.raises(ValueError, match="not a notification URL"):
        deliver_pending(sessions, ("nosuchscheme://x",))


def _cli(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def test_alerts_commands(db_url: str, inbox: Inbox, dead: Inbox) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        _new_report(sessions, 1)
        _new_report(sessions, 2)
        assert _cli(db_url, "alerts", "send")[0] == 2  # no URL configured
        code, out, err = _cli(db_url, "alerts", "send", "--json", "--notify", inbox.url, "--notify", dead.url)
        assert code == 1 and "failed" in out
        doc = json.loads(out)
        assert [(c["status"], c["sent"], c["pending"]) for c in doc] == [("ok", 2, 0), ("failed", 0, 2)]
        assert set(doc[0]) == {"channel", "status", "sent", "messages", "pending", "error", "next_attempt_at"}
        assert "?" not in doc[0]["channel"] and doc[1]["next_attempt_at"] and "500" in doc[1]["error"]

        code, out, _ = _cli(db_url, "alerts", "--json", "--notify", inbox.url, "--notify", dead.url)
        rows = json.loads(out)
        assert code == 0 and [r["id"] for r in rows] == [2, 1]  # newest first
        for row in rows:
            assert set(row) == EVENT_KEYS and row["kind"] == "new" and row["site_id"] == "s"
            assert row["delivered_at"] is None  # the dead URL still waits for it
            assert dt.datetime.fromisoformat(row["created_at"]).utcoffset() is not None
        assert rows[1]["attempts"] == 2 and "500" in rows[1]["last_error"]
        assert {d["sent_at"] is not None for d in rows[1]["deliveries"]} == {True, False}
        pending = json.loads(_cli(db_url, "alerts", "--pending", "--json", "--notify", dead.url)[1])
        assert [r["id"] for r in pending] == [2, 1]
        live_only = json.loads(_cli(db_url, "alerts", "--pending", "--json", "--notify", inbox.url)[1])
        assert live_only == []
        delivered = json.loads(_cli(db_url, "alerts", "--json", "--notify", inbox.url)[1])
        assert all(dt.datetime.fromisoformat(r["delivered_at"]) for r in delivered)
        code, out, _ = _cli(db_url, "alerts", "--notify", dead.url)
        assert code == 0 and "pending" in out

        both = ["--notify", inbox.url, "--notify", dead.url]
        result = CliRunner().invoke(cli, ["alerts", "--db", db_url, *both, "test"])  # group options reach `test`
        code, out, err = result.exit_code, result.stdout, result.stderr
        assert code == 1 and "✓" in out and "✗" in err and inbox.titles()[-1].startswith("测试")
        dead.status = 200
        code, *_ = _cli(db_url, "alerts", "test", "--notify", dead.url)
        assert code == 0
        code, out, err = _cli(db_url, "alerts", "send", "--notify", inbox.url, "--notify", dead.url)
        assert code == 0, err  # the test cleared the backoff: sent at once
        assert dead.titles()[-2:] == [f"新报告: 某区人民政府关于某区2023年法治政府建设年度报告{n}" for n in (1, 2)]
        assert len(inbox.messages) == 3  # two events and one test: nothing sent again
    finally:
        engine.dispose()


@pytest.mark.slow
def test_crawl_notifies_new_reports_once_across_runs(tmp_path: Path, inbox: Inbox) -> None:
    with PortalSim(sites=["shangcheng", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        args = ["crawl", "--db", archive.config.db_url, "--sites", str(archive.config.sites_path)]
        assert CliRunner().invoke(cli, [*args, "--notify", inbox.url]).exit_code == 0
        expected = {f"新报告: {r.title}" for r in sim.expected_reports()}
        got = inbox.titles()
        if len(expected) > alerts.DIGEST_OVER:
            assert got == [f"汇总: {len(expected)} 条提醒"]
            assert all(title in inbox.messages[0]["message"] for title in expected)
        else:
            assert set(got) == expected and len(got) == len(expected)
        assert CliRunner().invoke(cli, [*args, "--notify", inbox.url]).exit_code == 0
        assert inbox.titles() == got  # a re-crawl sends nothing again


@pytest.mark.slow
def test_crawl_exits_1_when_alerts_fail(tmp_path: Path, dead: Inbox) -> None:
    with PortalSim(sites=["dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        args = ["crawl", "--db", archive.config.db_url, "--sites", str(archive.config.sites_path)]
        result = CliRunner().invoke(cli, [*args, "--notify", dead.url])
        assert result.exit_code == 1
        assert "alerts did not all go out" in result.stderr and "failed" in result.stderr
