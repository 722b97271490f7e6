"""Start crawls as a subprocess (the crawler is never imported here) and follow their progress lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.config import Config

PROGRESS_PREFIX = "FAZHI "


@dataclass
class CrawlOutcome:
    returncode: int
    sites: list[dict[str, Any]] = field(default_factory=list)  # the "done" record of each site


def run_crawl(
    config: Config,
    site_ids: Sequence[str],
    on_event: Callable[[dict[str, Any]], None] | None = None,
    extra_env: dict[str, str] | None = None,
) -> CrawlOutcome:
    env = {**os.environ, **config.as_env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings", **(extra_env or {})}
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["PYTHONIOENCODING"] = "utf-8"  # progress lines carry Chinese messages, whatever the locale
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.run", *site_ids],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    outcome = CrawlOutcome(returncode=0)
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.startswith(PROGRESS_PREFIX):
            sys.stderr.write(line)
            continue
        try:
            event = json.loads(line[len(PROGRESS_PREFIX) :])
        except json.JSONDecodeError:
            continue
        if event.get("event") == "done":
            outcome.sites.append(event)
        if on_event:
            on_event(event)
    rc = proc.wait()
    # Killed by a signal (negative code) counts as a failed run, not as bad usage.
    outcome.returncode = rc if rc in (0, 1, 2) else 1
    return outcome
