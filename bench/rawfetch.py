"""A bare Scrapy spider that fetches a recorded list of requests and does nothing with them: the peer that
shows what the same pages cost Scrapy alone. `python bench/rawfetch.py REQUESTS.json` prints JSON."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.utils.project import get_project_settings


class RawFetchSpider(scrapy.Spider):
    name = "rawfetch"

    def __init__(self, requests: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.todo = requests
        self.fetched = 0
        self.t0 = 0.0
        self.t1 = 0.0
        self.cpu0 = 0.0
        self.cpu1 = 0.0

    async def start(self) -> AsyncIterator[Any]:
        self.t0 = time.perf_counter()
        self.cpu0 = time.process_time()
        for r in self.todo:
            yield scrapy.Request(
                r["url"],
                method=r["method"],
                body=r.get("body") or None,
                headers=r.get("headers") or {},
                callback=self.parse,
                dont_filter=True,
            )

    def parse(self, response: Response) -> None:
        self.fetched += 1
        self.t1 = time.perf_counter()
        self.cpu1 = time.process_time()


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        requests = json.load(fh)
    settings = get_project_settings()
    settings.set("EXTENSIONS", {"scrapy.extensions.telnet.TelnetConsole": None})
    settings.set("ROBOTSTXT_OBEY", False)
    # Scrapy alone: none of the crawl's add-ons (scope, exchange records, pipeline, run records), which need a site
    # and an archive this replay does not have. (An earlier checkout measured beside this one had them as plain
    # settings: cleared too.)
    settings.set("ADDONS", {})
    settings.set("ITEM_PIPELINES", {})
    settings.set("DOWNLOADER_MIDDLEWARES", {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(RawFetchSpider)
    process.crawl(crawler, requests=requests)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, RawFetchSpider)
    print(
        json.dumps(
            {"pages": spider.fetched, "seconds": spider.t1 - spider.t0, "cpu_seconds": spider.cpu1 - spider.cpu0}
        )
    )


if __name__ == "__main__":
    main()
