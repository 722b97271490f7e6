"""Search benchmark: the bigram index against the substring scan it replaced, on SQLite and PostgreSQL.

Builds an archive of `--versions` report versions of realistic length from the fixture report texts (paragraphs
shuffled, digits and punctuation widths varied, a fifth of the reports with a second version drawn afresh rather
than corrected), indexes it with the code the migration uses, then times queries of 2, 4 and 8 characters and
phrases (through `archive.search.find.search`, 20 results, snippets included) beside the scan `fazhi search` did before
(LIKE over every latest text).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from extraction import replace_section
from sqlalchemy import Engine, create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from archive.extract.normalize import text_sha256
from archive.search.find import search
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import upgrade
from archive.store.models import Capture, Report, SearchDoc, Site, Version
from archive.store.postings import build_index

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Search"
SOURCES = [ROOT / "tests" / "fixtures" / "page_texts"]
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_FULL = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x30, 0x3A)})


def paragraphs() -> list[str]:
    out: list[str] = []
    for folder in SOURCES:
        for f in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            out.extend(line for line in f.read_text("utf-8").splitlines() if len(line.strip()) > 10)
    return out


def make_text(rng: random.Random, paras: list[str], chars: int) -> str:
    lines: list[str] = []
    size = 0
    while size < chars:
        line = rng.choice(paras)
        line = re.sub(r"\d+", lambda m: str(rng.randint(1, 3000)), line)
        if rng.random() < 0.2:
            line = line.replace("，", ",")
        if rng.random() < 0.1:
            line = line.translate(_FULL)
        lines.append(line)
        size += len(line)
    return "\n".join(lines)


def fill(engine: Engine, versions: int, chars: int, seed: int = 20) -> int:
    """Sites, reports and versions written directly (no index yet); the total characters of text."""
    rng = random.Random(seed)
    paras = paragraphs()
    sites = [f"site{i:02d}" for i in range(40)]
    total = 0
    with engine.begin() as conn:
        conn.execute(
            insert(Site),
            [{"id": s, "name": f"{s}人民政府", "region": f"浙江省{s}", "platform": "static"} for s in sites],
        )
        conn.execute(insert(Capture), [{"sha256": "0" * 64, "size": 0, "compression": "none", "body": b""}])
    reports = int(versions / 1.2)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    batch_r: list[dict[str, Any]] = []
    batch_v: list[dict[str, Any]] = []
    made = 0
    for n in range(reports):
        count = 2 if n < versions - reports else 1
        year = 2019 + n % 6
        title = f"某地{year}年法治政府建设年度报告（{n}）"
        batch_r.append(
            {
                "id": n + 1,
                "site_id": sites[n % len(sites)],
                "url": f"https://x/{n}",
                "title": title,
                "kind": "annual_report",
                "year": year,
                "first_seen_at": now,
                "last_changed_at": now,
                "last_checked_at": now,
            }
        )
        for number in range(1, count + 1):
            body = make_text(rng, paras, rng.randint(chars // 2, chars * 3 // 2))
            total += len(body.encode("utf-8"))
            made += 1
            batch_v.append(
                {
                    "id": made,
                    "report_id": n + 1,
                    "version": number,
                    "fetched_at": now + dt.timedelta(minutes=made),
                    "capture_sha256": "0" * 64,
                    "content_sha256": text_sha256(body),
                    "title": title,
                    "text": body,
                    "chars": len(body),
                    "change": "new" if number == 1 else "changed",
                    "extractor_version": "b",
                }
            )
        if len(batch_v) >= 500 or n == reports - 1:
            with engine.begin() as conn:
                conn.execute(insert(Report), batch_r)
                conn.execute(insert(Version), batch_v)
            batch_r, batch_v = [], []
    with engine.begin() as conn:  # as ingest keeps it: each report names its newest version
        newest = select(func.max(Version.id)).where(Version.report_id == Report.id).scalar_subquery()
        conn.execute(update(Report).values(current_version_id=newest))
    return total


def old_scan(session: Session, query: str) -> list[Any]:
    """The substring scan `fazhi search` did before the index: LIKE over each report's latest text. Version texts
    are stored packed now, so it scans the same texts folded (search_doc), which is what LIKE could still read."""
    stmt = (
        select(Report, Site, SearchDoc.version_id)
        .join(Site, Site.id == Report.site_id)
        .join(SearchDoc, SearchDoc.version_id == Report.current_version_id)
    )
    for term in query.split():
        stmt = stmt.where(SearchDoc.body.contains(term, autoescape=True))
    return list(session.execute(stmt.order_by(Report.year.desc(), Report.id)).all())


def queries(rng: random.Random, paras: list[str], length: int, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        line = rng.choice(paras)
        if len(line) < length + 2:
            continue
        start = rng.randrange(len(line) - length)
        q = line[start : start + length]
        if not re.search(r"\s|\d", q):
            out.append(q)
    return out


def timed(fn: Any, qs: list[str]) -> tuple[float, float, float]:
    times: list[float] = []
    hits = 0
    for q in qs:
        t = time.perf_counter()
        hits += len(fn(q))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, hits / len(qs)


def size_mb(engine: Engine, path: Path | None, tables: list[str]) -> float:
    if path is not None:
        with engine.connect() as conn:
            try:
                rows = conn.execute(
                    text(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({','.join(repr(t) for t in tables)})")
                ).scalar()
                if rows is not None:
                    return rows / 1e6
            except Exception:  # dbstat is not compiled into every SQLite
                pass
        return float("nan")
    with engine.connect() as conn:
        # A table's total size includes its indexes and TOAST.
        names = [t for t in tables if not t.startswith(("ix_", "sqlite_"))]
        return sum(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar() or 0 for t in names) / 1e6


def run_one(backend: str, versions: int, chars: int, n_queries: int, n_scan: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp())
    name = f"fazhi_bench_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        path: Path | None = tmp / "bench.db"
        url = f"sqlite:///{path}"
    else:
        path = None
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        t = time.perf_counter()
        total = fill(engine, versions, chars)
        fill_s = time.perf_counter() - t
        t = time.perf_counter()
        with engine.begin() as conn:
            build_index(conn)
        build_s = time.perf_counter() - t
        if backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
        result: dict[str, Any] = {
            "backend": backend,
            "versions": versions,
            "text_mb": total / 1e6,
            "fill_s": fill_s,
            "build_s": build_s,
            "text_size": size_mb(engine, path, ["report_version", "sqlite_autoindex_report_version_1"]),
            "docs_size": size_mb(
                engine,
                path,
                [
                    "search_doc",
                    "ix_search_doc_report_id",
                    "ix_search_doc_segment_id",
                    "ix_search_doc_version_id",
                    "sqlite_autoindex_search_doc_1",
                ],
            ),
            "postings_size": size_mb(
                engine, path, ["search_posting", "search_segment", "sqlite_autoindex_search_posting_1"]
            ),
            "rows": {},
        }
        rng = random.Random(7)
        paras = paragraphs()
        sets = {
            "2 characters": queries(rng, paras, 2, n_queries),
            "4 characters": queries(rng, paras, 4, n_queries),
            "8 characters": queries(rng, paras, 8, n_queries),
            "phrase (12-16 characters)": [
                q for q in (queries(rng, paras, rng.randint(12, 16), 1)[0] for _ in range(n_queries))
            ],
            "two terms (2 + 4)": [
                f"{a} {b}"
                for a, b in zip(queries(rng, paras, 2, n_queries), queries(rng, paras, 4, n_queries), strict=True)
            ],
        }
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            for label, qs in sets.items():
                s.expunge_all()
                idx = timed(lambda q: search(s, q, limit=20), qs)
                scan = timed(lambda q: old_scan(s, q), qs[:n_scan])
                result["rows"][label] = (idx, scan)
        return result
    finally:
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        if backend == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=20000)
    parser.add_argument("--chars", type=int, default=4000, help="mean characters of page text per version")
    parser.add_argument("--queries", type=int, default=40, help="timed index queries per kind")
    parser.add_argument("--scan-queries", type=int, default=8, help="timed substring scans per kind (slow)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = [
        run_one(b, args.versions, args.chars, args.queries, args.scan_queries)
        for b in args.backend or ["sqlite", "postgresql"]
    ]
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL 15. `python bench/search.py --versions {args.versions} "
        f"--chars {args.chars} --queries {args.queries} --scan-queries {args.scan_queries}`.",
        "",
        f"{args.versions} versions "
        f"(a fifth of the reports with a second, freshly drawn version) of about {args.chars} characters of page text "
        "each, built from the fixture report texts (paragraphs drawn at random, numbers changed, some punctuation "
        "half-width and digits full-width). Queries are random substrings of those texts, so most of them are "
        "common (法治, 行政执法). Index: `archive.search.find.search`, latest versions, 20 results with snippets; "
        "scan: "
        f"the LIKE query `fazhi search` ran before (all matches, no snippets), {args.scan_queries} queries per kind.",
        "",
        "| database | query | index p50 ms | index p95 ms | scan p50 ms | scan p95 ms | mean hits (index, max 20) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for label, (idx, scan) in r["rows"].items():
            figures = f"{idx[0]:.1f} | {idx[1]:.1f} | {scan[0]:.0f} | {scan[1]:.0f} | {idx[2]:.1f}"
            lines.append(f"| {r['backend']} | {label} | {figures} |")
    lines += [
        "",
        "| database | versions | text (UTF-8) MB | table of versions MB | folded docs MB | posting lists MB "
        "| index build s | versions/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['versions']} | {r['text_mb']:.0f} | {r['text_size']:.0f} | {r['docs_size']:.0f} | "
            f"{r['postings_size']:.0f} | "
            f"{r['build_s']:.0f} | {r['versions'] / r['build_s']:.0f} |"
        )
    lines.append("")
    out = "\n".join(lines)
    print(out)
    if not args.no_write:
        existing = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
        RESULTS.write_text(replace_section(existing, out, HEADING), "utf-8")


if __name__ == "__main__":
    sys.exit(main())
