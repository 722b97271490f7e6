"""The hostile-input suite's machinery: a case is what a user types (or a file holds), the exit code and the one
line `fazhi` must answer with, and what must not exist afterwards; every case runs the real `fazhi` in a process
of its own on a copy of a real archive, which must come out exactly as it went in.

To add a case, add a `Case` to the table in test_hostile_cli.py. Placeholders in its arguments and files:
{db} the archive's file, {url} its SQLite URL, {tmp} the case's folder, {sites} a valid registry file,
{busy_port} a port something already listens on.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The escape sequences Rich writes for its own styles: colour and weight, nothing else.
SGR = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str | bytes, ...]
    exit_code: int
    message: str  # a regular expression the one line on stderr must hold (for click's usage errors: its last line)
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str | bytes] = field(default_factory=dict)  # written into {tmp} first
    symlinks: Mapping[str, str] = field(default_factory=dict)  # name in {tmp} -> what it points to
    absent: tuple[str, ...] = ()  # paths (placeholders allowed) that must not exist afterwards
    replaced: tuple[str, ...] = ()  # files of `files` the case may change; every other one must stay as written
    stdout: str | None = None  # a regular expression stdout must hold
    timeout: float = 60.0  # a hang fails the case rather than the suite


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def fill(value: str, slots: Mapping[str, str]) -> str:
    for key, replacement in slots.items():
        value = value.replace("{" + key + "}", replacement)
    return value


def run_fazhi(
    args: list[str | bytes],
    env: Mapping[str, str],
    timeout: float = 60.0,
    cwd: Path | None = None,
    stdin: bytes | None = None,
) -> Outcome:
    """`fazhi ARGS` in a process of its own; its output as text (bytes that are not UTF-8 shown escaped)."""
    proc = subprocess.run(
        [sys.executable, "-c", "from archive.cli.main import main; main()", *args],
        env={**_clean_environment(), "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
    )
    return Outcome(
        proc.returncode,
        proc.stdout.decode("utf-8", "backslashreplace"),
        proc.stderr.decode("utf-8", "backslashreplace"),
    )


def _clean_environment() -> dict[str, str]:
    """This process's environment without the settings a case must give itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FAZHI_") and k not in ("FORCE_COLOR", "NO_COLOR")}


def dump(db: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every table's rows, in order: what "the archive untouched" compares (a read may checkpoint the WAL, so the
    file's bytes are not the measure)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(t, sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)) for t in tables]
    finally:
        conn.close()


def copy_archive(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        if (extra := source.with_name(source.name + suffix)).exists():
            shutil.copyfile(extra, target.with_name(target.name + suffix))


@contextmanager
def busy_port() -> Iterator[int]:
    """A port something listens on for the duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def steering(output: str) -> str | None:
    """What in `output` could steer a terminal or reorder what is read, beyond Rich's own colour codes; None when
    nothing does."""
    rest = SGR.sub("", output)
    found = STEERING.search(rest)
    if found is None:
        return None
    at = found.start()
    return f"{found.group()!r} at {at}: {rest[max(0, at - 40) : at + 40]!r}"


STEERING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
