"""Command start-up: `fazhi reports`, `show` and `diff` on a small archive, against a bare `python -c pass` and
against importing SQLAlchemy alone (which every archive command needs). `python bench/startup.py [--runs N]
[--before PATH] [--pg URL]`: with --before, the same commands of another checkout (e.g. the main branch) are measured
in the same rounds, for a before/after in one run; with --pg, also on a PostgreSQL archive made in that (empty)
database.

Each figure is the best of N runs, the runs of all commands interleaved, so load from other processes moves every
figure alike; only the ratios are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from extraction import RESULTS, write_section

HERE = Path(__file__).resolve().parent
HEADING = "## Command start-up"
LIBRARIES = "import sqlalchemy, click, rich.console, rich.table"
URL = "http://www.yuhang.gov.cn/art/2024/3/14/art_1.html"


def _page(text: str) -> bytes:
    return (
        '<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="余杭区2023年法治政府建设年度报告">'
        '<meta name="PubDate" content="2024-03-14 10:20"></head><body><h1>余杭区2023年法治政府建设年度报告</h1>'
        f'<div id="zoom"><p>{text}</p><p>二、存在的不足。</p></div></body></html>'
    ).encode()


def small_archive(path: Path) -> str:
    return small_archive_at(f"sqlite:///{path}")


def small_archive_at(url: str) -> str:
    """A report in two versions, ingested directly; by this release's code, or (--make-archive, run with an earlier
    checkout on the path) by that one's, whose modules had other names."""
    try:
        from archive.registry.sites import Site
        from archive.store import ingest as store
        from archive.store.db import make_engine, make_sessionmaker
        from archive.store.migrate import upgrade
        from archive.store.raw import RawPage

        entry = Site("yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", (), (), "hanweb-jpage", "330110")

        def sync(session: Any) -> None:
            store.sync_site(session, entry)

    except ImportError:  # an earlier release, measured beside this one
        from archive.db import make_engine, make_sessionmaker  # type: ignore[import-not-found, no-redef]
        from archive.migrate import upgrade  # type: ignore[import-not-found, no-redef]
        from archive.raw import RawPage  # type: ignore[import-not-found, no-redef]

        from archive import store  # type: ignore[attr-defined, no-redef]

        def sync(session: Any) -> None:
            store.sync_site(session, "yuhang", "杭州市余杭区人民政府", "浙江省杭州市余杭区", "hanweb-jpage", "330110")

    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        sync(s)
    t0 = dt.datetime(2024, 3, 14, tzinfo=dt.UTC)
    for i, text in enumerate(["一、主要举措。全面推进依法行政。", "一、主要举措。全面推进依法行政，深化改革。"]):
        with sessions.begin() as s:
            store.ingest(s, RawPage("yuhang", URL, 200, _page(text), t0 + dt.timedelta(days=i)))
    engine.dispose()
    return url


def _time(argv: list[str], pythonpath: str) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `argv`."""
    env = {**os.environ, "PYTHONPATH": pythonpath}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Run in the checkout too: `python -m` puts the working directory ahead of PYTHONPATH on sys.path.
    subprocess.run(argv, env=env, cwd=pythonpath, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", type=Path, help="another checkout whose commands to measure alongside")
    parser.add_argument("--pg", metavar="URL", help="an empty PostgreSQL database to measure the commands on too")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    parser.add_argument("--make-archive", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_archive:  # run with the other checkout's code, for an archive at its schema
        small_archive(args.make_archive)
        return
    here = str(HERE.parent)
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        db = small_archive(Path(d) / "archive.store.db")
        old_db = Path(d) / "before.db"
        if args.before:
            env = {**os.environ, "PYTHONPATH": str(args.before)}
            subprocess.run([py, __file__, "--make-archive", str(old_db)], env=env, check=True)
        pg = small_archive_at(args.pg) if args.pg else None
        commands = [["reports"], ["show", "1"], ["diff", "1"], ["reports", "--json"], ["show", "1", "--json"]]
        cases: dict[str, tuple[list[str], str]] = {
            "python -c pass": ([py, "-c", "pass"], here),
            'python -c "import sqlalchemy"': ([py, "-c", "import sqlalchemy"], here),
            'python -c "import sqlalchemy.orm"': ([py, "-c", "import sqlalchemy.orm"], here),
            # What a command prints with and parses its arguments with, on top of SQLAlchemy: the floor of a
            # command that prints a table, before any code of its own runs.
            f'python -c "{LIBRARIES}"': ([py, "-c", LIBRARIES], here),
        }
        for argv in commands:
            cases[f"fazhi {' '.join(argv)}"] = ([py, "-m", "archive", *argv, "--db", db], here)
            if args.before:
                old_argv = [py, "-m", "archive", *argv, "--db", f"sqlite:///{old_db}"]
                cases[f"fazhi {' '.join(argv)} (before)"] = (old_argv, str(args.before))
            if pg:
                cases[f"fazhi {' '.join(argv)} (PostgreSQL)"] = ([py, "-m", "archive", *argv, "--db", pg], here)
        best = dict.fromkeys(cases, float("inf"))
        best_cpu = dict.fromkeys(cases, float("inf"))
        for _ in range(args.runs):
            for name, (argv, path) in cases.items():
                wall, cpu = _time(argv, path)
                best[name], best_cpu[name] = min(best[name], wall), min(best_cpu[name], cpu)
    bare, core = best["python -c pass"], best['python -c "import sqlalchemy"']
    bare_cpu, core_cpu = best_cpu["python -c pass"], best_cpu['python -c "import sqlalchemy"']
    rows = [
        f"| `{name}` | {best_cpu[name] / bare_cpu:.1f}x | {best_cpu[name] / core_cpu:.2f} | {t / bare:.1f}x | "
        f"{t / core:.2f} |"
        for name, t in best.items()
    ]
    on_pg = (
        " Rows marked (PostgreSQL) run on the same archive in PostgreSQL (the server's own work is in their wall "
        "time, not their CPU time)."
        if args.pg
        else ""
    )
    before = f" Rows marked (before) run the checkout at `{args.before}` in the same rounds." if args.before else ""
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, {platform.machine()}. "
        f"`python bench/startup.py --runs {args.runs}{' --pg URL' if args.pg else ''}`.",
        "",
        "CPU time (user + system) and wall time of each command on a small SQLite archive (one report, two versions), "
        f"from process start to exit, best of {args.runs} runs, runs interleaved.{before}{on_pg} CPU time is the "
        "steadier figure on a loaded machine: wall time also counts the wait for a CPU.",
        "",
        "| command | CPU vs `python -c pass` | CPU vs `import sqlalchemy` | wall vs `python -c pass` | "
        "wall vs `import sqlalchemy` |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text, HEADING)


if __name__ == "__main__":
    main()
