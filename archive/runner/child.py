"""Start crawls as a subprocess (the crawler is never imported here), follow their progress lines, and make sure
the crawl never outlives its wall-clock limit or the process that started it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from archive.config import Config
from archive.entrypoints import CRAWL_MODULE, SETTINGS_MODULE
from archive.store.handle import Archive
from archive.store.runs import close_unclosed
from crawler.progress import PREFIX
from crawler.workers import SCHEMA_READY_FLAG

# After being asked to stop, the crawl gets this long to close its spiders and record its runs; then SIGKILL.
GRACE_SECONDS = 30.0
# Beyond a site's own limit (which the crawl enforces itself, gracefully), how long before the crawl is stopped
# from outside: start-up, closing, and a crawl that stopped answering.
LIMIT_MARGIN_SECONDS = 60.0
# A run left open by a crawl that ended on its own: one of its processes (FAZHI_CRAWL_PROCESSES) was killed.
UNCLOSED = "crawl ended without closing this run: its crawl process was killed from outside"


@dataclass
class CrawlOutcome:
    returncode: int
    sites: list[dict[str, Any]] = field(default_factory=list)  # the "done" record of each site
    interrupted: str | None = None  # why the crawl was stopped before it finished, if it was
    run_ids: list[int] = field(default_factory=list)  # the crawl-run rows the crawl opened


class CrawlStopper:
    """Stops the child once gracefully (SIGTERM: Scrapy closes its spiders and records why), then for good."""

    def __init__(self, proc: subprocess.Popen[str], deadline: float) -> None:
        self.proc = proc
        self.deadline = deadline
        self.reason: str | None = None
        self._seen_start = False
        self._lock = threading.RLock()  # a second signal can arrive while the first is handled
        self._kill_timer: threading.Timer | None = None
        self._done = threading.Event()

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.proc.poll() is not None:
                return
            if self.reason is not None:  # asked twice: no more waiting
                self.kill()
                return
            self.reason = reason
            self.proc.send_signal(signal.SIGTERM)
            self._kill_timer = threading.Timer(GRACE_SECONDS, self.kill)
            self._kill_timer.daemon = True
            self._kill_timer.start()

    def kill(self) -> None:
        """SIGKILL to the crawl's whole process group: any converter it started goes too."""
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def site_started(self, limit: float | None) -> None:
        """A site began with its own limit: the outside limit follows the latest-ending site."""
        if not limit:
            return
        candidate = time.monotonic() + limit + LIMIT_MARGIN_SECONDS
        self.deadline = max(self.deadline, candidate) if self._seen_start else candidate
        self._seen_start = True

    def watch(self, stop: threading.Event | None = None) -> None:
        """Runs in a thread: stop the crawl when the outside limit passes, or when `stop` is set."""
        while not self._done.wait(0.5):
            if time.monotonic() > self.deadline:
                self.stop("stopped by the wall-clock limit")
                return
            if stop is not None and stop.is_set():
                self.stop("stopped with the scheduler")
                return

    def close(self) -> None:
        self._done.set()
        if self._kill_timer is not None:
            self._kill_timer.cancel()


@contextmanager
def _forward_signals(stopper: CrawlStopper) -> Iterator[None]:
    """SIGTERM/SIGINT to this process stop the crawl gracefully instead of leaving it running on its own."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the child still dies with this process (see crawler.run)
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        print(f"fazhi: {name}: stopping the crawl (again to stop at once) …", file=sys.stderr, flush=True)
        stopper.stop(f"interrupted by {name}")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_crawl(
    config: Config,
    site_ids: Sequence[str],
    on_event: Callable[[dict[str, Any]], None] | None = None,
    extra_env: dict[str, str] | None = None,
    *,
    stop: threading.Event | None = None,
    archive: Archive | None = None,
) -> CrawlOutcome:
    """Crawl `site_ids` in a crawler process of their own, into an archive the caller made ready (opened for writing:
    archive.runner.crawl does), so the process does not check it again. `archive`, when given, is where the runs the
    process could not close are closed; else the archive is opened for that."""
    env = {**os.environ, **config.as_env(), "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, **(extra_env or {})}
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["PYTHONIOENCODING"] = "utf-8"  # progress lines carry Chinese messages, whatever the locale
    # --parent-pid: the crawler asks Linux to stop it when the thread that started it ends (PR_SET_PDEATHSIG),
    # which is this one: it waits here until the crawl is over.
    proc = subprocess.Popen(
        [sys.executable, "-m", CRAWL_MODULE, SCHEMA_READY_FLAG, "--parent-pid", str(os.getpid()), *site_ids],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        # Its own process group: a Ctrl-C in the terminal reaches only this process, which passes it on once
        # (Scrapy takes a second signal as "stop at once, record nothing").
        process_group=0,
    )
    stopper = CrawlStopper(proc, time.monotonic() + config.crawl_timeout + LIMIT_MARGIN_SECONDS)
    watcher = threading.Thread(target=stopper.watch, args=(stop,), name="crawl-limit", daemon=True)
    outcome = CrawlOutcome(returncode=0)
    run_ids = outcome.run_ids
    assert proc.stdout is not None
    try:
        with _forward_signals(stopper):
            watcher.start()
            for line in proc.stdout:
                event = _progress(line)
                if event is None:
                    continue
                if event.get("event") == "start":
                    if isinstance(event.get("run"), int):
                        run_ids.append(event["run"])
                    stopper.site_started(event.get("timeout"))
                if event.get("event") == "done":
                    outcome.sites.append(event)
                if on_event:
                    on_event(event)
            rc = proc.wait()
    finally:
        stopper.close()
        if proc.poll() is None:  # this process is failing: its crawl goes with it
            stopper.kill()
            proc.wait()
    if rc < 0 and stopper.reason is None:
        # Killed from outside (the kernel's OOM killer, an operator): nothing of the crawl could say so itself.
        stopper.reason = _killed(-rc)
    outcome.interrupted = stopper.reason
    # The crawl is over, so a run still open was never closed by its process: stopped or killed before it could.
    if run_ids:
        message = f"crawl {stopper.reason}" if stopper.reason else UNCLOSED
        with nullcontext(archive) if archive is not None else Archive.open(config) as opened:
            _close(opened, run_ids, message)
    # Killed by a signal (negative code) or stopped counts as a failed run, not as bad usage.
    outcome.returncode = rc if rc in (0, 1, 2) else 1
    if stopper.reason and outcome.returncode == 0:
        outcome.returncode = 1
    return outcome


def _killed(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    cause = " (the system's out-of-memory killer sends it, among others)" if signum == signal.SIGKILL else ""
    return f"ended: its crawler process was killed by {name} from outside{cause}"


def _close(archive: Archive, run_ids: list[int], message: str) -> None:
    with archive.sessions.begin() as session:
        close_unclosed(session, run_ids, message)


def _progress(line: str) -> dict[str, Any] | None:
    if not line.startswith(PREFIX):
        sys.stderr.write(line)
        return None
    try:
        event = json.loads(line[len(PREFIX) :])
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None
