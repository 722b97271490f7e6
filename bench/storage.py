"""Version text storage: bytes per version with texts packed (archive.store.packedtext) against plain text at equal
content, beside the search index's own size; migration 0009's speed; show, diff and search on both.
`python bench/storage.py [--versions N] [--chars N]`.

The archive is filled as bench/search.py fills it (fixture report paragraphs, numbers changed), at the current
schema; migration 0009 is then undone (texts plain, as every archive before it held them) and measured, and done
again (the path an existing archive takes) and measured. The same code reads both: the models read a plain text
column as it is. Sizes are the tables' pages after VACUUM (SQLite: dbstat; PostgreSQL: pg_total_relation_size).

Each state's bytes are also broken down (the text as stored, the table, PostgreSQL's TOAST table and its index,
the table's indexes), and on PostgreSQL the packed archive is then changed step by step in ways the schema could
take (texts kept in the row; a redundant index dropped; the content hash as 32 bytes), each step measured, to
show what stands between the packed figure and half the plain one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from extraction import RESULTS, write_section
from search import PG_URL, fill, paragraphs, queries
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from archive.diff import diff_texts
from archive.query import reports as query
from archive.search.find import search
from archive.store.db import make_engine, make_sessionmaker
from archive.store.migrate import alembic_config, upgrade
from archive.store.models import Version
from archive.store.postings import build_index

HERE = Path(__file__).resolve().parent
HEADING = "## Version text storage"
INDEX = ["search_doc", "search_posting", "search_segment"]


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{Path(d) / 'storage.db'}"
        return
    name = f"fazhi_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def table_bytes(engine: Engine, tables: list[str]) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
            names = ",".join(f"'{t}'" for t in tables)
            # A table's own pages and those of its indexes (dbstat names an index by itself).
            idx = conn.execute(
                text(f"SELECT name FROM sqlite_master WHERE type='index' AND tbl_name IN ({names})")
            ).scalars()
            every = ",".join(f"'{n}'" for n in [*tables, *idx])
            return int(conn.execute(text(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({every})")).scalar() or 0)
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        for t in tables:
            auto.execute(text(f"VACUUM FULL {t}"))
        return sum(int(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar() or 0) for t in tables)


def breakdown(engine: Engine) -> dict[str, int]:
    """The parts of `report_version`'s bytes (after table_bytes has vacuumed it): the text column's values as
    stored (PostgreSQL: after its own compression), the table's pages, TOAST's pages and index, the indexes."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            idx = list(
                conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='report_version'")
                ).scalars()
            )
            names = ",".join(f"'{n}'" for n in idx)

            def scalar(sql: str) -> int:
                return int(conn.execute(text(sql)).scalar() or 0)

            def pages(where: str) -> int:
                return scalar(f"SELECT sum(pgsize) FROM dbstat WHERE {where}")

            return {
                "text": scalar("SELECT sum(length(CAST(text AS BLOB))) FROM report_version"),
                "table": pages("name = 'report_version'"),
                "toast": 0,
                "toast_index": 0,
                "indexes": pages(f"name IN ({names})") if idx else 0,
            }
        toast = conn.execute(
            text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'report_version'")
        ).scalar()
        one = {
            "text": "SELECT sum(pg_column_size(text)) FROM report_version",
            "table": "SELECT pg_relation_size('report_version')",
            "toast": f"SELECT pg_relation_size('{toast}')",
            "toast_index": f"SELECT pg_indexes_size('{toast}')",
            "indexes": "SELECT pg_indexes_size('report_version')",
        }
        return {k: int(conn.execute(text(q)).scalar() or 0) for k, q in one.items()}


