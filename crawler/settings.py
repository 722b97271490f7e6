"""Scrapy settings: politeness, retries, size limits and the archive pipeline. Nothing else lives here."""

from __future__ import annotations

from archive.bounds import MAX_FILE_BYTES

BOT_NAME = "fazhi"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# A truthful identity in the "compatible" form crawlers use: portals that turn away anything but a browser-like
# User-Agent accept it, and it still says who we are.
USER_AGENT = "Mozilla/5.0 (compatible; FazhiArchive/0.1; rule-of-law report archive; obeys robots.txt)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "FazhiArchive"

# Government portals are small servers: at most two requests at a time to one host, adaptively slower.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Retries with backoff on server errors and timeouts (not on 4xx: a 404 is an answer).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Report pages are small; attachments can be large scans. Refuse anything beyond this.
DOWNLOAD_MAXSIZE = MAX_FILE_BYTES
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

COOKIES_ENABLED = True
REDIRECT_ENABLED = True
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control extension opens a port nobody asked for.
REMOTE_CONTROL_ENABLED = False

DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

# The crawl's own components, each with its settings: crawler/addons.py.
ADDONS = {"crawler.addons.ScopeAddon": 0, "crawler.addons.ArchiveAddon": 10}

# What one response's output is handed on by, at most at once. The pipeline writes synchronously, so more buy
# nothing; Scrapy starts this many tasks for every response (default 100): a tenth of the CPU in a profile of a
# hundred sites.
CONCURRENT_ITEMS = 8
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    # LogCount puts a handler on the root logger per crawler, and each counts every crawler's lines: with a crawler
    # per site in one process every log line cost work in proportion to the number of sites (a tenth of the CPU in
    # a profile of a hundred sites), for `log_count/*` stats nothing reads (crawler.problems counts a run's problems).
    "scrapy.extensions.logcount.LogCount": None,
}

LOG_LEVEL = "INFO"
# A check for authors of callbacks (a generator that returns a value), not for crawls: it reads and parses a
# callback's source again and again (its cache is keyed by bound method, so by spider, and holds 128): a tenth of
# the CPU in a profile of a hundred sites. tests/test_crawl_scale.py checks the spider's callbacks once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
