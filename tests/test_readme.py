"""The README's first real use works as written: its simulator section, run word for word in a fresh folder."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def _block(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, f"no shell block under {heading!r}"
    return match.group(1)


def test_the_simulator_section_runs_as_written(tmp_path: Path) -> None:
    assert shutil.which("fazhi"), "the fazhi command is not installed (pip install -e .)"
    script = "set -e\n" + _block("Try it on the simulator")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAZHI_")}
    env["FAZHI_HOME"] = str(tmp_path / "home")  # the reader's own home stays out of it
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Archived reports" in done.stdout and "Crawl runs" in done.stdout
    assert "【行政复议】" in done.stdout or "行政复议" in done.stdout.split("Reports matching", 1)[1]
    conn = sqlite3.connect(tmp_path / "sim.db")
    try:
        (reports,) = conn.execute("SELECT count(*) FROM report").fetchone()
    finally:
        conn.close()
    assert reports >= 5
