"""National coverage benchmark: `fazhi coverage --region 广东省`, `--by province` and the national page on an archive
of every government of the bundled national registry (3,203 sites) with six years of annual reports.

The archive is made directly (the registry's sites, then report rows: 80 % of sites × years have a report, published
between February and June of the next year), not by crawling: what is measured is the queries and the pages. Each
figure is the best of `--rounds` runs; `fazhi reports --limit 20 --json` on the same archive, run in turn with them,
is the peer that says what a command's start-up alone costs here.
`python bench/national.py [--rounds 5]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import insert

from archive.bundled import REGISTRIES
from archive.config import Config
from archive.registry.sites import load_registry
from archive.store import ingest as store
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import upgrade
from archive.store.tables import report

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## National coverage"
YEARS = range(2019, 2025)


def build_archive(tmp: Path) -> tuple[Config, int]:
    config = Config(home=tmp, db_url=f"sqlite:///{tmp / 'national.db'}", sites_path=REGISTRIES["china"])
    engine = make_engine(config.db_url)
    upgrade(engine)
    sites = load_registry(config.sites_path)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        for site in sites:
            store.sync_site(s, site)
    rng = random.Random(2024)
    rows = []
    for site in sites:
        for year in YEARS:
            if rng.random() < 0.8:
                published = dt.date(year + 1, 2, 1) + dt.timedelta(days=rng.randint(0, 150))
                at = dt.datetime.combine(published, dt.time(9), dt.UTC)
                rows.append(
                    {
                        "site_id": site.id,
                        "url": f"https://{site.allowed_domains[0]}/art/{year}/{site.id}.html",
                        "title": f"{site.name}{year}年法治政府建设年度报告",
                        "kind": "annual_report",
                        "year": year,
                        "publisher": site.name,
                        "published_date": published,
                        "status": "active",
                        "first_seen_at": at,
                        "last_changed_at": at,
                        "last_checked_at": at,
                    }
                )
    with engine.begin() as conn:
        conn.execute(insert(report), rows)
    engine.dispose()
    return config, len(sites)


def fazhi(config: Config, *args: str) -> float:
    """Wall time of one `fazhi` command, start-up included."""
    env = {**os.environ, **config.as_env()}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archive", *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def page(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
        assert answer.status == 200
    return time.perf_counter() - started


def serve(config: Config, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = 18791
    env = {**os.environ, **config.as_env()}
    cmd = [sys.executable, "-m", "archive", "serve", "--port", str(port), "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "serve.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            page(base + "/openapi.json")
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"fazhi serve did not start: {(tmp / 'serve.log').read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        config, n_sites = build_archive(tmp)
        built = time.perf_counter() - started
        commands = {
            "peer: fazhi reports --limit 20 --json": ("reports", "--limit", "20", "--json"),
            "fazhi coverage --region 广东省": ("coverage", "--region", "广东省"),
            "fazhi coverage --region 广东省 --json": ("coverage", "--region", "广东省", "--json"),
            "fazhi coverage --by province --json": ("coverage", "--by", "province", "--json"),
        }
        best = {name: min(fazhi(config, *cmd) for _ in range(args.rounds)) for name, cmd in commands.items()}
        proc, base = serve(config, tmp)
        try:
            pages = {
                "GET /coverage/areas (the country, map and table)": "/coverage/areas",
                "GET /coverage/areas?region=广东省 (its cities)": "/coverage/areas?region=" + quote("广东省"),
                "GET /coverage?region=广东省广州市 (a city's county matrix)": "/coverage?region="
                + quote("广东省广州市"),
            }
            for name, path in pages.items():
                page(base + path)  # the first answer warms the process (its imports, the map's outlines)
                best[name] = min(page(base + path) for _ in range(args.rounds))
        finally:
            proc.terminate()
            proc.wait(10)
    peer = best["peer: fazhi reports --limit 20 --json"]
    lines = [
        HEADING,
        "",
        f"`python bench/national.py` ({dt.date.today()}, {platform.python_version()}, {os.cpu_count()} cores): "
        f"an SQLite archive of the national registry's {n_sites:,} sites and {len(YEARS)} years of annual reports "
        f"(made directly in {built:.1f} s). Best of {args.rounds} runs each; a command's time includes its "
        "start-up, which the peer (a cheap listing on the same archive) shows alone.",
        "",
        "| what | best (s) | / peer |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds:.3f} | {seconds / peer:.2f} |" for name, seconds in best.items()),
        "",
    ]
    print("\n".join(lines))
    text = RESULTS.read_text(encoding="utf-8")
    if HEADING in text:
        head, _, rest = text.partition(HEADING)
        tail = rest.split("\n## ", 1)
        text = head + "\n".join(lines) + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
