"""National simulation: as many simulated governments as the national registry has (3,203), in its platform mix,
crawled once by `fazhi crawl`'s own path with the real politeness settings; how many of the reports placed does
discovery find, per platform family, and what does the first crawl of all of them cost on one machine.

Each simulated government is a copy of the simulator's site of its family (`archive/registry/china.yaml`'s
`family`: hanweb → 余杭 or 普陀 (Hanweb classic and JPaaS), trs → 定海, gkmlpt → 天河, ucap → 道里, anhui-public →
庐阳, the rest → 上城's plain lists), served from one child process (as bench/thousand.py serves its sites). Its
registry entry names the report column and asks discovery (`discover: [tree, search]`). Where the reports are:
- in the column (most),
- moved: the column is gone (404) and the reports are filed in the 政府信息公开 tree's report column,
- search only: no list shows them, the site search finds them,
- behind a challenge: every page answers 412 with a JavaScript challenge (fazhi does not run scripts).
Reach is the share of the reports placed that the archive holds after the crawl; every one missed is named with
its site's scenario and the crawl's message for it.
`python bench/national_sim.py [--sites 3203] [--cap 900]`
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from extraction import write_section
from sqlalchemy import select
from thousand import Sampler, db_bytes, raise_fd_limit

from archive.bundled import REGISTRIES
from archive.config import Config
from archive.registry.sites import load_registry
from archive.runner.crawl import crawl
from archive.store.db import make_engine, make_sessionmaker
from archive.store.ingest import canonical_url
from archive.store.migrate import prepare_for_crawl
from archive.store.models import CrawlRun, Report
from portalsim import disclosure
from portalsim.server import _handler_for
from portalsim.state import SiteState

HEADING = "## National simulation"
KINDS = {
    "hanweb": ("yuhang", "putuo"),
    "trs": ("dinghai",),
    "gkmlpt": ("tianhe",),
    "ucap": ("daoli",),
    "anhui-public": ("luyang",),
    None: ("shangcheng",),
}
# How the reports of a site are placed, and how often (the rest are in the column).
SCENARIOS = (("moved", 0.06), ("search only", 0.06), ("challenge", 0.03))


def national_mix(n_sites: int) -> list[tuple[str | None, str]]:
    """(family, simulated site kind) for `n_sites` governments in the national registry's proportions."""
    # Zhejiang's entries name no family; its portals are Hanweb's (99 of 101, registry-sources/README.md).
    families = [
        "hanweb" if (s.division_code or "").startswith("33") else s.family if s.family in KINDS else None
        for s in load_registry(REGISTRIES["china"])
    ]
    chosen = families if n_sites >= len(families) else random.Random(7).sample(families, n_sites)
    out = []
    for n, family in enumerate(chosen):
        kinds = KINDS[family]
        out.append((family, kinds[n % len(kinds)]))
    return out


def scenario(rng: random.Random) -> str:
    roll = rng.random()
    for name, share in SCENARIOS:
        if roll < share:
            return name
        roll -= share
    return "column"


def serve(n_sites: int, registry: Path, placed: Path) -> None:
    """Serve the simulated governments, write their registry and the reports placed, say "ready", serve until
    stdin closes."""
    rng = random.Random(2026)
    selector = selectors.DefaultSelector()
    entries, truth = [], []
    for n, (family, kind) in enumerate(national_mix(n_sites)):
        state = SiteState(kind)
        where = scenario(rng)
        reports = [a for a in state.articles() if a.kind is not None and not a.private]
        # The tree and the search answer where the reports went there; elsewhere they answer 404 (a warning the
        # crawl gives and goes on): 3,200 trees walked at once swamp one simulator process, not the crawl.
        if where in ("moved", "search only"):
            state.disclosure_open = True
        if where == "moved":
            state.column_moved = True
        elif where == "search only":
            for a in reports:
                state.unlist(a.key)
        elif where == "challenge":
            state.blocked = True
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
        httpd.daemon_threads = True
        httpd.request_queue_size = 16
        selector.register(httpd.socket, selectors.EVENT_READ, httpd)
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        site_id = f"{kind}-{n:04d}"
        entries.append(
            {
                "id": site_id,
                "name": state.spec.name,
                "region": state.spec.region,
                "platform": "auto",
                "start_urls": [base + state.spec.start_path],
                "discover": ["tree", "search"],
                "tree_urls": [base + disclosure.TREE_ROOT],
                "search_url": f"{base}{disclosure.SEARCH}?texttype=0&fbtime=-1&vc_title={{query}}&currpage=1",
                "delay": 1,
            }
        )
        truth.append(
            {
                "id": site_id,
                "family": family or "other",
                "scenario": where,
                "reports": [canonical_url(base + a.path) for a in reports],
            }
        )
    registry.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    placed.write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        for key, _ in selector.select():
            key.data._handle_request_noblock()


