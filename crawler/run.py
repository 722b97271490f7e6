"""Run the `reports` spider for several sites in one process: `python -m crawler.run [SITE_ID ...]`.

This is what `fazhi crawl` starts as a subprocess; exit 0 all sites ok, 1 some site failed, 2 bad configuration.
"""

from __future__ import annotations

import sys

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from archive.config import Config
from crawler.sites import RegistryError, load_registry, select_sites
from crawler.spiders.reports import ReportsSpider


def main(argv: list[str] | None = None) -> int:
    ids = list(sys.argv[1:] if argv is None else argv)
    config = Config.from_env()
    try:
        sites = select_sites(load_registry(config.sites_path), ids)
    except RegistryError as exc:
        print(f"fazhi: {exc}", file=sys.stderr)
        return 2
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "fazhi":
        settings.setmodule("crawler.settings", priority="project")
    config.log_dir.mkdir(parents=True, exist_ok=True)
    settings.set("LOG_FILE", str(config.log_dir / "crawl.log"), priority="cmdline")
    settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(ReportsSpider)
        crawlers.append(crawler)
        process.crawl(crawler, site=site.id)
    process.start()
    failed = any(
        c.stats and (c.stats.get_value("fazhi/site_errors", 0) or c.stats.get_value("fazhi/errors", 0))
        for c in crawlers
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
