"""The crawl's progress lines: one JSON document a line on stdout, prefixed `FAZHI `, read by `fazhi crawl` (and the
scheduler) as they come: a site started, a site met a failure, a site is done."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

PREFIX = "FAZHI "


def emit(payload: dict[str, Any]) -> None:
    try:
        sys.stdout.write(PREFIX + json.dumps(payload, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Nobody is reading (the parent died and this crawl is stopping): the run row has the record. Later
        # writes, and the flush at exit, go nowhere instead of failing (the Python docs' advice for SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
