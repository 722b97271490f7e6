"""Every HTTP exchange a crawl makes is recorded (checked against the simulator's own request log), versions and
attachments point at theirs, and the exports read back: JSON Lines, CSV for Excel and WARC with warcio.
Real crawls of the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from crawlkit import Archive, make_archive
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from archive.cli.main import cli
from archive.store.ingest import read_capture
from archive.store.models import Attachment, Capture, Exchange, Report, Version
from portalsim import PortalSim

pytestmark = pytest.mark.slow

SITES = ["putuo", "yuhang"]


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(SITES) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path, db_url: str) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim, db_url=db_url)
    sim.reset()


def _two_crawls(sim: PortalSim, archive: Archive) -> None:
    """A first crawl, then one that meets 304s, a moved page (a 301 hop) and a removed one (404)."""
    outcome = archive.crawl(*SITES)
    assert outcome.returncode == 0, outcome.sites
    sim.move_article("yuhang", "report-2023", "/art/2024/3/14/art_1229174959_59099999.html")
    sim.remove_article("yuhang", "bureau-2021")
    archive.crawl(*SITES)


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_request_the_sites_saw_has_its_exchange(sim: PortalSim, archive: Archive) -> None:
    _two_crawls(sim, archive)
    with archive.session() as s:
        rows = list(s.scalars(select(Exchange)))
    for site in SITES:
        seen = Counter((r.method, r.path, r.status) for r in sim.requests(site))
        kept = Counter((e.method, _target(e.url), e.status) for e in rows if e.site_id == site)
        assert seen == kept, f"{site}: only the site saw {seen - kept}; only the archive has {kept - seen}"
    statuses = {e.status for e in rows}
    assert {200, 301, 304, 404} <= statuses
    purposes = Counter(e.purpose for e in rows)
    assert {"robots", "list", "report", "attachment", "recheck"} <= set(purposes), purposes
    assert all(e.purpose == "robots" for e in rows if e.url.endswith("/robots.txt"))
    assert {e.purpose for e in rows if e.status == 404} == {"report"}
    hop = next(e for e in rows if e.status == 301)
    assert hop.purpose == "report" and hop.report_id is not None
    assert any(k.lower() == "location" for k, _ in hop.response_headers)
    assert all(e.crawl_run_id is not None for e in rows)
    assert all(any(k.lower() == "user-agent" for k, _ in e.request_headers) for e in rows)


def test_versions_and_attachments_point_at_their_exchange(sim: PortalSim, archive: Archive) -> None:
    _two_crawls(sim, archive)
    with archive.session() as s:
        versions = list(s.scalars(select(Version)))
        assert versions
        for v in versions:
            ex = s.get(Exchange, v.exchange_id) if v.exchange_id else None
            assert ex is not None and ex.status == 200 and ex.report_id == v.report_id, v.id
            assert ex.content_encoding is not None or ex.capture_sha256 == v.capture_sha256
        files = list(s.scalars(select(Attachment).where(Attachment.sha256.is_not(None))))
        assert files
        for a in files:
            ex = s.get(Exchange, a.exchange_id) if a.exchange_id else None
            assert ex is not None and ex.purpose in ("attachment", "recheck"), a.url
            assert ex.content_encoding is not None or ex.capture_sha256 == a.sha256


def test_exports_read_back(sim: PortalSim, archive: Archive, tmp_path: Path) -> None:
    _two_crawls(sim, archive)
    db = ["--db", archive.config.db_url]
    runner = CliRunner()
    with archive.session() as s:
        reports = {r.id: r for r in s.scalars(select(Report))}

    result = runner.invoke(cli, ["export", "--format", "jsonl", *db, "-"])
    assert result.exit_code == 0, result.output
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert {d["id"] for d in docs} == set(reports)
    shown = runner.invoke(cli, ["show", str(docs[0]["id"]), "--json", *db])
    assert json.loads(shown.stdout) == docs[0]

    out = tmp_path / "reports.csv"
    assert runner.invoke(cli, ["export", "--format", "csv", "--site", "putuo", *db, str(out)]).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    putuo = {i for i, r in reports.items() if r.site_id == "putuo"}
    assert {int(r["id"]) for r in rows} == putuo
    by_id = {d["id"]: d for d in docs}
    for r in rows:
        assert r["text"] == by_id[int(r["id"])]["text"] and "法治" in r["title"] + r["text"]
        assert int(r["attachment_count"]) == len(by_id[int(r["id"])]["attachments"])

    warc = tmp_path / "reports.warc.gz"
    assert runner.invoke(cli, ["export", "--format", "warc", *db, str(warc)]).exit_code == 0
    assert warc.read_bytes()[:2] == b"\x1f\x8b"
    responses: dict[str, list[tuple[str, bytes]]] = {}
    requests: dict[str, str] = {}
    concurrent: dict[str, str] = {}
    types = Counter()
    with warc.open("rb") as f:
        for rec in ArchiveIterator(f, check_digests="raise"):  # a digest that does not match raises
            types[rec.rec_type] += 1
            if rec.rec_type == "response":
                rid = rec.rec_headers.get_header("WARC-Record-ID")
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                responses.setdefault(uri, []).append((rid, rec.content_stream().read()))
                assert rec.rec_headers.get_header("WARC-Payload-Digest")
            elif rec.rec_type == "request":
                concurrent[rec.rec_headers.get_header("WARC-Concurrent-To")] = rec.http_headers.protocol
                requests[rec.rec_headers.get_header("WARC-Record-ID")] = rec.rec_headers.get_header("WARC-Target-URI")
    assert types["warcinfo"] == 1 and types["request"] == types["response"] > 0

    def has(url: str, body: bytes) -> None:
        matches = [rid for rid, got in responses.get(url, []) if got == body]
        assert matches, f"no response record of {url} with the archived bytes"
        assert any(rid in concurrent for rid in matches), f"no request record for {url}"

    with archive.session() as s:
        for v in s.scalars(select(Version)):
            ex = s.get(Exchange, v.exchange_id)
            assert ex is not None
            has(ex.url, read_capture(s, v.capture_sha256))
        for a in s.scalars(select(Attachment).where(Attachment.sha256.is_not(None))):
            ex = s.get(Exchange, a.exchange_id)
            assert ex is not None and a.sha256 is not None
            has(ex.url, read_capture(s, a.sha256))
        statuses = {e.status for e in s.scalars(select(Exchange).where(Exchange.report_id.is_not(None)))}
    assert {200, 301, 304, 404} <= statuses  # every exchange of the reports is in the WARC, not only the 200s
    assert types["response"] == sum(1 for _ in _report_exchanges(archive)), (
        "the WARC holds one response per exchange of the reports"
    )


def _report_exchanges(archive: Archive) -> list[int]:
    with archive.session() as s:
        linked = set(s.scalars(select(Version.exchange_id))) | set(s.scalars(select(Attachment.exchange_id)))
        return [e.id for e in s.scalars(select(Exchange)) if e.report_id is not None or e.id in linked]


def test_the_migration_carries_fetch_rows_over(db_url: str) -> None:
    """An archive from before exchange records: each fetch becomes an exchange, versions point at theirs."""
    from sqlalchemy import text

    from archive.store.db import make_engine
    from archive.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine, "0004")
    body = "<html>法治政府建设年度报告</html>".encode()
    sha = hashlib.sha256(body).hexdigest()
    at = "2025-03-01 08:00:00+00:00"
    with engine.begin() as c:
        c.execute(
            text("INSERT INTO site (id, name, region, platform, created_at) VALUES ('s', 'n', 'r', 'static', :t)"),
            {"t": at},
        )
        c.execute(
            text("INSERT INTO capture (sha256, size, compression, body, created_at) VALUES (:h, :n, 'zlib', :b, :t)"),
            {"h": sha, "n": len(body), "b": zlib.compress(body), "t": at},
        )
        c.execute(
            text(
                "INSERT INTO report (id, site_id, url, title, kind, status, first_seen_at, last_changed_at, "
                "last_checked_at, missing_count) VALUES (1, 's', 'http://x/a.html', 't', 'annual_report', 'active', "
                ":t, :t, :t, 0)"
            ),
            {"t": at},
        )
        c.execute(
            text(
                "INSERT INTO report_version (id, report_id, version, fetched_at, capture_sha256, content_sha256, "
                "title, text, chars, change, extractor_version, replacement_chars) VALUES "
                "(1, 1, 1, :t, :h, 'c', 't', 'x', 1, 'new', '1', 0)"
            ),
            {"t": at, "h": sha},
        )
        for status, capture in ((200, sha), (304, None), (404, None)):
            c.execute(
                text(
                    'INSERT INTO "fetch" (site_id, url, status, fetched_at, content_type, capture_sha256) '
                    "VALUES ('s', 'http://x/a.html', :s, :t, 'text/html', :h)"
                ),
                {"s": status, "t": at, "h": capture},
            )
    upgrade(engine)
    from archive.store.db import make_sessionmaker

    with make_sessionmaker(engine)() as s:
        rows = list(s.scalars(select(Exchange).order_by(Exchange.id)))
        assert [(e.status, e.method, e.purpose, e.report_id, e.url) for e in rows] == [
            (200, "GET", "report", 1, "http://x/a.html"),
            (304, "GET", "report", 1, "http://x/a.html"),
            (404, "GET", "report", 1, "http://x/a.html"),
        ]
        assert rows[0].response_headers == [["Content-Type", "text/html"]]
        assert rows[0].capture_sha256 == sha and s.get(Capture, sha) is not None
        version = s.get(Version, 1)
        assert version is not None and version.exchange_id == rows[0].id
    engine.dispose()
