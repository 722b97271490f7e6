"""Benchmark-only Scrapy extension: records every request that got a response, so a bare spider can replay them,
and the process's CPU time from the first spider opened to the last one closed (BENCH_CPU, when set)."""

from __future__ import annotations

import json
import os
import time
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

# Process CPU seconds at the first spider_opened and the latest spider_closed.
_CPU: dict[str, float] = {}


class RequestRecorder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(os.environ.get("BENCH_RECORD", "requests.json"))
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.response_received, signal=signals.response_received)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_opened(self, spider: Any) -> None:
        _CPU.setdefault("opened", time.process_time())

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        headers = {k.decode(): v[0].decode("latin-1") for k, v in request.headers.items() if k.lower() == b"referer"}
        body = request.body.decode("latin-1") if request.body else ""
        self.rows.append({"method": request.method, "url": request.url, "body": body, "headers": headers})

    def spider_closed(self, spider: Any) -> None:
        existing = []
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as fh:
                existing = json.load(fh)
        with open(self.path, "w", encoding="utf-8") as fh:
            json.dump(existing + self.rows, fh)
        if cpu_path := os.environ.get("BENCH_CPU"):
            # One process runs every site's crawler: the last one to close writes the span over all of them.
            _CPU["closed"] = time.process_time()
            with open(cpu_path, "w", encoding="utf-8") as fh:
                json.dump({"cpu_seconds": _CPU["closed"] - _CPU["opened"]}, fh)
