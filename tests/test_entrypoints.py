"""The couplings no import sees, each named once in archive/entrypoints.py, each resolved or run here; and the
floors' contract names every production package and module."""

from __future__ import annotations

import configparser
import importlib
import subprocess
import sys
import tomllib
from importlib.util import find_spec
from pathlib import Path

from archive import entrypoints

ROOT = Path(__file__).resolve().parent.parent


def _help(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=120)


def test_the_modules_python_m_starts_run() -> None:
    for module in (entrypoints.CRAWL_MODULE, entrypoints.CHECK_MODULE):
        done = _help(module)
        assert done.returncode == 0 and "usage:" in done.stdout, (module, done.stderr)


def test_the_settings_module_is_scrapys_and_scrapy_cfg_agrees() -> None:
    settings = importlib.import_module(entrypoints.SETTINGS_MODULE)
    assert settings.BOT_NAME == "fazhi"
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg")
    assert cfg["settings"]["default"] == entrypoints.SETTINGS_MODULE


def test_the_stored_job_reference_resolves_to_the_crawl_job() -> None:
    from apscheduler.util import ref_to_obj

    from archive.runner.scheduler import crawl_job

    assert ref_to_obj(entrypoints.CRAWL_JOB) is crawl_job


def test_the_migrations_are_found_where_alembic_looks() -> None:
    from archive.store.migrate import MIGRATIONS_DIR

    spec = find_spec(entrypoints.MIGRATIONS_PACKAGE)
    assert spec is not None and (MIGRATIONS_DIR / "env.py").is_file() and (MIGRATIONS_DIR / "versions").is_dir()


def test_the_floors_name_every_production_package_and_module() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    (floors,) = [c for c in contracts if c["type"] == "layers"]
    named = {m.strip() for layer in floors["layers"] for m in layer.replace(":", "|").split("|")}
    production = {p.stem if p.is_file() else p.name for p in (ROOT / "archive").iterdir() if _is_module(p)}
    expected = {f"archive.{name}" for name in production - {"__init__"}} | {"crawler", "migrations", "portalsim"}
    assert named == expected, (sorted(expected - named), sorted(named - expected))


def _is_module(path: Path) -> bool:
    return (path.suffix == ".py") or (path.is_dir() and (path / "__init__.py").exists())


def test_the_top_level_scheduler_runs_fazhi_schedule() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scheduler.py"), "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0 and "Usage: fazhi schedule" in done.stdout, done.stderr
