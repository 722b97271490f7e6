"""Many sites at once: the real crawl path (`archive.runner.crawl.crawl`, what `fazhi crawl` runs: one `crawler.run`
process, one Scrapy crawler per site in one reactor, or the sites spread over several such processes with
`--processes`, FAZHI_CRAWL_PROCESSES) over N simulated sites with the real politeness settings
(`crawler.settings`, registry delay 1 s), into a fresh SQLite archive. `python bench/thousand.py [--sizes 10 100]`.

The simulated sites are copies of the simulator's four site specs under distinct ids (`yuhang-0007` …), each a
`portalsim` site state with the simulator's own request handler on its own 127.0.0.1 port. They are served by a
separate process whose one thread waits on every listening socket at once (a thread per connection, as in the
simulator); the simulator's own SiteServer gives each site a thread polling 20 times a second, which at 1,000 sites
would measure the simulator's polling instead of the crawl.

Measured, per N: wall time of the whole crawl against the slowest of the four kinds crawled alone (same settings),
peak resident memory (VmHWM), CPU seconds (user + sys, and per page) and peak open sockets of the crawl process,
how long its main thread waited for a CPU (a shared machine's share, /proc/PID/schedstat), CPU of the simulator
process, database growth, pages/s and sites that did not finish. Each run is capped (`--cap`, the crawl's
own per-site wall-clock limit, FAZHI_CRAWL_TIMEOUT), so a size one machine cannot finish shows how far it got.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import selectors
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import scrapy
import yaml
from extraction import RESULTS, write_section
from sqlalchemy import select

from archive.config import Config
from archive.registry.sites import load_registry
from archive.runner.crawl import crawl
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import prepare_for_crawl
from archive.store.models import CrawlRun
from portalsim.content import SITE_ORDER
from portalsim.server import _handler_for
from portalsim.state import SiteState

HEADING = "## 1,000 sites"
PROJECT = 1000  # the size the issue asks about, projected from the sizes run when it is not one of them
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- the simulated sites (a child process) -------------------------------------------------------------------------
def serve(n_sites: int, registry: Path, only: str | None, scale: int) -> None:
    """Serve `n_sites` copies of the simulator's sites, write their registry, say "ready", serve until stdin closes."""
    kinds = [only] if only else list(SITE_ORDER)
    selector = selectors.DefaultSelector()
    entries = []
    for n in range(n_sites):
        state = SiteState(kinds[n % len(kinds)], scale)
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
        httpd.daemon_threads = True
        httpd.request_queue_size = 16
        selector.register(httpd.socket, selectors.EVENT_READ, httpd)
        spec = state.spec
        entries.append(
            {
                "id": f"{spec.id}-{n:04d}",
                "name": spec.name,
                "region": spec.region,
                "division_code": spec.division_code,
                "platform": spec.platform,
                "start_urls": [f"http://127.0.0.1:{httpd.server_address[1]}{spec.start_path}"],
                "delay": 1,
            }
        )
    registry.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        for key, _ in selector.select():
            # What serve_forever does on a ready socket: accept, and hand the connection to a new thread.
            key.data._handle_request_noblock()


