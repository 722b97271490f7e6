"""The WARC export replays in pywb: a real crawl of the simulator, `fazhi export --format warc`, a pywb
collection made of it by `wb-manager`, and pywb's own server answering each archived report page and
attachment at `/coll/<timestamp>id_/<url>` with the bytes the archive holds. On SQLite and PostgreSQL.

pywb pins old releases of libraries the project shares with Scrapy (Werkzeug, pyOpenSSL, redis) and brings
brotlipy, whose `brotli` module shadows the one Scrapy decodes with; so it lives in a virtualenv of its own
(FAZHI_TEST_PYWB, default ~/.cache/fazhi-test/pywb), which the test makes with pip the first time. Only if that
install fails (no package index reachable) is the test skipped, saying why.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import unavailable
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.cli.main import cli
from archive.store.ingest import read_capture
from archive.store.models import Attachment, Exchange, Version
from portalsim import PortalSim

pytestmark = pytest.mark.slow

SITES = ["putuo", "yuhang"]  # report pages, a .docx download gateway with a Chinese file name in its query
PYWB = Path(os.environ.get("FAZHI_TEST_PYWB", Path.home() / ".cache" / "fazhi-test" / "pywb"))


@pytest.fixture(scope="module")
def pywb_bin() -> Path:
    bin_dir = PYWB / "bin"
    if not (bin_dir / "wayback").exists() or not (bin_dir / "wb-manager").exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PYWB)], check=True, capture_output=True, timeout=120)
            subprocess.run(
                [str(bin_dir / "pip"), "install", "-q", "pywb"], check=True, capture_output=True, timeout=900
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            unavailable(f"pywb could not be installed in {PYWB}: {detail.decode(errors='replace')[-300:]}")
    return bin_dir


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(SITES) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path, db_url: str) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim, db_url=db_url)
    sim.reset()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def replay(pywb_bin: Path, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A pywb directory with the collection `coll` (empty until a WARC is added) and its server's port."""
    root = tmp_path / "pywb"
    root.mkdir()
    subprocess.run([pywb_bin / "wb-manager", "init", "coll"], cwd=root, check=True, capture_output=True)
    port = _free_port()
    log = (root / "wayback.log").open("wb")
    server = subprocess.Popen(
        [pywb_bin / "wayback", "-b", "127.0.0.1", "-p", str(port), "-d", str(root)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield root, port
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _get(url: str, deadline: float) -> bytes:
    """The body pywb answers with, waiting for its server to start listening."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                assert answer.status == 200
                return bytes(answer.read())
        except ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionError) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_pywb_replays_each_archived_page_and_attachment(
    sim: PortalSim, archive: Archive, replay: tuple[Path, int], pywb_bin: Path, tmp_path: Path
) -> None:
    assert archive.crawl(*SITES).returncode == 0
    warc = tmp_path / "reports.warc.gz"
    result = CliRunner().invoke(cli, ["export", "--format", "warc", "--db", archive.config.db_url, str(warc)])
    assert result.exit_code == 0, result.output
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr

    root, port = replay
    subprocess.run([pywb_bin / "wb-manager", "add", "coll", str(warc)], cwd=root, check=True, capture_output=True)
    index = (root / "collections" / "coll" / "indexes" / "index.cdxj").read_text(encoding="utf-8")

    with archive.session() as s:
        captured = [
            (s.get(Exchange, v.exchange_id), read_capture(s, v.capture_sha256)) for v in s.scalars(select(Version))
        ]
        files = list(s.scalars(select(Attachment).where(Attachment.sha256.is_not(None))))
        captured += [(s.get(Exchange, a.exchange_id), read_capture(s, a.sha256 or "")) for a in files]
    assert len(files) >= 2 and len(captured) > len(files)  # report pages and attachments alike
    deadline = time.monotonic() + 30
    for ex, body in captured:
        assert ex is not None and ex.content_encoding is None
        stamp = ex.fetched_at.strftime("%Y%m%d%H%M%S")
        assert f'"url": "{ex.url}"' in index, f"{ex.url} is not in pywb's index"
        replayed = _get(f"http://127.0.0.1:{port}/coll/{stamp}id_/{ex.url}", deadline)
        assert replayed == body, f"pywb replays other bytes for {ex.url}"
