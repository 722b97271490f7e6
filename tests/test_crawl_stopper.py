"""How `fazhi crawl` stops its crawler, on real processes: SIGTERM first, SIGKILL to the group after the grace time."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.runner import child as crawlrun
from archive.runner.child import LIMIT_MARGIN_SECONDS, CrawlStopper

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
SLEEPS = "import time; print('ready', flush=True); time.sleep(60)"


def start(code: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, process_group=0)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def living_in_group(pgid: int) -> list[int]:
    """Processes of a process group that are still running (a killed orphan may linger as a zombie)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return found


def test_a_crawler_that_stops_on_sigterm_is_not_killed() -> None:
    proc = start(SLEEPS)
    stopper = CrawlStopper(proc, time.monotonic() + 600)
    try:
        stopper.stop("interrupted by SIGTERM")
        assert proc.wait(timeout=10) == -signal.SIGTERM
        assert stopper.reason == "interrupted by SIGTERM"
    finally:
        stopper.close()
        proc.kill()


def test_past_its_limit_a_crawler_that_ignores_sigterm_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crawlrun, "GRACE_SECONDS", 0.5)
    # The grandchild stands for a converter the crawler started: SIGKILL goes to the whole group.
    proc = start(IGNORES_SIGTERM + "import subprocess; subprocess.Popen(['sleep', '60']); time.sleep(60)")
    stopper = CrawlStopper(proc, time.monotonic() + 0.3)
    started = time.monotonic()
    try:
        stopper.watch()  # returns once the limit has passed and the stop began
        assert stopper.reason == "stopped by the wall-clock limit"
        assert proc.wait(timeout=10) == -signal.SIGKILL
        assert time.monotonic() - started < 5
        assert living_in_group(proc.pid) == []
    finally:
        stopper.close()
        proc.kill()


def test_a_second_stop_kills_at_once() -> None:
    proc = start(IGNORES_SIGTERM + "time.sleep(60)")
    stopper = CrawlStopper(proc, time.monotonic() + 600)
    try:
        stopper.stop("interrupted by SIGINT")
        time.sleep(0.2)
        assert proc.poll() is None  # SIGTERM ignored, grace time running
        stopper.stop("interrupted by SIGINT")
        assert proc.wait(timeout=5) == -signal.SIGKILL
    finally:
        stopper.close()
        proc.kill()


def test_the_outside_limit_follows_the_sites_own_limits() -> None:
    proc = start(SLEEPS)
    stopper = CrawlStopper(proc, time.monotonic() + 3600)
    try:
        stopper.site_started(10)
        assert stopper.deadline == pytest.approx(time.monotonic() + 10 + LIMIT_MARGIN_SECONDS, abs=1)
        stopper.site_started(5)  # a shorter site does not cut the longer one short
        assert stopper.deadline == pytest.approx(time.monotonic() + 10 + LIMIT_MARGIN_SECONDS, abs=1)
        stopper.site_started(100)
        assert stopper.deadline == pytest.approx(time.monotonic() + 100 + LIMIT_MARGIN_SECONDS, abs=1)
    finally:
        stopper.close()
        proc.kill()
