"""What a user can type or a file can hold ends in one line and exit 2, never a traceback; reads never write."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text

from archive.cli.main import cli
from archive.store.db import make_engine
from archive.store.migrate import HEAD, alembic_config, current_revision, upgrade

READS = [["reports"], ["show", "1"], ["history", "1"], ["diff", "1"], ["search", "法治"], ["reextract"]]


def fazhi(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def one_line_error(result: Result, code: int, *phrases: str) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fazhi: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reads_on_a_missing_path_create_nothing(tmp_path: Path) -> None:
    db = tmp_path / "typo" / "fazhi.db"
    for args in READS:
        one_line_error(fazhi(*args, "--db", f"sqlite:///{db}"), 2, f"no archive at {db}", "fazhi crawl")
    assert list(tmp_path.iterdir()) == []


def test_reads_on_an_empty_database_create_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    if db_url.startswith("sqlite"):
        with engine.begin() as conn:  # an empty SQLite file: the database exists, the archive does not
            conn.execute(text("SELECT 1"))
    try:
        for args in READS:
            one_line_error(fazhi(*args, "--db", db_url), 2, "holds no archive yet")
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_reads_on_an_old_archive_migrate_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "-1")
        old = current_revision(engine)
        for args in [*READS, ["crawl"]]:
            one_line_error(fazhi(*args, "--db", db_url), 2, f"schema revision {old}", "run `fazhi db upgrade`")
        assert current_revision(engine) == old
        result = fazhi("db", "upgrade", "--db", db_url)
        assert result.exit_code == 0 and f"now at schema revision {HEAD} (was {old})" in result.stdout
        assert current_revision(engine) == HEAD
        assert fazhi("reports", "--db", db_url, "--json").stdout.strip() == "[]"
    finally:
        engine.dispose()


def test_archive_from_a_newer_release_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        for args in [["reports"], ["crawl"], ["db", "upgrade"]]:
            one_line_error(fazhi(*args, "--db", db_url), 2, "made by a newer fazhi", "revision f00d")
        assert current_revision(engine) == "f00d"
    finally:
        engine.dispose()


def test_random_bytes_are_not_an_archive_and_stay_as_they_are(tmp_path: Path) -> None:
    db = tmp_path / "random.db"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    for args in [*READS, ["crawl"], ["db", "upgrade"]]:
        one_line_error(fazhi(*args, "--db", f"sqlite:///{db}"), 2, f"{db} is not an SQLite database")
    assert digest(db) == before and sorted(p.name for p in tmp_path.iterdir()) == ["random.db"]


def test_foreign_sqlite_file_is_never_written(tmp_path: Path) -> None:
    db = tmp_path / "theirs.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    engine.dispose()
    before = digest(db)
    for args in [*READS, ["crawl"], ["db", "upgrade"]]:
        one_line_error(fazhi(*args, "--db", f"sqlite:///{db}"), 2, "is not a Fazhi archive", "left untouched")
    assert digest(db) == before and sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("mysql://user@localhost/fazhi", "'mysql' databases are not supported"),
        ("oracle://x", "'oracle' databases are not supported"),
        ("not a url", "is not a database URL"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/x", "cannot open the archive database"),
    ],
)
def test_unusable_database_urls(url: str, phrase: str) -> None:
    for args in (["reports"], ["crawl"], ["db", "upgrade"]):
        one_line_error(fazhi(*args, "--db", url), 2, phrase)


def test_bad_crawl_timeout_setting_is_a_usage_error(tmp_path: Path) -> None:
    for value in ("soon", "0", "-5", "nan"):
        result = fazhi("reports", "--db", f"sqlite:///{tmp_path}/a.db", env={"FAZHI_CRAWL_TIMEOUT": value})
        one_line_error(result, 2, "FAZHI_CRAWL_TIMEOUT", "above 0")


@pytest.mark.slow
def test_invalid_ipv6_start_url_is_a_registry_error(tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text(
        "sites:\n  - id: bad\n    name: 坏\n    region: 某地\n    start_urls: ['http://[::1/list.html']\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-c", "from archive.cli.main import main; main()", "crawl"],
        env={**os.environ, "FAZHI_HOME": str(tmp_path), "FAZHI_SITES": str(registry)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{registry}:5: sites[0].start_urls: 'http://[::1/list.html' is not a valid URL" in proc.stderr
