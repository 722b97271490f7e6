"""The one reader of the environment: everything configurable arrives here and is passed down as a Config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from archive.bundled import DEFAULT_REGISTRY, registry_path
from archive.errors import BadUsage
from archive.tunables import TUNABLES

DEFAULT_HOME = Path("~/.local/share/fazhi")
DEFAULT_CRAWL_TIMEOUT = 3600.0  # seconds one site's crawl may take, unless its registry entry says otherwise
# FAZHI_CRAWL_PROCESSES=auto: one crawl process per this many sites, up to one per core. A process spent 16-20 ms of
# CPU per page (bench/thousand.py), so one core keeps up with some 50-60 pages/s, about a hundred sites crawled
# politely at once. Below that a second process only costs: its start-up (a few seconds of CPU), its own memory
# (100-200 MiB), and on SQLite the processes take turns to write. Not the default: on a shared 2-core machine two
# processes spent more CPU per page than one and were not faster (bench/RESULTS.md, "Many sites").
SITES_PER_CRAWL_PROCESS = 100
BUNDLED_SITES = DEFAULT_REGISTRY


@dataclass(frozen=True, slots=True)
class Config:
    home: Path
    db_url: str
    sites_path: Path
    notify_urls: tuple[str, ...] = ()
    crawl_timeout: float = DEFAULT_CRAWL_TIMEOUT
    crawl_processes: int | None = 1  # how many processes one crawl spreads its sites over; None: `auto`
    base_url: str | None = None  # the web UI's public address, for links (`fazhi serve`); None: the bound address
    # The crawl tunables set in the environment (archive/tunables.py), as (name, value); the others keep the
    # defaults the crawler's add-on gives them.
    tunables: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        for name, value in env.items():
            if name.startswith("FAZHI_") and not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:  # bytes that were not UTF-8, kept as lone surrogates
                    raise BadUsage(f"{name} is not valid UTF-8 text") from None
        home = Path(env.get("FAZHI_HOME") or DEFAULT_HOME).expanduser()
        db_url = env.get("FAZHI_DB_URL") or f"sqlite:///{home / 'fazhi.db'}"
        sites = registry_path(env["FAZHI_SITES"]) if env.get("FAZHI_SITES") else BUNDLED_SITES
        notify = tuple(env.get("FAZHI_NOTIFY", "").split())
        timeout = _seconds(env.get("FAZHI_CRAWL_TIMEOUT"), "FAZHI_CRAWL_TIMEOUT", DEFAULT_CRAWL_TIMEOUT)
        processes = _count(env.get("FAZHI_CRAWL_PROCESSES") or "1", "FAZHI_CRAWL_PROCESSES")
        return cls(
            home=home,
            db_url=db_url,
            sites_path=sites,
            notify_urls=notify,
            crawl_timeout=timeout,
            crawl_processes=processes,
            base_url=env.get("FAZHI_BASE_URL") or None,
            tunables=_tunables(env),
        )

    def crawl_processes_for(self, n_sites: int) -> int:
        """How many crawl processes `n_sites` sites are spread over: FAZHI_CRAWL_PROCESSES, or for `auto` one per
        SITES_PER_CRAWL_PROCESS sites up to one per core; never more than there are sites."""
        wanted = self.crawl_processes
        if wanted is None:
            wanted = min(os.cpu_count() or 1, -(-n_sites // SITES_PER_CRAWL_PROCESS))
        return max(1, min(wanted, n_sites))

    def with_overrides(
        self,
        *,
        home: Path | None = None,
        db_url: str | None = None,
        sites_path: Path | None = None,
        notify_urls: tuple[str, ...] = (),
    ) -> Config:
        """Apply command-line flags (or a crawl's Scrapy settings), which win over the environment."""
        return replace(
            self,
            home=home or self.home,
            db_url=db_url or self.db_url,
            sites_path=registry_path(sites_path) if sites_path else self.sites_path,
            notify_urls=notify_urls or self.notify_urls,
        )

    def as_env(self) -> dict[str, str]:
        """The environment a child process (a crawl) needs to see this same configuration."""
        env = {
            "FAZHI_HOME": str(self.home),
            "FAZHI_DB_URL": self.db_url,
            "FAZHI_SITES": str(self.sites_path),
        }
        if self.notify_urls:
            env["FAZHI_NOTIFY"] = " ".join(self.notify_urls)
        env["FAZHI_CRAWL_TIMEOUT"] = repr(self.crawl_timeout)
        env["FAZHI_CRAWL_PROCESSES"] = "auto" if self.crawl_processes is None else str(self.crawl_processes)
        env.update((name, repr(value)) for name, value in self.tunables)
        return env

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    def make_home(self) -> None:
        """Make the data folder (and its logs folder) if need be; BadUsage in one line when it cannot be used."""
        if self.home.exists() and not self.home.is_dir():
            raise BadUsage(f"FAZHI_HOME={self.home} cannot be the data folder: it is not a folder")
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BadUsage(f"FAZHI_HOME={self.home} cannot be the data folder: {exc.strerror or exc}") from None
        if not os.access(self.log_dir, os.W_OK | os.X_OK):
            raise BadUsage(f"FAZHI_HOME={self.home} cannot be the data folder: it is not writable")


def _tunables(env: Mapping[str, str]) -> tuple[tuple[str, float], ...]:
    found = []
    for tunable in TUNABLES:
        if env.get(tunable.name):
            try:
                found.append((tunable.name, tunable.parse(env[tunable.name])))
            except ValueError as exc:
                raise BadUsage(str(exc)) from None
    return tuple(found)


def _seconds(value: str | None, name: str, default: float) -> float:
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise BadUsage(f"{name}={value!r} must be a number of seconds above 0")
    return seconds


def _count(value: str, name: str) -> int | None:
    """A positive whole number, or None for `auto`."""
    if value.strip().lower() == "auto":
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise BadUsage(f"{name}={value!r} must be a whole number above 0, or `auto`")
    return count
