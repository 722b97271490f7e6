"""A crawl spread over several processes (FAZHI_CRAWL_PROCESSES): `python -m crawler.run` starts one worker per
share of the sites, passes their progress lines on, passes each stop signal on to every worker, and exits with the
worst of their exit codes. The crawl is single-threaded, so one process uses one core at most.

Each site is in exactly one share, so per-host politeness stays what one crawler enforces. The workers stay in the
crawl's process group (`fazhi crawl` kills the group when they do not stop in time) and stop when this process
ends however it ends (their --parent-pid).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from contextlib import suppress
from types import FrameType
from typing import IO

from archive.entrypoints import CRAWL_MODULE

# Given to each worker: it crawls its share in-process (never splits again). Its archive transactions take SQLite's
# write lock first (crawler.link.write_lock_first), as every crawl process's do, since others write to the same file.
WORKER_FLAG = "--worker"
# Given by whoever made the archive ready (prepare_for_crawl) before starting a crawl process: it checks no again.
SCHEMA_READY_FLAG = "--schema-ready"


def shares(site_ids: Sequence[str], n: int) -> list[list[str]]:
    """`site_ids` dealt out in turn into at most `n` shares: each site in exactly one, sizes one apart at most."""
    return [list(site_ids[i::n]) for i in range(n) if site_ids[i::n]]


def combined_exit(codes: Sequence[int]) -> int:
    """2 if a worker found the configuration bad, else 1 if any failed (or was killed), else 0."""
    if 2 in codes:
        return 2
    return 1 if any(codes) else 0


class _Relay:
    """Writes whole lines from several workers to this process's stdout, one at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._out = sys.stdout.buffer

    def copy(self, stream: IO[bytes]) -> None:
        for line in stream:
            with self._lock:
                try:
                    self._out.write(line)
                    self._out.flush()
                except BrokenPipeError:
                    # Nobody reads (`fazhi crawl` died and the crawl is stopping): keep draining the workers so
                    # none blocks on a full pipe; their run rows have the record (as crawler.extensions does).
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


# The signals a crawl passes on to its workers.
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def run_workers(site_shares: list[list[str]]) -> int:
    """Crawl each share in its own `python -m crawler.run` process; their combined exit code."""
    procs: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        # Each signal once to each worker: a second SIGTERM is Scrapy's "stop at once", and only if it came twice.
        for proc in procs:
            with suppress(ProcessLookupError):
                proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
    relay = _Relay()
    copiers: list[threading.Thread] = []
    # A stop signal is held back while the workers start, so that when `forward` runs every worker is in `procs`
    # and none gets it twice or never. The workers and the relay threads inherit the mask; the workers lift it first
    # thing (crawler.run), the relay threads need no signals.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for share in site_shares:
            # Started from this (the main) thread: a worker's PR_SET_PDEATHSIG follows the thread that started it.
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    CRAWL_MODULE,
                    WORKER_FLAG,
                    SCHEMA_READY_FLAG,
                    "--parent-pid",
                    str(os.getpid()),
                    *share,
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
            )
            procs.append(proc)
            assert proc.stdout is not None
            copier = threading.Thread(target=relay.copy, args=(proc.stdout,), name=f"relay-{proc.pid}", daemon=True)
            copier.start()
            copiers.append(copier)
    except BaseException:
        for proc in procs:  # a worker could not be started: those that were stop too, gracefully
            with suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # one that came meanwhile reaches `forward` now
    try:
        codes = [proc.wait() for proc in procs]
        for copier in copiers:
            copier.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for share, code in zip(site_shares, codes, strict=True):
        if code < 0:  # killed from outside: it could not say so itself (`fazhi crawl` closes its runs)
            print(
                f"fazhi: the crawl process of {', '.join(share)} was killed ({signal.strsignal(-code)})",
                file=sys.stderr,
                flush=True,
            )
    return combined_exit(codes)
