"""Run `fazhi sites check` as a subprocess (the crawler is never imported here) and read its one line per site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.config import Config
from archive.entrypoints import CHECK_MODULE, SETTINGS_MODULE

PREFIX = "FAZHI-CHECK "
# A check reads a few pages per site; sites are checked side by side, each host at its polite pace.
TIMEOUT_SECONDS = 600.0


@dataclass
class CheckOutcome:
    returncode: int
    sites: list[dict[str, Any]] = field(default_factory=list)  # one record per site (crawler/check.py)
    error: str | None = None  # what the check process said when it failed before checking anything


def run_check(config: Config, site_ids: Sequence[str], timeout: float = TIMEOUT_SECONDS) -> CheckOutcome:
    env = {**os.environ, **config.as_env(), "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", CHECK_MODULE, *site_ids],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return CheckOutcome(1, error=f"the check did not finish within {timeout:.0f} s")
    sites = [json.loads(line[len(PREFIX) :]) for line in proc.stdout.splitlines() if line.startswith(PREFIX)]
    error = proc.stderr.strip().splitlines()[-1] if proc.returncode and proc.stderr.strip() else None
    return CheckOutcome(proc.returncode, sites, error)


def line(record: dict[str, Any]) -> str:
    """One line per site: id, verdict, and what is wrong (or what was found)."""
    mark = "ok" if record["status"] == "ok" else record["status"].upper()
    return f"{record['id']:<12} {mark:<15} {record['message']}"
