"""The scheduler's fixed address: `python scheduler.py [--every DURATION]` runs it as `fazhi schedule` does, and
`scheduler:crawl_job` is the reference every stored job calls (APScheduler keeps it in the archive's job table, so
it must not move). The scheduler itself lives in archive/runner/scheduler.py, on the orchestration floor."""

from __future__ import annotations

from archive.runner.scheduler import crawl_job

__all__ = ["crawl_job"]

if __name__ == "__main__":
    import sys

    from archive.cli.main import main

    main(["schedule", *sys.argv[1:]])
