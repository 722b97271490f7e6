"""Web benchmark: `fazhi serve` under concurrent load on its list, search and report pages (requests/s, p50, p95).

Crawls the portal simulator with every report copied `--scale` times (no politeness delays: the target is
loopback) into an SQLite archive, starts `fazhi serve` (one process, access log off) and keeps `--concurrency`
persistent connections busy on each kind of page for `--seconds`, one kind after the other. The stylesheet, a
static file served by the same process, is the ceiling the pages are read against.
`python bench/web.py [--scale 40] [--concurrency 8] [--seconds 10]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extraction import replace_section

from archive.config import Config
from archive.store.db import make_engine
from archive.store.migrate import upgrade
from portalsim import PortalSim

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## Web"
TERMS = ["法治", "行政复议", "依法行政", "行政执法", "合法性审查", "法治政府 建设", "数字化", "营商环境"]


def build_archive(tmp: Path, scale: int) -> Config:
    """The simulator crawled once into a fresh archive (the project's crawler, benchmark settings)."""
    with PortalSim(scale=scale) as sim:
        registry = tmp / "sites.yaml"
        registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        config = Config(home=tmp, db_url=f"sqlite:///{tmp / 'web.db'}", sites_path=registry)
        engine = make_engine(config.db_url)
        upgrade(engine)
        engine.dispose()
        env = {
            **os.environ,
            **config.as_env(),
            "SCRAPY_SETTINGS_MODULE": "bench_settings",
            "BENCH_RECORD": str(tmp / "requests.json"),
            "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent), os.environ.get("PYTHONPATH", "")]),
        }
        subprocess.run([sys.executable, "-m", "crawler.run"], env=env, check=True, stdout=subprocess.DEVNULL)
    return config


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(config: Config, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "archive", "serve", "--port", str(port), "--no-access-log"]
    cmd += ["--db", config.db_url, "--sites", str(config.sites_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("fazhi serve did not start")


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(port: int, paths: Callable[[random.Random], str], concurrency: int, seconds: float) -> tuple[Load, float]:
    """`concurrency` keep-alive clients requesting `paths(rng)` until `seconds` have passed."""
    load = Load()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors = size = 0
        while time.monotonic() < stop:
            path = paths(rng)
            began = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - began)
            size += len(body)
            errors += resp.status != 200
        conn.close()
        with load.lock:
            load.latencies.extend(mine)
            load.errors += errors
            load.bytes += size

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return load, time.monotonic() - began


def report_ids(port: int) -> list[int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids: list[int] = []
    offset = 0
    while True:
        conn.request("GET", f"/api/reports?limit=200&offset={offset}")
        page = json.loads(conn.getresponse().read())
        ids += [r["id"] for r in page["items"]]
        offset += 200
        if offset >= page["total"]:
            return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=40, help="copies of each simulated report")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per kind of page")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_dir:
        began = time.monotonic()
        config = build_archive(Path(tmp_dir), args.scale)
        built = time.monotonic() - began
        port = free_port()
        server = start_server(config, port)
        try:
            ids = report_ids(port)
            sites = sorted({s for s in ("yuhang", "dinghai", "putuo", "shangcheng")})
            kinds: dict[str, Callable[[random.Random], str]] = {
                "stylesheet (static file: the ceiling)": lambda rng: "/static/style.css",
                "reports list (50 rows)": lambda rng: f"/?offset={rng.randrange(0, max(1, len(ids) - 50))}",
                "reports list, filtered and sorted": lambda rng: f"/?site={rng.choice(sites)}&sort=-published",
                "search (20 results, highlighted)": lambda rng: "/search?q=" + urllib.parse.quote(rng.choice(TERMS)),
                "report page (text, versions, attachments)": lambda rng: f"/reports/{rng.choice(ids)}",
                "API: /api/reports (50 rows)": lambda rng: f"/api/reports?offset={rng.randrange(0, len(ids))}",
            }
            hammer(port, kinds["reports list (50 rows)"], args.concurrency, 2.0)  # warm up
            rows = []
            for label, paths in kinds.items():
                load, elapsed = hammer(port, paths, args.concurrency, args.seconds)
                lat = sorted(load.latencies)
                p95 = lat[max(0, int(len(lat) * 0.95) - 1)] * 1000 if lat else float("nan")
                rows.append(
                    (
                        label,
                        len(lat) / elapsed,
                        statistics.median(lat) * 1000 if lat else float("nan"),
                        p95,
                        load.errors,
                        load.bytes / max(1, len(lat)) / 1024,
                    )
                )
                print(f"{label}: {rows[-1][1]:.0f} req/s, p50 {rows[-1][2]:.1f} ms, p95 {rows[-1][3]:.1f} ms")
        finally:
            server.terminate()
            server.wait(10)

    ceiling = rows[0][1]
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"2 cores shared with other work. `python bench/web.py --scale {args.scale} --concurrency {args.concurrency} "
        f"--seconds {args.seconds:g}`.",
        "",
        f"The portal simulator with every report copied {args.scale} times, crawled into an SQLite archive of "
        f"{len(ids)} reports ({built:.0f} s to build). One `fazhi serve` process (uvicorn, access log off) on "
        f"127.0.0.1; {args.concurrency} keep-alive clients in threads of one process on the same machine, "
        f"{args.seconds:g} s per kind of page, random pages, offsets, reports and search terms. Latency is the whole "
        "request as the client saw it. The stylesheet, served by the same process without touching the archive, is "
        "the ceiling: the last column is each page's rate against it.",
        "",
        "| page | requests/s | p50 ms | p95 ms | errors | KiB/response | of ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rate, p50, p95, errors, kib in rows:
        lines.append(f"| {label} | {rate:.0f} | {p50:.1f} | {p95:.1f} | {errors} | {kib:.1f} | {rate / ceiling:.2f} |")
    lines.append("")
    out = "\n".join(lines)
    print(out)
    if not args.no_write:
        existing = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
        RESULTS.write_text(replace_section(existing, out, HEADING), "utf-8")


if __name__ == "__main__":
    main()
