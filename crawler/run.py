"""Run the `reports` spider for several sites in one process: `python -m crawler.run [SITE_ID ...]`.

This is what `fazhi crawl` starts as a subprocess; exit 0 all sites ok, 1 some site failed or ran out of time,
2 bad configuration (a bad registry, an archive that cannot be used). Many sites are spread over several such
processes (crawler.workers, FAZHI_CRAWL_PROCESSES).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from types import FrameType

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from archive.config import Config
from archive.entrypoints import SETTINGS_MODULE
from archive.errors import ArchiveError
from archive.registry.sites import load_registry, select_sites
from archive.store.db import make_engine
from archive.store.migrate import prepare_for_crawl
from crawler.link import config_settings, share_engine, write_lock_first
from crawler.spiders.reports import ReportsSpider
from crawler.workers import SCHEMA_READY_FLAG, STOP_SIGNALS, WORKER_FLAG, run_workers, shares

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Stop gracefully when the process that started this crawl dies, however it dies (even by SIGKILL), so no
    crawl goes on writing with nobody to read its progress or send its alerts (Linux: PR_SET_PDEATHSIG)."""

    def parent_gone(_signum: int, _frame: FrameType | None) -> None:
        # The kernel signals once for each thread of the parent that exits; Scrapy takes a second SIGTERM as
        # "stop at once, record nothing", so only the first one is passed on.
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        signal.raise_signal(signal.SIGTERM)

    if sys.platform.startswith("linux"):
        signal.signal(signal.SIGUSR1, parent_gone)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGUSR1, 0, 0, 0)
    if os.getppid() != parent_pid:  # it died before the request above was in place
        sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run")
    parser.add_argument("--parent-pid", type=int, help="stop when this process (fazhi crawl) ends")
    parser.add_argument(WORKER_FLAG, action="store_true", help="one of several crawl processes: crawl these here")
    parser.add_argument(
        SCHEMA_READY_FLAG, action="store_true", help="the process that started this one made the archive ready"
    )
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    # A worker inherits its starter's mask, which holds stop signals back while the workers start (crawler.workers).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if args.parent_pid:
        die_with_parent(args.parent_pid)
    try:
        config = Config.from_env()
        sites = select_sites(load_registry(config.sites_path), args.site_ids)
        if not args.schema_ready:  # checked once per process tree, by its root
            engine = make_engine(config.db_url)
            prepare_for_crawl(engine)  # refused here, in one line, rather than in every spider
            engine.dispose()
    except ArchiveError as exc:  # a bad registry or site id, an archive that cannot be used
        print(f"fazhi: {exc}", file=sys.stderr)
        return exc.exit_code
    processes = 1 if args.worker else config.crawl_processes_for(len(sites))
    if processes > 1:
        return run_workers(shares([site.id for site in sites], processes))
    engine = make_engine(config.db_url)
    write_lock_first(engine)  # other crawl processes (workers, the scheduler's crawls) may write to the same file
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "fazhi":
        settings.setmodule(SETTINGS_MODULE, priority="project")
    config.make_home()
    settings.set("LOG_FILE", str(config.log_dir / "crawl.log"), priority="cmdline")
    settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    # The configuration read here goes to the spiders' components as settings, not read again from the environment.
    settings.setdict(config_settings(config), priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    # Every site's crawler writes through this one engine (crawler.link.share_engine).
    with share_engine(engine):
        for site in sites:
            crawler = process.create_crawler(ReportsSpider)
            crawlers.append(crawler)
            process.crawl(crawler, site=site.id)
        process.start()
    engine.dispose()
    failed = any(
        c.stats
        and (
            c.stats.get_value("fazhi/site_errors", 0)
            or c.stats.get_value("fazhi/errors", 0)
            or c.stats.get_value("fazhi/timed_out")
        )
        for c in crawlers
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
