"""The crawl's components bundled with their settings, as Scrapy add-ons (the framework's way to install
components and their defaults together): the scope every crawl keeps, and the archive a crawl writes to.

`fazhi sites check` crawls with the first alone: politely, within scope, and writing nothing.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import BaseSettings

from archive.config import DEFAULT_CRAWL_TIMEOUT
from archive.tunables import TUNABLES
from crawler.exchanges import ExchangeRecorder
from crawler.extensions import CrawlRecorder
from crawler.pipelines import ArchivePipeline
from crawler.scope import PrivateAddressMiddleware, SiteScopeMiddleware
from crawler.throttle import NotModifiedAutoThrottle

ADDON_PRIORITY = "addon"


class ScopeAddon:
    """Every request stays on the site's allowed_domains and, for a public site, off private addresses: both
    checked before robots.txt is asked, so an out-of-scope host is never contacted at all (crawler/scope.py).
    Scrapy's own offsite filter, which lets some requests through, gives way to them. AutoThrottle counts a 304 as
    an answer (crawler/throttle.py)."""

    def update_settings(self, settings: BaseSettings) -> None:
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", OffsiteMiddleware, None)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", SiteScopeMiddleware, 50)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", PrivateAddressMiddleware, 60)
        settings.set_in_component_priority_dict("EXTENSIONS", AutoThrottle, None)
        settings.set_in_component_priority_dict("EXTENSIONS", NotModifiedAutoThrottle, 0)


class ArchiveAddon:
    """What writes a crawl into the archive: the exchange recorder (next to the downloader, so it sees every
    redirect hop and the bytes before HttpCompressionMiddleware decodes them), the pipeline, the crawl-run
    recorder; and the defaults of every tunable (archive/tunables.py), which Config hands over when set."""

    def update_settings(self, settings: BaseSettings) -> None:
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", ExchangeRecorder, 880)
        settings.set_in_component_priority_dict("ITEM_PIPELINES", ArchivePipeline, 300)
        settings.set_in_component_priority_dict("EXTENSIONS", CrawlRecorder, 500)
        for tunable in TUNABLES:
            settings.set(tunable.name, tunable.default, priority=ADDON_PRIORITY)
        settings.set("FAZHI_CRAWL_TIMEOUT", DEFAULT_CRAWL_TIMEOUT, priority=ADDON_PRIORITY)