class Sites:
    """The serving child process, its registry and its CPU time."""

    def __init__(self, n_sites: int, tmp: Path, only: str | None, scale: int) -> None:
        self.registry = tmp / "sites.yaml"
        cmd = [sys.executable, __file__, "serve", "--sites", str(n_sites), "--registry", str(self.registry)]
        cmd += ["--scale", str(scale)]
        self.proc = subprocess.Popen(
            cmd + (["--only", only] if only else []), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the simulated sites did not start")
        self.ids = [e["id"] for e in yaml.safe_load(self.registry.read_text(encoding="utf-8"))["sites"]]

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# -- sampling the crawl process ------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(OSError):
            out += [int(p) for p in (task / "children").read_text().split()]
    return out


@dataclass
class Sampler:
    """Every half second, over the `crawler.run` child and its workers (when the crawl is spread over several
    processes): their resident size, open sockets and threads, summed, keeping the peak (one process: its VmHWM),
    and how long their main threads have waited runnable for a CPU (each process's last sample, up to half a
    second before it ended)."""

    peak_rss: float = 0.0
    peak_sockets: int = 0
    peak_threads: int = 0
    crawler_pid: int | None = None
    waited: dict[int, float] = field(default_factory=dict)  # per process, seconds runnable but not running
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def runq_wait(self) -> float:
        return sum(self.waited.values())

    def run(self) -> None:
        while not self._stop.wait(0.5):
            with suppress(OSError, ValueError):  # the process ended between listing and reading
                self._sample()

    def _sample(self) -> None:
        if self.crawler_pid is None:
            for pid in children(os.getpid()):
                if b"crawler.run" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    self.crawler_pid = pid
            if self.crawler_pid is None:
                return
        rss = sockets = threads = 0
        pids = [self.crawler_pid, *children(self.crawler_pid)]
        for pid in pids:
            with suppress(OSError, ValueError, KeyError):  # a worker that just ended (a zombie has no Vm* lines)
                proc = Path(f"/proc/{pid}")
                status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
                rss += int(status["VmHWM" if len(pids) == 1 else "VmRSS"].split()[0])
                threads += int(status["Threads"])
                self.waited[pid] = int((proc / "schedstat").read_text().split()[1]) / 1e9  # ns
                for fd in (proc / "fd").iterdir():
                    with suppress(OSError):
                        sockets += os.readlink(fd).startswith("socket:")
        self.peak_rss = max(self.peak_rss, rss / 1024)
        self.peak_threads = max(self.peak_threads, threads)
        self.peak_sockets = max(self.peak_sockets, sockets)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- one crawl -----------------------------------------------------------------------------------------------------
@dataclass
class Measured:
    sites: int
    wall: float  # crawl() from call to return (start-up, crawl, search index merge)
    crawler_cpu: float
    sim_cpu: float
    peak_rss: float
    peak_sockets: int
    peak_threads: int
    db_growth: float  # MiB
    pages: int
    unfinished: int  # sites stopped by the cap
    errors: int  # sites with errors or a failed status
    site_median: float  # one site's own crawl time (its crawl-run row), median and max
    site_max: float
    first_start: float  # from the call to the first site's start, and to the last site's start
    last_start: float
    runq_wait: float = 0.0  # seconds the crawl's main thread waited for a CPU (0 in results saved before it was)
    load: float = 0.0  # the machine's 1-minute load average when the crawl returned
    processes: int = 1  # crawl processes the sites were spread over (FAZHI_CRAWL_PROCESSES)


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def measure(n_sites: int, cap: float, scale: int, only: str | None = None, processes: int | None = None) -> Measured:
    with tempfile.TemporaryDirectory(prefix="fazhi-thousand-") as d:
        tmp = Path(d)
        sites = Sites(n_sites, tmp, only, scale)
        db = tmp / "archive.store.db"
        config = Config(
            home=tmp / "home",
            db_url=f"sqlite:///{db}",
            sites_path=sites.registry,
            crawl_timeout=cap,
            crawl_processes=processes,
        )
        engine = make_engine(config.db_url)
        prepare_for_crawl(engine)
        before = db_bytes(db)
        starts: list[float] = []

        def progress(event: dict[str, Any]) -> None:
            if event.get("event") == "start":
                starts.append(time.monotonic())

        sim_cpu0 = sites.cpu()
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        with Sampler() as sampler:
            report = crawl(config, sites.ids, progress)
        wall = time.monotonic() - t0
        load = os.getloadavg()[0]
        usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the crawl process, waited for; the sites still run
        sim_cpu = sites.cpu() - sim_cpu0
        sites.close()
        with make_sessionmaker(engine)() as session:
            runs = session.scalars(select(CrawlRun)).all()
            durations = [(r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at]
        engine.dispose()
        done = report.sites
        return Measured(
            sites=n_sites,
            wall=wall,
            crawler_cpu=(usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
            sim_cpu=sim_cpu,
            peak_rss=sampler.peak_rss,
            peak_sockets=sampler.peak_sockets,
            peak_threads=sampler.peak_threads,
            db_growth=(db_bytes(db) - before) / 2**20,
            pages=sum(int(s.get("pages_fetched", 0)) for s in done),
            unfinished=n_sites - sum(1 for s in done if s.get("status") != "interrupted"),
            errors=sum(1 for s in done if s.get("status") in ("failed", "partial")),
            site_median=statistics.median(durations) if durations else 0.0,
            site_max=max(durations, default=0.0),
            first_start=(starts[0] - t0) if starts else 0.0,
            last_start=(starts[-1] - t0) if starts else 0.0,
            runq_wait=sampler.runq_wait,
            load=load,
            processes=config.crawl_processes_for(n_sites),
        )


def profile(n_sites: int, out: Path) -> None:
    """`python -m crawler.run` (one process, whatever FAZHI_CRAWL_PROCESSES says) under cProfile over `n_sites`
    simulated sites; prints its CPU per page. Read the profile with `python -m pstats OUT`."""
    with tempfile.TemporaryDirectory(prefix="fazhi-thousand-") as d:
        tmp = Path(d)
        sites = Sites(n_sites, tmp, None, 1)
        config = Config(home=tmp / "home", db_url=f"sqlite:///{tmp / 'archive.db'}", sites_path=sites.registry)
        engine = make_engine(config.db_url)
        prepare_for_crawl(engine)
        engine.dispose()
        env = {**os.environ, **config.as_env(), "FAZHI_CRAWL_PROCESSES": "1"}
        env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "crawler.run", *sites.ids]
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=False)
        usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        sites.close()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    pages = sum(
        int(event.get("pages_fetched", 0))
        for line in done.stdout.splitlines()
        if line.startswith("FAZHI ") and (event := json.loads(line[6:])).get("event") == "done"
    )
    print(f"{n_sites} sites, exit {done.returncode}: {pages} pages, {cpu:.1f} s CPU (profiled), {out}")


def registry_parse_seconds(n_sites: int) -> float:
    """How long one reading of an `n_sites` registry takes (each site's crawler reads the whole registry)."""
    with tempfile.TemporaryDirectory(prefix="fazhi-thousand-") as d:
        sites = Sites(n_sites, Path(d), None, 1)
        t0 = time.perf_counter()
        load_registry(sites.registry)
        seconds = time.perf_counter() - t0
        sites.close()
    return seconds


def raise_fd_limit(needed: int) -> tuple[int, int]:
    """Soft open-file limit up to the hard one when `needed` is more (children inherit it); (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = hard if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _processes(value: str) -> int | None:
    return None if value == "auto" else int(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    srv = sub.add_parser("serve", help="(internal) serve the simulated sites")
    srv.add_argument("--sites", type=int, required=True)
    srv.add_argument("--registry", type=Path, required=True)
    srv.add_argument("--only", choices=SITE_ORDER)
    srv.add_argument("--scale", type=int, default=1)
    prof = sub.add_parser("profile", help="cProfile one crawl process over N simulated sites (nothing written)")
    prof.add_argument("--sites", type=int, default=100)
    prof.add_argument("--out", type=Path, required=True, help="where the profile goes (pstats format)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 300])
    parser.add_argument("--cap", type=float, default=480.0, help="each site's wall-clock limit in seconds")
    parser.add_argument("--scale", type=int, default=1, help="copies of each simulated report")
    parser.add_argument("--render", type=Path, help="measure nothing: write the section from a --save file")
    parser.add_argument("--save", type=Path, help="also write the measurements to this JSON file")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    parser.add_argument(
        "--processes",
        type=_processes,
        nargs="+",
        default=[Config.from_env().crawl_processes],
        help="crawl processes per size (FAZHI_CRAWL_PROCESSES: a number or `auto`); several: each in turn",
    )
    parser.add_argument("--note", default="", help="said of the machine in the results (e.g. what else ran)")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.sites, args.registry, args.only, args.scale)
        return
    if args.command == "profile":
        raise_fd_limit(4 * args.sites + 256)
        profile(args.sites, args.out)
        return
    # Each site: a listening socket in the simulator and up to two connections a side, plus SQLite and pipes.
    fd_before, fd_after = raise_fd_limit(4 * max(args.sizes) + 256)
    print(f"open files: soft limit {fd_before}, now {fd_after}", file=sys.stderr)

    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
    else:
        saved = measure_all(args.sizes, args.cap, args.scale, args.processes)
        saved["fd"] = [fd_before, fd_after]
        saved["note"] = args.note
    if args.save:
        args.save.write_text(json.dumps(saved), encoding="utf-8")
    text = render(saved)
    print(text)
    if not args.no_write:
        write_section(text, HEADING)


def measure_all(sizes: list[int], cap: float, scale: int, processes: list[int | None]) -> dict[str, Any]:
    """Each kind alone, then every size (with each of `processes`, None: `auto`); plus one reading
    of a registry of PROJECT sites."""
    alone = {kind: measure(1, cap, scale, kind) for kind in SITE_ORDER}
    for kind, m in alone.items():
        print(f"alone {kind}: {m.wall:.1f} s, {m.pages} pages", file=sys.stderr)
    runs: list[Measured] = []
    for n in sizes:
        for count in processes:
            runs.append(measure(n, cap, scale, processes=count))
            print(runs[-1], file=sys.stderr, flush=True)
    return {
        "sizes": sizes,
        "processes": ["auto" if c is None else c for c in processes],
        "cap": cap,
        "scale": scale,
        "when": f"{dt.datetime.now():%Y-%m-%d %H:%M}",
        "parse": registry_parse_seconds(PROJECT),
        "alone": {k: asdict(m) for k, m in alone.items()},
        "runs": [asdict(m) for m in runs],
    }


def render(saved: dict[str, Any]) -> str:
    alone = {k: Measured(**v) for k, v in saved["alone"].items()}
    runs = [Measured(**v) for v in saved["runs"]]
    slowest_kind = max(alone, key=lambda k: alone[k].wall)
    reference = alone[slowest_kind].wall
    fd_before, fd_after = saved["fd"]

    def row(m: Measured) -> str:
        cells = [
            f"{m.sites:,}",
            str(m.processes),
            f"{m.wall:.0f} s",
            f"{m.wall / reference:.1f}",
            f"{m.last_start:.0f} s",
            f"{m.site_median:.0f} / {m.site_max:.0f} s",
            f"{m.pages:,}",
            f"{m.pages / m.wall:.1f}",
            f"{m.crawler_cpu:.0f} s ({m.crawler_cpu / m.wall:.2f})",
            f"{m.crawler_cpu / max(m.pages, 1) * 1000:.0f} ms",
            f"{m.runq_wait:.0f} s (load {m.load:.1f})" if m.load else "not measured",
            f"{m.sim_cpu:.0f} s",
            f"{m.peak_rss:.0f} MiB",
            str(m.peak_sockets),
            f"{m.db_growth:.1f} MiB",
            f"{m.unfinished} / {m.errors}",
        ]
        return "| " + " | ".join(cells) + " |"

    # The cost per page is one process's: from the runs in one process when there are any.
    single = [m for m in runs if m.processes == 1] or runs
    big, small = max(single, key=lambda m: m.sites), min(single, key=lambda m: m.sites)
    spread = [m for m in runs if m.processes > 1]
    per_site_pages = statistics.mean(m.pages for m in alone.values())
    polite_rate = statistics.mean(m.pages / m.wall for m in alone.values())  # one site's demand, pages/s
    delivered = max(m.pages / m.wall for m in runs)
    cpu_page = big.crawler_cpu / max(big.pages, 1)  # seconds of CPU per page at the largest size
    cpu_page_small = small.crawler_cpu / max(small.pages, 1)
    core_rate = 1 / cpu_page  # pages/s one core could deliver at that cost
    # Not run: the CPU its pages need at the largest run's cost per page, and start-up linear through that run.
    project_pages = PROJECT * per_site_pages
    project_cpu = project_pages * cpu_page
    project_startup = big.first_start + (big.last_start - big.first_start) * PROJECT / big.sites
    spread_text = ""
    if spread:
        m = max(spread, key=lambda m: (m.sites, m.processes))
        same = [o for o in single if o.sites == m.sites]
        versus = f" against {same[-1].wall:.0f} s in one" if same else ""
        spread_text = (
            f" Spread over {m.processes} processes (one `fazhi crawl`, each site in one of them), {m.sites} sites "
            f"took {m.wall:.0f} s{versus}, at {m.crawler_cpu / max(m.pages, 1) * 1000:.0f} ms of CPU per page; "
            "each process adds its start-up and a resident size of its own, and on SQLite they take turns to write."
        )
    alone_cells = ", ".join(f"{k} {m.wall:.0f} s ({m.pages} pages)" for k, m in alone.items())
    note = f" {saved['note']}" if saved.get("note") else ""
    if any(m.sites == PROJECT for m in runs):
        projection = ""  # the table has them
    else:
        projection = (
            f"{PROJECT:,} sites were not run here. At {cpu_page * 1000:.0f} ms a page their ~{project_pages:,.0f} "
            f"pages need about {project_cpu / 60:.0f} min of CPU, so at least that long on one core, and start-up "
            f"(linear through the {big.sites}-site run) about {project_startup:.0f} s before the last site starts."
        )
    lines = [
        HEADING,
        "",
        f"Run {saved['when']}, Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
        f"{os.cpu_count()} cores.{note} "
        f"`python bench/thousand.py --sizes {' '.join(map(str, saved['sizes']))} --cap {saved['cap']:g} "
        f"--scale {saved['scale']}"
        + (f" --processes {' '.join(map(str, saved['processes']))}" if "processes" in saved else "")
        + "`.",
        "",
        "The crawl is `archive.runner.crawl.crawl` (what `fazhi crawl` runs): one `crawler.run` process with one "
        "Scrapy "
        "crawler per site (or the sites spread over several such processes: the processes column, "
        "FAZHI_CRAWL_PROCESSES), into a fresh SQLite archive. Politeness is the project's own, unchanged "
        "(`crawler/settings.py`): registry `delay: 1` (DOWNLOAD_DELAY 1 s, randomized 0.5-1.5 s), AutoThrottle on "
        "(start 1 s, target concurrency 1), at most 2 requests at a time per host, 8 per site's crawler. The sites "
        f"are copies of the simulator's four (yuhang, dinghai, putuo, shangcheng; scale {saved['scale']}) under "
        "distinct ids, each a simulator site state with the simulator's request handler on its own 127.0.0.1 "
        "port, served from a separate process whose one thread waits on all listening sockets (a thread per "
        f"connection). Each site's crawl is capped at {saved['cap']:g} s (FAZHI_CRAWL_TIMEOUT); a site still running "
        f"then is stopped and counted unfinished. Open-file limit: soft {fd_before}, raised to {fd_after} if "
        "needed.",
        "",
        f"Reference, each kind crawled alone (one site, same settings): {alone_cells}; the slowest, "
        f"{slowest_kind}, {reference:.0f} s.",
        "",
        "| sites | processes | wall | × slowest alone | last site started | one site's crawl, median / max | pages "
        "| pages/s | crawl CPU (per wall s) | CPU per page | waited for a CPU | simulator CPU | peak RSS "
        "| peak sockets | DB growth | unfinished / with errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[row(m) for m in runs],
        "",
        "Wall is from the call to its return (process start, every site, the search index merge). CPU is user + "
        "sys of the crawl processes (getrusage of the waited child and its waited workers), and per page fetched; "
        '"waited for a CPU" is the time their main threads (the reactors) were runnable but not running '
        "(/proc/PID/schedstat), with the 1-minute load average at the end: on a shared machine the wall time says "
        "as much about the other work as about the crawl, the CPU per page less so. Peak RSS is the crawl "
        "process's VmHWM (several processes: their resident sizes summed) and peak sockets their socket "
        "descriptors, both sampled every 0.5 s from /proc (connections are short: the simulator closes each one).",
        "",
        f"**Where one machine stops keeping up.** A site crawled politely asks for about {polite_rate:.1f} pages/s "
        f"({per_site_pages:.0f} pages in {statistics.mean(m.wall for m in alone.values()):.0f} s alone). The crawl "
        f"process spent {cpu_page * 1000:.0f} ms of CPU per page at {big.sites} sites ({cpu_page_small * 1000:.0f} ms "
        f"at {small.sites}; Scrapy's reactor, extraction and the SQLite writes share one thread), so one core "
        f"delivers at most about {core_rate:.0f} pages/s: from about {core_rate / polite_rate:.0f} sites at once the "
        "machine, not politeness, sets the pace, and the wall time grows with the number of sites instead of "
        f"staying near the slowest site's. That is with a whole core; the most delivered here was "
        f"{delivered:.1f} pages/s, the crawl getting {big.crawler_cpu / big.wall:.2f} CPU seconds per wall second "
        f"at {big.sites} sites (the rest is waiting: for a CPU, see above, or for the sites). Start-up (the call to "
        f"the last site's start) was {big.last_start:.0f} s at {big.sites} sites: one process start, then a crawler "
        f"per site (the registry is read once per process, {saved['parse']:.2f} s for a {PROJECT:,}-site registry "
        f"here).{spread_text}{' ' + projection if projection else ''} Memory and sockets are not the limit "
        "(a site holds at most two connections; the resident size grows by about "
        f"{(big.peak_rss - small.peak_rss) / max(big.sites - small.sites, 1) * 1024:.0f} KiB a site).",
        "",
        "**What a second machine would need.** Sites split by id (a hash of the id, or the registry in shards), each "
        "site on exactly one machine, so per-host politeness stays what one crawler enforces; `fazhi crawl SITE_ID "
        "...` already crawls a subset. Shared: the archive, which must then be PostgreSQL (SQLite is one file with "
        "one writer; concurrent crawls into one PostgreSQL archive are already supported: the advisory lock when "
        "the schema is made, per-site crawl-run rows); the alert outbox, which already tolerates several senders "
        "(a channel is claimed with a conditional UPDATE / SKIP LOCKED before sending, so no event goes twice); "
        "the search index segments (merged after each crawl, `optimize`). Not shareable as it is: the scheduler, "
        "which holds one lease per archive, so only one machine may run `fazhi schedule`; a second one needs "
        "either that scheduler to hand crawls to workers on other machines (a queue, the distributed engine's job) "
        "or one lease per shard. Cheaper first: more of this machine's cores, several crawl processes each with "
        "its share of the sites (FAZHI_CRAWL_PROCESSES; the crawl is single-threaded).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
