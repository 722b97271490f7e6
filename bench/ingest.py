"""Ingest throughput: new report pages stored through `archive.store.ingest.ingest`, one transaction per page as the
pipeline stores them, on SQLite and PostgreSQL; this tree's code beside an older commit's, in one run.

`python bench/ingest.py [--pages K] [--old-tree PATH] [--rounds N] [--backend sqlite|postgresql]`

Each measurement runs in a subprocess with PYTHONPATH set to the tree measured (`--old-tree` is a git worktree of
the older commit, e.g. `git worktree add ../fazhi-b981d00 b981d00 --detach`), so both run this same file and
only APIs that both have: `RawPage`, `RawFile`, `derive`, `store.ingest`, `store.sync_site`, `migrate.upgrade`,
`db.make_engine`/`make_sessionmaker`. The pages are Hanweb-style report pages of 4,000-12,000 characters built
from the fixture report texts (paragraphs drawn at random, numbers changed); every fourth has a .docx
attachment. They are derived (extraction, attachment text) before the clock starts, so what is timed is the
archive's part: `store.ingest` and the commit, each page in its own transaction. Then every page is ingested
again a day later, unchanged (no new version). Statements are counted with an engine `before_cursor_execute`
listener (an executemany counts once), BEGIN and COMMIT not included. `--profile` prints a cProfile of the new
pages' ingest (SQLite) on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ROOT / "tests" / "fixtures" / "page_texts"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SITES = ["yuhang", "xihu", "anji", "chunan"]


def paragraphs() -> list[str]:
    out: list[str] = []
    for f in sorted(TEXTS.glob("*.txt")):
        out.extend(line.strip() for line in f.read_text("utf-8").splitlines() if len(line.strip()) > 10)
    return out


def make_text(rng: random.Random, paras: list[str], chars: int) -> list[str]:
    lines: list[str] = []
    size = 0
    while size < chars:
        line = re.sub(r"\d+", lambda m: str(rng.randint(1, 3000)), rng.choice(paras))
        lines.append(line)
        size += len(line)
    return lines


def make_docx(lines: list[str]) -> bytes:
    import docx  # python-docx, a dependency of both trees

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pages(count: int, seed: int = 7) -> list[Any]:
    """`count` new report pages (RawPage of the tree being measured), every fourth with a .docx attachment."""
    from archive.store.raw import RawFile, RawPage

    rng = random.Random(seed)
    paras = paragraphs()
    at = dt.datetime(2024, 3, 15, 8, 0, tzinfo=dt.UTC)
    pages = []
    for n in range(count):
        site = SITES[n % len(SITES)]
        year = 2019 + n % 5
        title = f"{site}区人民政府关于{year}年法治政府建设年度报告（第{n}号）"
        body = "".join(f'<p style="text-indent:2em">{p}</p>' for p in make_text(rng, paras, rng.randint(4000, 12000)))
        files: tuple[Any, ...] = ()
        link = ""
        if n % 4 == 0:
            url = f"https://www.{site}.gov.cn/module/download/{n}.docx"
            doc = make_docx(make_text(rng, paras, 1500))
            files = (RawFile(url=url, filename=f"附件{n}.docx", status=200, body=doc),)
            link = f'<p>附件：<a href="{url}">附件{n}.docx</a></p>'
        html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{year + 1}-03-14 10:20">
<meta name="ContentSource" content="区司法局"><title>{title}_{site}区人民政府</title></head>
<body><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<h1>{title}</h1><div class="info">发布日期：{year + 1}-03-14 来源：区司法局 浏览次数：<span>{n}</span></div>
<div id="zoom"><!--ZJEG_RSS.content.begin-->{body}{link}<!--ZJEG_RSS.content.end--></div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>
<div class="footer">主办单位：{site}区人民政府办公室 网站标识码：3301100001</div></body></html>"""
        url = f"https://www.{site}.gov.cn/art/{year + 1}/3/14/art_1229_{n}.html"
        page_at = at + dt.timedelta(seconds=n)
        pages.append(RawPage(site_id=site, url=url, status=200, body=html.encode(), fetched_at=page_at, files=files))
    return pages


