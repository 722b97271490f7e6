"""`fazhi schedule` unattended, in a real process, against the portal simulator: the sites change under it (a new
report, a correction, a removal, a site answering 412, a list that comes back empty) and a local webhook must get
exactly one alert of each, even though the scheduler is stopped with SIGTERM in the middle and started again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from inbox import Inbox
from sqlalchemy import select

from archive.config import Config
from archive.store.db import make_engine, make_sessionmaker
from archive.store.models import CrawlRun
from portalsim import PortalSim

pytestmark = pytest.mark.slow

SITES = ("yuhang", "putuo", "shangcheng")


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(SITES) as s:
        yield s


class Scheduler:
    """`fazhi schedule --every 3s` as a child process, with its environment and archive."""

    def __init__(self, tmp: Path, sim: PortalSim, inbox: Inbox) -> None:
        registry = tmp / "sites.yaml"
        registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        self.config = Config(home=tmp / "home", db_url=f"sqlite:///{tmp / 'archive.db'}", sites_path=registry)
        self.env = {**os.environ, **self.config.as_env(), "FAZHI_NOTIFY": inbox.url}
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive", "schedule", "--every", "3s"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(90)

    def runs(self) -> list[CrawlRun]:
        engine = make_engine(self.config.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        finally:
            engine.dispose()

    def cli_json(self, *args: str) -> object:
        out = subprocess.run(
            [sys.executable, "-m", "archive", *args, "--json"], env=self.env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _labels(inbox: Inbox) -> Counter[str]:
    return Counter(title.split(":", 1)[0] for title in inbox.titles())


def test_scheduler_alerts_each_change_once_across_a_restart(sim: PortalSim, tmp_path: Path) -> None:
    sim.reset()
    hidden = next(r for r in sim.expected_reports("yuhang") if r.key != "report-2023")
    sim.remove_article("yuhang", hidden.key)  # published later: the "new report"
    inbox = Inbox()
    sched = Scheduler(tmp_path, sim, inbox)
    try:
        sched.start()
        first = len(sim.expected_reports()) - 1
        _wait(lambda: _labels(inbox)["新报告"] == first, "the first crawl's alerts")

        sim.restore_article("yuhang", hidden.key)
        corrected = next(r for r in sim.expected_reports("yuhang") if r.key == "report-2023")
        sim.set_article_text("yuhang", corrected.key, corrected.text.replace("。", "（已更正）。", 1))
        _wait(lambda: _labels(inbox)["新报告"] == first + 1, "the new report's alert")

        # Stopped in the middle: the correction may or may not have been seen yet; nothing may be lost or repeated.
        assert sched.stop() == 0
        assert all(r.status != "running" for r in sched.runs()), "a stopped scheduler leaves no run open"
        removed = sim.expected_reports("putuo")[0]
        sim.remove_article("putuo", removed.key)
        sched.start()
        _wait(lambda: _labels(inbox)["报告更新"] == 1, "the correction's alert")
        _wait(lambda: _labels(inbox)["报告撤下"] == 1, "the removal's alert (two crawls answering 404)")

        sim.block("putuo")
        sim.empty_lists("shangcheng")
        _wait(lambda: _labels(inbox)["站点异常"] == 2, "one alert for the blocked site, one for the empty list")
        runs_before = len(sched.runs())
        _wait(lambda: len(sched.runs()) >= runs_before + 4, "more crawls of the failing sites")
        assert sched.stop() == 0
    finally:
        if sched.proc is not None and sched.proc.poll() is None:
            sched.proc.kill()
        sim.reset()

    assert _labels(inbox) == Counter({"新报告": first + 1, "报告更新": 1, "报告撤下": 1, "站点异常": 2}), inbox.titles()
    assert len(set(inbox.titles())) == len(inbox.titles()), "an alert was sent twice"
    site_errors = [t for t in inbox.titles() if t.startswith("站点异常")]
    assert any("普陀" in t for t in site_errors) and any("上城" in t for t in site_errors), site_errors

    runs = sched.runs()
    listed = sched.cli_json("runs", "--limit", "1000")
    assert isinstance(listed, list)
    assert sorted(r["id"] for r in listed) == [r.id for r in runs], "`fazhi runs` shows every run"
    assert {r.site_id for r in runs} == set(SITES)
    assert all(r.status in ("ok", "partial", "failed", "interrupted") for r in runs)
    assert {r.status for r in runs if r.site_id == "putuo"} >= {"ok", "failed"}
    log = (sched.config.log_dir / "scheduler.log").read_text(encoding="utf-8")
    assert log.count("run start:") == len(runs), "one log line per run start"
    assert log.count("run end:") == len(runs), "one log line per run end"
    assert log.count("scheduler started") == 2 and log.count("scheduler stopped") == 2
