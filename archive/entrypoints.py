"""Where one process names another's code by a string no import sees: the modules `python -m` starts, Scrapy's
settings module, and the job reference APScheduler stores in the archive. Named here once, so a move is one edit;
tests/test_entrypoints.py runs or resolves each."""

from __future__ import annotations

CRAWL_MODULE = "crawler.run"  # `python -m`: a crawl of the sites given (`fazhi crawl`, the scheduler, each worker)
CHECK_MODULE = "crawler.check"  # `python -m`: `fazhi sites check`
SETTINGS_MODULE = "crawler.settings"  # SCRAPY_SETTINGS_MODULE for both (scrapy.cfg names it too, for `scrapy crawl`)
MIGRATIONS_PACKAGE = "migrations"  # Alembic's script location: the package's folder, found without importing it
CRAWL_JOB = "scheduler:crawl_job"  # what each site's stored job calls (the top-level scheduler.py keeps it there)
