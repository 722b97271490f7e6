"""Crawler settings for benchmarks: the project's own, minus the politeness delays (the target is loopback)."""

from crawler.settings import *  # noqa: F403

AUTOTHROTTLE_ENABLED = False
DOWNLOAD_DELAY = 0
RANDOMIZE_DOWNLOAD_DELAY = False
CONCURRENT_REQUESTS_PER_DOMAIN = 8
LOG_LEVEL = "WARNING"
EXTENSIONS = {**EXTENSIONS, "recorder.RequestRecorder": 900}  # noqa: F405