class Database:
    """A fresh archive: a temporary SQLite file, or a throwaway PostgreSQL database dropped afterwards."""

    def __init__(self, backend: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.backend = backend
        self.tmp = tempfile.TemporaryDirectory()
        if backend == "sqlite":
            self.url = f"sqlite:///{Path(self.tmp.name) / 'ingest.db'}"
            return
        self.name = f"fazhi_bench_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(PG_URL).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        from sqlalchemy import text

        if self.backend == "postgresql":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()
        self.tmp.cleanup()


def worker(backend: str, count: int, profile: bool, cpu: bool = False) -> dict[str, Any]:
    """One measurement with the `archive` package on sys.path: new pages, then the same pages unchanged."""
    from dataclasses import replace

    from sqlalchemy import event

    from archive.registry.sites import Site
    from archive.store import ingest as store
    from archive.store.db import make_engine, make_sessionmaker
    from archive.store.derive import derive
    from archive.store.migrate import upgrade

    pages = make_pages(count)
    derived = [derive(p) for p in pages]
    again = [replace(p, fetched_at=p.fetched_at + dt.timedelta(days=1)) for p in pages]
    db = Database(backend)
    try:
        engine = make_engine(db.url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as s:
            for site in SITES:
                store.sync_site(s, Site(site, f"{site}区人民政府", f"浙江省{site}区", (), (), "hanweb-jpage"))
        statements = [0]

        def counted(*_args: Any) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", counted)

        # CPU time of this process (--cpu) is steadier on a shared machine; it leaves out the PostgreSQL server's.
        clock = time.process_time if cpu else time.perf_counter

        def run(batch: list[Any]) -> tuple[float, int, list[str]]:
            statements[0] = 0
            outcomes: list[str] = []
            t = clock()
            for page, d in zip(batch, derived, strict=True):
                with sessions.begin() as s:
                    outcomes.append(store.ingest(s, page, derived=d).outcome.value)
            return clock() - t, statements[0], outcomes

        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        new_s, new_stmts, new_out = run(pages)
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        same_s, same_stmts, same_out = run(again)
        engine.dispose()
    finally:
        db.drop()
    return {
        "backend": backend,
        "pages": count,
        "chars": statistics.mean(len(d.text) + sum(len(a.text or "") for a in d.attachments) for d in derived),
        "with_attachment": sum(1 for p in pages if p.files),
        "new_s": new_s,
        "new_outcomes": sorted(set(new_out)),
        "new_statements": new_stmts / count,
        "same_s": same_s,
        "same_outcomes": sorted(set(same_out)),
        "same_statements": same_stmts / count,
    }


def measure(tree: Path, backend: str, count: int, cpu: bool = False) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [
        sys.executable,
        __file__,
        "--worker",
        "--backend",
        backend,
        "--pages",
        str(count),
        *(["--cpu"] if cpu else []),
    ]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="new and old measured alternately, medians kept")
    parser.add_argument("--old-tree", type=Path, default=Path("../fazhi-b981d00"))
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="one run of this tree, cProfile on stderr")
    parser.add_argument("--cpu", action="store_true", help="time in CPU seconds of the measuring process, not wall")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    if args.worker or args.profile:
        print(json.dumps(worker(backends[0], args.pages, args.profile, args.cpu)))
        return
    trees = {"new": ROOT, "old": args.old_tree}
    rows = []
    for backend in backends:
        runs: dict[str, list[dict[str, Any]]] = {"new": [], "old": []}
        for _ in range(args.rounds):
            for label, tree in trees.items():
                runs[label].append(measure(tree, backend, args.pages, args.cpu))
        med = {
            label: {
                "new": statistics.median(r["pages"] / r["new_s"] for r in rs),
                "same": statistics.median(r["pages"] / r["same_s"] for r in rs),
                "new_statements": rs[0]["new_statements"],
                "same_statements": rs[0]["same_statements"],
                "outcomes": (rs[0]["new_outcomes"], rs[0]["same_outcomes"]),
                "chars": rs[0]["chars"],
            }
            for label, rs in runs.items()
        }
        rows.append((backend, med))
        print(f"{backend}: {json.dumps(med, ensure_ascii=False)}", file=sys.stderr)
    old = subprocess.run(
        ["git", "-C", str(args.old_tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}. "
        f"`python bench/ingest.py --pages {args.pages} --rounds {args.rounds}{' --cpu' if args.cpu else ''}`; "
        f"old = {old}; "
        f"mean characters of text per version {rows[0][1]['new']['chars']:.0f}."
    )
    print()
    print(
        "| database | code | new pages (versions/s) | statements per new page | unchanged pages/s | "
        "statements per unchanged page |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for backend, med in rows:
        for label in ("new", "old"):
            m = med[label]
            print(
                f"| {backend} | {label} | {m['new']:.0f} | {m['new_statements']:.1f} | {m['same']:.0f} | "
                f"{m['same_statements']:.1f} |"
            )
        ratio_new = med["new"]["new"] / med["old"]["new"]
        ratio_same = med["new"]["same"] / med["old"]["same"]
        print(f"| {backend} | new/old | **{ratio_new:.2f}x** | | {ratio_same:.2f}x | |")


if __name__ == "__main__":
    main()
