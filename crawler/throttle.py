"""AutoThrottle that lets a 304 bring the delay down as a 200 does.

Scrapy's AutoThrottle never lowers its delay after an answer other than 200, because error pages and redirects
are small and fast and would talk it into crawling faster than the site can bear. A 304 is no such page: it is
the site's real answer to the conditional re-check that makes up most of a re-crawl, and its latency is the
site's own. Left out, a re-crawl of unchanged pages keeps the start delay throughout and is slower than the first
crawl. The delay still never goes below DOWNLOAD_DELAY, the site's politeness floor.
"""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class NotModifiedAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