def measure(n_sites: int, cap: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fazhi-national-") as d:
        tmp = Path(d)
        registry, placed = tmp / "sites.yaml", tmp / "placed.json"
        cmd = [sys.executable, __file__, "serve", "--sites", str(n_sites), "--registry", str(registry)]
        cmd += ["--placed", str(placed)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the simulated sites did not start")
        truth = json.loads(placed.read_text(encoding="utf-8"))
        db = tmp / "archive.db"
        config = Config(home=tmp / "home", db_url=f"sqlite:///{db}", sites_path=registry, crawl_timeout=cap)
        engine = make_engine(config.db_url)
        prepare_for_crawl(engine)
        before = db_bytes(db)
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        with Sampler() as sampler:
            report = crawl(config, [])
        wall = time.monotonic() - t0
        usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc.stdin.close()
        proc.wait(timeout=60)
        with make_sessionmaker(engine)() as session:
            archived = {(site, url) for site, url in session.execute(select(Report.site_id, Report.url))}
            messages = {r.site_id: list(r.messages or ()) for r in session.scalars(select(CrawlRun))}
        engine.dispose()
        placed_by: Counter[str] = Counter()
        found_by: Counter[str] = Counter()
        missed: dict[str, list[str]] = defaultdict(list)
        for site in truth:
            for url in site["reports"]:
                placed_by[site["family"]] += 1
                if (site["id"], url) in archived:
                    found_by[site["family"]] += 1
                else:
                    missed[site["scenario"]].append(f"{site['id']} {url}: {_why(url, messages.get(site['id']))}")
        by_scenario = Counter(s["scenario"] for s in truth)
        return {
            "sites": n_sites,
            "wall": wall,
            "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
            "peak_rss": sampler.peak_rss,
            "db_growth": (db_bytes(db) - before) / 2**20,
            "pages": sum(int(s.get("pages_fetched", 0)) for s in report.sites),
            "placed": dict(placed_by),
            "found": dict(found_by),
            "scenarios": dict(by_scenario),
            "missed": dict(missed),
        }


def _why(url: str, messages: list[str] | None) -> str:
    """The crawl's message that best explains a report it missed: one about that page, else a failure of the
    site's lists or pages, else the first; "no message" when the crawl said nothing."""
    said = messages or []
    about = [m for m in said if url in m or url.rsplit("/", 1)[-1] in m]
    failures = [m for m in said if not m.startswith(("warning", "note"))]
    return ((about or failures or said or ["no message"])[0])[:200]


def render(m: dict[str, Any]) -> str:
    placed, found = m["placed"], m["found"]
    challenged = len(m["missed"].get("challenge", []))
    total_placed, total_found = sum(placed.values()), sum(found.values())
    rows = [
        f"| {family} | {placed[family]} | {found.get(family, 0)} | {found.get(family, 0) / placed[family]:.1%} |"
        for family in sorted(placed, key=lambda f: -placed[f])
    ]
    missed_lines = []
    for where, items in sorted(m["missed"].items()):
        if where == "challenge":  # one reason for all of them: named by site
            sites = sorted({item.split(" ", 1)[0] for item in items})
            missed_lines.append(
                f"- behind a 412 challenge: {len(items)} reports of {len(sites)} sites, each site's crawl failed "
                f"saying so (`{items[0].split(': ', 1)[1]}`): {', '.join(sites)}"
            )
        else:
            missed_lines += [f"- {where}: `{item}`" for item in items]
    return "\n".join(
        [
            HEADING,
            "",
            f"`python bench/national_sim.py --sites {m['sites']}` ({dt.date.today()}, {platform.python_version()}, "
            f"{os.cpu_count()} cores): {m['sites']:,} simulated governments in the national registry's platform mix, "
            f"registry delay 1 s per host, one crawl process, into SQLite. Where the reports were put: "
            + ", ".join(f"{k} {v}" for k, v in sorted(m["scenarios"].items()))
            + " sites.",
            "",
            "| family | reports placed | found | reach |",
            "|---|---:|---:|---:|",
            *rows,
            f"| **all** | {total_placed} | {total_found} | **{total_found / total_placed:.1%}** |",
            "",
            f"Of the {total_placed - challenged:,} reports not behind a challenge, {total_found:,} were found "
            f"({total_found / max(1, total_placed - challenged):.1%}): in their column, in the 政府信息公开 tree where "
            "the column had moved, or by the site search where no list showed them.",
            "",
            "Every report missed, by where it was put, with the crawl's message that explains it:",
            *missed_lines,
            "",
            f"The first crawl of all of them: {m['wall']:.0f} s wall, {m['cpu']:.0f} s CPU, {m['pages']:,} pages, "
            f"peak resident memory {m['peak_rss']:.0f} MiB, the archive grew by {m['db_growth']:.0f} MiB. One crawl "
            "process holds a Scrapy crawler per site, so its memory grows with the sites crawled at once; "
            "FAZHI_CRAWL_PROCESSES spreads them (bench/thousand.py measures that).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument("--sites", type=int, default=3203)
    parser.add_argument("--cap", type=float, default=900.0, help="one site's wall-clock limit (s)")
    parser.add_argument("--registry", type=Path)
    parser.add_argument("--placed", type=Path)
    parser.add_argument("--no-write", action="store_true", help="print the results without writing RESULTS.md")
    args = parser.parse_args()
    raise_fd_limit(4 * args.sites + 256)
    if args.mode == "serve":
        serve(args.sites, args.registry, args.placed)
        return
    measured = measure(args.sites, args.cap)
    text = render(measured)
    print(text)
    (Path(tempfile.gettempdir()) / "national_sim.json").write_text(json.dumps(measured, ensure_ascii=False))
    if not args.no_write:
        write_section(text, HEADING)


if __name__ == "__main__":
    main()
