"""A crawl spread over several processes (FAZHI_CRAWL_PROCESSES): every site is crawled once, by one process; the
exit codes are combined; a signal to `fazhi crawl`, or its death, stops every worker, which records its runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from crawlkit import Archive, live_processes, make_archive, process_state
from sqlalchemy import select

from archive.config import SITES_PER_CRAWL_PROCESS, Config
from archive.errors import BadUsage
from archive.store.ingest import canonical_url
from archive.store.models import CrawlRun
from crawler import workers as workers_module
from crawler.workers import WORKER_FLAG, combined_exit, run_workers, shares
from portalsim import PortalSim

FAZHI = [sys.executable, "-c", "from archive.cli.main import main; main()"]


def test_shares_put_each_site_in_exactly_one() -> None:
    ids = [f"s{n}" for n in range(7)]
    split = shares(ids, 3)
    assert [len(s) for s in split] == [3, 2, 2]
    assert sorted(i for s in split for i in s) == sorted(ids)
    assert shares(ids[:2], 4) == [["s0"], ["s1"]]  # never an empty process


def test_exit_codes_combine_to_the_worst() -> None:
    assert combined_exit([0, 0]) == 0
    assert combined_exit([0, 1]) == 1
    assert combined_exit([0, -9]) == 1  # killed
    assert combined_exit([1, 2, 0]) == 2  # a bad configuration says so


def test_processes_setting_and_its_default() -> None:
    assert Config.from_env({"FAZHI_CRAWL_PROCESSES": "3"}).crawl_processes == 3
    assert Config.from_env({"FAZHI_CRAWL_PROCESSES": "auto"}).crawl_processes is None
    for bad in ("0", "two", "-1"):
        with pytest.raises(BadUsage, match="FAZHI_CRAWL_PROCESSES"):
            Config.from_env({"FAZHI_CRAWL_PROCESSES": bad})
    assert Config.from_env({}).crawl_processes_for(1000) == 1  # one process unless asked
    auto = Config.from_env({"FAZHI_CRAWL_PROCESSES": "auto"})
    assert auto.crawl_processes_for(4) == 1  # a few sites: one process, as ever
    assert auto.as_env()["FAZHI_CRAWL_PROCESSES"] == "auto"
    assert auto.crawl_processes_for(SITES_PER_CRAWL_PROCESS * 100) == (os.cpu_count() or 1)
    assert Config.from_env({"FAZHI_CRAWL_PROCESSES": "8"}).crawl_processes_for(3) == 3


def workers(parent_pid: int) -> set[int]:
    """Live crawl workers whose --parent-pid is `parent_pid`."""
    return live_processes(WORKER_FLAG, str(parent_pid))


def crawl_process(archive: Archive, processes: int, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`python -m crawler.run` as `fazhi crawl` starts it, spreading the sites over `processes` processes."""
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.run"],
        env={**os.environ, **archive.config.as_env(), "FAZHI_CRAWL_PROCESSES": str(processes), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def runs(archive: Archive) -> list[CrawlRun]:
    with archive.session() as s:
        return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def slow(sim: PortalSim, delay: float) -> str:
    return sim.registry_yaml(delay=delay)


def wait_for_workers(proc: subprocess.Popen[str], n: int, archive: Archive) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the crawl ended too soon: {proc.communicate()}"
        found = workers(proc.pid)
        if len(found) == n and archive.counts()[0] >= 1:
            return found
        time.sleep(0.05)
    pytest.fail(f"not {n} workers crawling within 60 s")


@pytest.mark.slow
def test_every_site_is_crawled_once_by_one_of_the_processes(tmp_path: Path, db_url: str) -> None:
    with PortalSim() as sim:
        archive = make_archive(tmp_path, sim, db_url=db_url)
        archive.config.sites_path.write_text(slow(sim, 0.2), encoding="utf-8")
        proc = crawl_process(archive, 2)
        seen = wait_for_workers(proc, 2, archive)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert not workers(proc.pid) and len(seen) == 2
        done = [line for line in out.splitlines() if line.startswith("FAZHI ") and '"event": "done"' in line]
        assert len(done) == len(sim.sites)  # every worker's progress lines came through, whole
        assert sorted((r.site_id, r.status) for r in runs(archive)) == sorted((s.id, "ok") for s in sim.sites)
        expected = {canonical_url(r.url) for r in sim.expected_reports()}
        assert set(archive.reports()) == expected
        counts = archive.counts()
        assert counts[0] == counts[1] == len(expected)


@pytest.mark.slow
def test_one_failing_site_in_one_process_fails_the_crawl(tmp_path: Path) -> None:
    with PortalSim(sites=["yuhang"]) as sim:
        archive = make_archive(tmp_path, sim)
        doc = yaml.safe_load(sim.registry_yaml())
        # Nothing listens on port 9: the site cannot be reached, its run fails.
        doc["sites"].append({**doc["sites"][0], "id": "unreachable", "start_urls": ["http://127.0.0.1:9/col/1.html"]})
        archive.config.sites_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        proc = crawl_process(archive, 2)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        assert {r.site_id: r.status for r in runs(archive)} == {"yuhang": "ok", "unreachable": "failed"}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL of fazhi crawl"])
def test_stopping_the_crawl_stops_every_process(tmp_path: Path, how: str) -> None:
    # Four times the reports, a second apart: no site can finish before it is stopped, even on a busy machine.
    with PortalSim(scale=4) as sim:
        archive = make_archive(tmp_path, sim)
        archive.config.sites_path.write_text(slow(sim, 1.0), encoding="utf-8")
        proc = subprocess.Popen(
            [*FAZHI, "crawl", "--db", archive.config.db_url, "--sites", str(archive.config.sites_path)],
            env={**os.environ, "FAZHI_HOME": str(archive.config.home), "FAZHI_CRAWL_PROCESSES": "2"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        seen: set[int] = set()
        while len(seen) < 2 or archive.counts()[0] < 1:
            assert time.monotonic() < deadline, "no two workers crawling within 60 s"
            assert proc.poll() is None, proc.communicate()
            seen = {w for pid in _children(proc.pid) for w in workers(pid)}
            time.sleep(0.05)
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 1 and "Traceback" not in err, err
        else:
            proc.kill()  # no handler runs: the kernel tells the crawl process, which tells its workers
            proc.communicate()
        deadline = time.monotonic() + 45
        while any(process_state(w) not in ("Z", "X") for w in seen):
            assert time.monotonic() < deadline, "a worker still runs after the crawl was stopped"
            time.sleep(0.1)
        # Every worker was stopped, not killed: each closed its sites' runs itself.
        statuses = {r.site_id: r.status for r in runs(archive)}
        assert set(statuses) == {s.id for s in sim.sites} and set(statuses.values()) == {"interrupted"}
        before = archive.counts()
        time.sleep(1.5)
        assert archive.counts() == before


# A stand-in worker: it lifts the inherited mask as crawler.run does, writes down each SIGTERM it gets, and ends.
_COUNTING_WORKER = """
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
def got(signum, _frame):
    with out.open("a") as f:
        f.write(f"{signum}\\n")
signal.signal(signal.SIGTERM, got)
out.write_text("")
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
time.sleep(2)
"""


def test_a_stop_signal_that_comes_while_the_workers_start_reaches_each_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_popen = subprocess.Popen
    started: list[Path] = []

    def popen(_argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        out = tmp_path / f"worker-{len(started)}.txt"
        proc = real_popen([sys.executable, "-c", _COUNTING_WORKER, str(out)], **kwargs)  # type: ignore[call-overload]
        started.append(out)
        if len(started) == 1:
            signal.raise_signal(signal.SIGTERM)  # between the first worker's start and the second's
        return proc

    monkeypatch.setattr(workers_module.subprocess, "Popen", popen)
    before = signal.getsignal(signal.SIGTERM)
    assert run_workers([["a"], ["b"], ["c"]]) == 0
    assert signal.getsignal(signal.SIGTERM) == before  # the crawl's own handler is put back
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, set())  # and nothing is left held back
    assert [out.read_text().split() for out in started] == [[str(int(signal.SIGTERM))]] * 3


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out