def what_if(engine: Engine) -> list[tuple[str, int]]:
    """PostgreSQL only, on the packed archive: its bytes after each of a series of changes, cumulative but for
    the first (undone after its measurement). They alter the throwaway database only, not the project's
    schema. VACUUM FULL (in table_bytes) rewrites the table, and with it applies a changed TOAST setting."""
    steps: list[tuple[str, list[str], list[str]]] = [
        (
            "texts kept in the row, not in TOAST (text STORAGE MAIN, toast_tuple_target 8160)",
            ["ALTER TABLE report_version ALTER COLUMN text SET STORAGE MAIN",
             "ALTER TABLE report_version SET (toast_tuple_target = 8160)"],
            ["ALTER TABLE report_version ALTER COLUMN text SET STORAGE EXTENDED",
             "ALTER TABLE report_version RESET (toast_tuple_target)"],
        ),
        (
            "ix_report_version_report_id dropped (the unique (report_id, version) index starts with report_id)",
            ["DROP INDEX ix_report_version_report_id"],
            [],
        ),
        (
            "and content_sha256 as 32 bytes (bytea), not 64 hex characters",
            ["ALTER TABLE report_version ALTER COLUMN content_sha256 TYPE bytea USING decode(content_sha256, 'hex')"],
            [],
        ),
    ]  # fmt: skip
    out = []
    for label, do, undo in steps:
        with engine.begin() as conn:
            for stmt in do:
                conn.execute(text(stmt))
        out.append((label, table_bytes(engine, ["report_version"])))
        with engine.begin() as conn:
            for stmt in undo:
                conn.execute(text(stmt))
    return out


def timings(engine: Engine, ids: list[int], qs: list[str]) -> dict[str, float]:
    """Median milliseconds of show (the latest version of a report), diff (its two versions) and search."""
    sessions = make_sessionmaker(engine)
    out: dict[str, list[float]] = {"show": [], "diff": [], "search": []}
    with sessions() as s:
        for report_id in ids:
            t0 = time.perf_counter()
            query.show_report(s, report_id, None).to_json()
            t1 = time.perf_counter()
            old, new = query.get_version(s, report_id, 1), query.get_version(s, report_id, 2)
            diff_texts(old.text, new.text, "1", "2")
            t2 = time.perf_counter()
            out["show"].append(t1 - t0)
            out["diff"].append(t2 - t1)
            s.expunge_all()
        for q in qs:
            t0 = time.perf_counter()
            search(s, q)
            out["search"].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1000 for k, v in out.items()}


