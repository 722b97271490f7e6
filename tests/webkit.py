"""Helpers for the web tests: an archive crawled from the simulator (with a corrected report that quotes markup),
`fazhi serve` in a real process on a free loopback port, plain HTTP requests, and the system's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from crawlkit import Archive, make_archive

from archive.store.ingest import canonical_url
from portalsim import PortalSim

# What a report may quote: if any of it were rendered as HTML, the title would change or the global would be set.
MARKUP = (
    '网页代码示例：<script>document.title="PWNED";window.__pwned=1</script>'
    " 以及 <img src=x onerror=\"document.title='PWNED';window.__pwned=2\"> 和 <b>加粗</b> &amp; 实体"
)
CORRECTION = "（本报告已更正）"


@dataclass
class Served:
    """A crawled archive and the report whose second version quotes MARKUP."""

    archive: Archive
    sim: PortalSim
    markup_report_id: int
    base: str = ""


def crawl_archive(tmp: Path, sim: PortalSim) -> tuple[Archive, int]:
    """Every simulated site crawled, then yuhang's annual report corrected (a paragraph quoting markup added)."""
    archive = make_archive(tmp, sim)
    assert archive.crawl().returncode == 0
    target = next(r for r in sim.expected_reports("yuhang") if r.kind == "annual_report")
    corrected = target.text.replace("2023年", "2023年度", 1) + "\n" + MARKUP + "\n" + CORRECTION
    sim.set_article_text("yuhang", target.key, corrected)
    assert archive.crawl("yuhang").returncode == 0
    url = canonical_url(target.url)
    assert MARKUP in archive.latest_text(url), "the simulator serves the markup as text, the extractor keeps it"
    return archive, archive.reports()[url].id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(archive: Archive, log: Path, *args: str) -> Iterator[str]:
    """`fazhi serve` on the archive in its own process; yields its base URL once it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "archive", "serve", "--port", str(port), "--no-access-log", *args]
    cmd += ["--db", archive.config.db_url, "--sites", str(archive.config.sites_path)]
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=os.environ.copy())
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"fazhi serve exited {proc.returncode}: {log.read_text()}")
                try:
                    with urllib.request.urlopen(base + "/openapi.json", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, method: str = "GET", data: bytes | None = None) -> Answer:
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.headers, exc.read())


def find_chromium() -> tuple[str, str] | str:
    """The Chromium binary and its chromedriver, or why they cannot be used."""
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = shutil.which("chromedriver") or next(
        (p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if Path(p).exists()), None
    )
    if browser is None:
        return "no chromium on PATH (Debian: apt-get install chromium chromium-driver; .ci/run does)"
    if driver is None:
        return "no chromedriver found (Debian: apt-get install chromium-driver; .ci/run does)"
    return browser, driver
