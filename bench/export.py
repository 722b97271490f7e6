"""Export throughput and peak memory: `fazhi export` in each format over a synthetic archive of 20,000 versions
(10,000 reports with two versions each, one attachment per version, every page and file with its exchange).
`python bench/export.py [--versions N] [--db URL] [--no-write]`.

The archive is built by inserting rows directly (a crawl would take hours); texts are of realistic length
(about 5,000 characters of Chinese per page, 3,000 per attachment). Each export runs in a child process, so its
peak resident memory is its own (VmHWM); it is measured over the whole archive and over a tenth of it: an export
that streams has about the same peak for both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from extraction import replace_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from archive.store.db import make_engine  # noqa: E402
from archive.store.migrate import upgrade  # noqa: E402
from archive.store.models import Attachment, Capture, Exchange, Report, Site, Version  # noqa: E402

RESULTS = HERE / "RESULTS.md"
HEADING = "## Export"
SITES = 10
_WORDS = [
    "法治政府建设",
    "依法行政",
    "行政执法",
    "规范性文件",
    "合法性审查",
    "行政复议",
    "行政诉讼",
    "重大行政决策",
    "政务公开",
    "法律顾问",
    "公平竞争审查",
    "营商环境",
    "执法监督",
    "法治宣传",
    "普法",
    "基层治理",
    "矛盾纠纷",
    "调解",
    "公共法律服务",
    "权力清单",
    "责任清单",
    "双随机一公开",
    "综合执法",
    "数字化改革",
    "年度报告",
    "主要负责人",
    "第一责任人",
    "述法",
    "考核",
    "督察",
    "整改",
    "落实",
]
_AT = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)


def _text(rng: random.Random, chars: int) -> str:
    paragraphs, size = [], 0
    while size < chars:
        line = "，".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20))) + "。"
        paragraphs.append(line)
        size += len(line)
    return "\n".join(paragraphs)


def _capture(body: bytes) -> dict[str, Any]:
    return {
        "sha256": hashlib.sha256(body).hexdigest(),
        "size": len(body),
        "compression": "zlib",
        "body": zlib.compress(body, 6),
        "created_at": _AT,
    }


def build(db_url: str, versions: int) -> None:
    """A synthetic archive of `versions` versions (two per report) in an empty database."""
    engine = make_engine(db_url)
    upgrade(engine)
    rng = random.Random(8)
    reports = versions // 2
    with engine.begin() as conn:
        conn.execute(
            insert(Site),
            [
                {"id": f"s{i}", "name": f"站点{i}", "region": f"浙江省某市{i}区", "platform": "static"}
                | {"created_at": _AT}
                for i in range(SITES)
            ],
        )
        exchange_id = version_id = 0
        for start in range(0, reports, 500):
            caps: dict[str, dict[str, Any]] = {}
            rep_rows, ex_rows, ver_rows, att_rows = [], [], [], []
            for rid in range(start + 1, min(reports, start + 500) + 1):
                site = f"s{rid % SITES}"
                url = f"http://www.s{rid % SITES}.gov.cn/art/{rid}.html"
                rep_rows.append(
                    {
                        "id": rid,
                        "site_id": site,
                        "url": url,
                        "title": f"{2020 + rid % 5}年度法治政府建设情况报告",
                        "kind": "annual_report",
                        "year": 2020 + rid % 5,
                        "status": "active",
                        "first_seen_at": _AT,
                        "last_changed_at": _AT,
                        "last_checked_at": _AT,
                        "missing_count": 0,
                    }
                )
                for number in (1, 2):
                    text = _text(rng, 5000)
                    page = f"<html><body><h1>报告</h1><p>{text.replace(chr(10), '</p><p>')}</p></body></html>".encode()
                    file_text = _text(rng, 3000)
                    file_body = file_text.encode()
                    for body in (page, file_body):
                        cap = _capture(body)
                        caps[cap["sha256"]] = cap
                    exchange_id += 2
                    version_id += 1
                    page_sha, file_sha = hashlib.sha256(page).hexdigest(), hashlib.sha256(file_body).hexdigest()
                    for eid, purpose, u, sha, ctype in (
                        (exchange_id - 1, "report", url, page_sha, "text/html; charset=utf-8"),
                        (exchange_id, "attachment", url + ".txt", file_sha, "text/plain; charset=utf-8"),
                    ):
                        ex_rows.append(
                            {
                                "id": eid,
                                "site_id": site,
                                "report_id": rid,
                                "purpose": purpose,
                                "method": "GET",
                                "url": u,
                                "request_headers": [["User-Agent", "FazhiArchive"], ["Accept", "*/*"]],
                                "status": 200,
                                "response_headers": [["Content-Type", ctype]],
                                "capture_sha256": sha,
                                "fetched_at": _AT + dt.timedelta(days=number),
                            }
                        )
                    ver_rows.append(
                        {
                            "id": version_id,
                            "report_id": rid,
                            "version": number,
                            "fetched_at": _AT + dt.timedelta(days=number),
                            "capture_sha256": page_sha,
                            "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
                            "title": "法治政府建设情况报告",
                            "text": text,
                            "chars": len(text),
                            "change": "new" if number == 1 else "changed",
                            "extractor_version": "1",
                            "replacement_chars": 0,
                            "exchange_id": exchange_id - 1,
                        }
                    )
                    att_rows.append(
                        {
                            "version_id": version_id,
                            "position": 0,
                            "url": url + ".txt",
                            "filename": "附件.txt",
                            "media_type": "text/plain",
                            "sha256": file_sha,
                            "text": file_text,
                            "exchange_id": exchange_id,
                        }
                    )
            conn.execute(insert(Capture), list(caps.values()))
            conn.execute(insert(Report), rep_rows)
            conn.execute(insert(Exchange), ex_rows)
            conn.execute(insert(Version), ver_rows)
            conn.execute(insert(Attachment), att_rows)
    engine.dispose()


def run_export(db_url: str, fmt: str, out: Path, site: str | None) -> tuple[float, float, int]:
    """One `fazhi export` in a child process: seconds, its peak resident memory (MiB) and the file's size."""
    args = [sys.executable, "-m", "archive", "export", "--format", fmt, "--db", db_url, str(out)]
    if site:
        args[6:6] = ["--site", site]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # The child's own high-water mark (VmHWM), read until it exits: getrusage's ru_maxrss would carry this
    # process's size over to the child across fork and exec.
    peak_kib = 0
    while proc.poll() is None:
        peak_kib = max(peak_kib, _hwm(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"export {fmt} failed: {proc.stderr.read().decode() if proc.stderr else proc.returncode}")
    return seconds, peak_kib / 1024, out.stat().st_size


def _hwm(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=20_000)
    parser.add_argument("--db", help="an empty database to build the archive in (default: a temporary SQLite file)")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        build(db_url, args.versions)
        built = time.perf_counter() - started
        reports = args.versions // 2
        # Start-up (interpreter, imports, opening the archive): an export that selects nothing.
        startup, _, _ = run_export(db_url, "jsonl", Path(tmp) / "empty.jsonl", "no-such-site")
        rows = []
        for fmt in ("jsonl", "csv", "warc"):
            out = Path(tmp) / f"out.{fmt}"
            seconds, peak, size = run_export(db_url, fmt, out, None)
            _, small_peak, _ = run_export(db_url, fmt, out, "s0")
            unit = reports if fmt != "warc" else args.versions * 2
            what = "reports" if fmt != "warc" else "exchanges"
            rows.append(
                f"| {fmt} | {unit:,} {what} | {seconds:.1f} | {unit / seconds:,.0f} | {size / 2**20:,.0f} "
                f"| {peak:.0f} | {small_peak:.0f} |"
            )
            print(rows[-1], flush=True)
    backend = "PostgreSQL" if db_url.startswith("postgresql") else "SQLite"
    section = "\n".join(
        [
            HEADING,
            "",
            f"`python bench/export.py` ({platform.python_version()}, {backend}, {os.cpu_count()} cores shared with "
            f"other work): `fazhi export` over a synthetic archive of {args.versions:,} versions ({reports:,} reports "
            f"× 2 versions, one attachment each; built by inserting rows in {built:.0f} s). Seconds are wall time of "
            f"the whole command, start-up included ({startup:.1f} s for an export that selects nothing); per second "
            "is rows or exchanges over those seconds. JSONL and CSV write each "
            "report's latest version (the `show` shape, sections included); WARC writes a request and a response "
            "record for every exchange of the reports (pages and attachments of both versions). Peak memory is the "
            "export process's resident set (Python, SQLAlchemy and the archive's imports included), over the whole "
            "archive and over one site (a tenth): about equal, so memory stays flat as the archive grows.",
            "",
            "| format | written | seconds | per second | output MiB | peak MiB (all) | peak MiB (a tenth) |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    print(section)
    if not args.no_write:
        existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        RESULTS.write_text(replace_section(existing, section, HEADING), encoding="utf-8")


if __name__ == "__main__":
    main()