def run_one(backend: str, versions: int, chars: int) -> dict[str, Any]:
    with database(backend) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            fill(engine, versions, chars)
            with engine.begin() as conn:
                build_index(conn)
            with engine.connect() as conn:
                n = int(conn.execute(select(func.count()).select_from(Version)).scalar() or 0)
                twice = conn.execute(select(Version.report_id).where(Version.version == 2)).scalars().all()
            rng = random.Random(3)
            ids = rng.sample(list(twice), min(40, len(twice)))
            qs = queries(rng, paragraphs(), 4, 10)
            cfg = alembic_config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0008")
            plain = table_bytes(engine, ["report_version"])
            plain_parts = breakdown(engine)
            index = table_bytes(engine, INDEX)
            timings(engine, ids[:5], qs[:2])  # warm up
            plain_t = timings(engine, ids, qs)
            t0 = time.perf_counter()
            upgrade(engine)
            migrate_s = time.perf_counter() - t0
            packed = table_bytes(engine, ["report_version"])
            packed_parts = breakdown(engine)
            timings(engine, ids[:5], qs[:2])
            packed_t = timings(engine, ids, qs)
            # Alternate once more so that a change in load between the two states shows as a spread.
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "0008")
            plain_t2 = timings(engine, ids, qs)
            upgrade(engine)
            packed_t2 = timings(engine, ids, qs)
            steps = what_if(engine) if backend == "postgresql" else []
        finally:
            engine.dispose()
    best = {k: (min(plain_t[k], plain_t2[k]), min(packed_t[k], packed_t2[k])) for k in plain_t}
    return {"backend": backend, "versions": n, "plain": plain, "packed": packed, "index": index,
            "migrate_s": migrate_s, "times": best, "parts": {"plain": plain_parts, "packed": packed_parts},
            "what_if": steps}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=3000)
    parser.add_argument("--chars", type=int, default=4000)
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()
    runs = [run_one(b, args.versions, args.chars) for b in ("sqlite", "postgresql")]
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}, SQLite and PostgreSQL as for "
        f"Search. `python bench/storage.py --versions {args.versions} --chars {args.chars}`.",
        "",
        f"{args.versions} versions of about {args.chars} characters (bench/search.py's corpus, a fifth of the "
        "reports with a second, freshly drawn version). Bytes are the `report_version` table with its indexes, "
        "plain text (schema 0008) against "
        "packed (0009, after the migration), at equal content; the search index (`search_doc`, `search_posting`, "
        "`search_segment`) beside it. Times are medians over 40 reports and 10 queries, each the better of two "
        "alternations of the two states, same code. The machine's two cores are shared with other work: times move "
        "from run to run by more than most gaps between the two states here, while the bytes (a seeded corpus) come "
        "out the same each run.",
        "",
        "| database | bytes/version plain | bytes/version packed | packed/plain | search index bytes/version | "
        "migration 0009 versions/s | show ms plain / packed | diff ms plain / packed | search ms plain / packed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        n = r["versions"]
        t = r["times"]
        lines.append(
            f"| {r['backend']} | {r['plain'] / n:,.0f} | {r['packed'] / n:,.0f} | {r['packed'] / r['plain']:.2f} | "
            f"{r['index'] / n:,.0f} | {n / r['migrate_s']:,.0f} | {t['show'][0]:.2f} / {t['show'][1]:.2f} | "
            f"{t['diff'][0]:.2f} / {t['diff'][1]:.2f} | {t['search'][0]:.1f} / {t['search'][1]:.1f} |"
        )
    lines += [
        "",
        "Where the bytes are, per version: the text column's values as stored (PostgreSQL: after its own pglz "
        "compression, which the plain text gets and the packed bytes do not), the table's own pages, TOAST's pages and "
        "its index (PostgreSQL moves a value out of the row above about 2 KB, in chunks of 1,996 bytes, four to a "
        "page), and the table's indexes.",
        "",
        "| database | state | text as stored | table | TOAST | TOAST index | indexes | total |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        n = r["versions"]
        for state in ("plain", "packed"):
            p = r["parts"][state]
            lines.append(
                f"| {r['backend']} | {state} | {p['text'] / n:,.0f} | {p['table'] / n:,.0f} | {p['toast'] / n:,.0f} | "
                f"{p['toast_index'] / n:,.0f} | {p['indexes'] / n:,.0f} | {r[state] / n:,.0f} |"
            )
    for r in runs:
        if not r["what_if"]:
            continue
        n = r["versions"]
        half = r["plain"] / 2 / n
        p = r["parts"]["packed"]
        per = p["toast"] / p["text"]
        need = (r["plain"] / 2 - p["table"] - p["indexes"] - p["toast_index"]) / per
        lines += [
            "",
            f"PostgreSQL, what half would take: half the plain figure is {half:,.0f} bytes a version; the packed "
            f"texts alone are {p['text'] / n:,.0f}, and TOAST stores them in {p['toast'] / n:,.0f} bytes of pages "
            f"plus {p['toast_index'] / n:,.0f} of index. With the table, its indexes and TOAST's index as they are "
            f"and TOAST's pages at their measured {per:.3f} bytes per byte of text, half would need the texts stored "
            f"in {need / n:,.0f} bytes a version, {need / p['text']:.2f} of today's packing (bench/codecs.py, "
            '"Version text codecs", has what each codec gives). Changes the schema could take, measured on the '
            "packed archive (cumulative but for the first, undone after its measurement):",
            "",
            "| change | bytes/version | against plain |",
            "|---|---:|---:|",
            f"| none (packed, as above) | {r['packed'] / n:,.0f} | {r['packed'] / r['plain']:.2f} |",
        ]
        lines += [f"| {label} | {b / n:,.0f} | {b / r['plain']:.2f} |" for label, b in r["what_if"]]
    lines.append("")
    text_out = "\n".join(lines)
    print(text_out)
    if not args.no_write:
        write_section(text_out, HEADING)


if __name__ == "__main__":
    main()
