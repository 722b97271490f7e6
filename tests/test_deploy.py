"""The deployment files: no Docker daemon here, so what can be checked without one is checked (the images are not
built in CI): the compose file parses, every command it and the systemd unit run is a real `fazhi` command, and the
image installs the project the way the README does."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import yaml

from archive.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"


def _is_fazhi_command(args: list[str]) -> bool:
    """True when `fazhi ARGS` names an existing command (and subcommand) with options click accepts."""
    ctx = click.Context(cli, info_name="fazhi")
    group: click.Command = cli
    rest = list(args)
    while isinstance(group, click.Group) and rest and not rest[0].startswith("-"):
        command = group.get_command(ctx, rest[0])
        if command is None:
            return False
        group, rest = command, rest[1:]
    group.make_context("fazhi", rest, resilient_parsing=False)
    return group is not cli


def _compose() -> dict[str, Any]:
    doc = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_compose_parses_and_wires_database_migration_and_scheduler() -> None:
    services = _compose()["services"]
    assert {"db", "migrate", "scheduler"} <= set(services)
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["scheduler"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "scheduler"):
        env = services[name]["environment"]
        assert env["FAZHI_DB_URL"].startswith("postgresql+psycopg://") and "@db:5432/" in env["FAZHI_DB_URL"]
        assert any(v.endswith(":/data") for v in services[name]["volumes"]), "FAZHI_HOME must be a volume"
    assert "pgdata" in _compose()["volumes"] and "fazhi-home" in _compose()["volumes"]


def test_compose_runs_the_web_service_beside_the_scheduler() -> None:
    services = _compose()["services"]
    web = services["web"]
    assert web["command"][0] == "serve" and web["image"] == services["scheduler"]["image"]
    assert web["environment"]["FAZHI_DB_URL"] == services["scheduler"]["environment"]["FAZHI_DB_URL"]
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Published on the host's loopback only, like `fazhi serve` binds by default.
    assert web["ports"] == ["127.0.0.1:8000:8000"] and web["command"][-1] == "8000"


def test_every_command_the_deployment_runs_is_a_real_fazhi_command() -> None:
    commands = [s["command"] for s in _compose()["services"].values() if "command" in s and "build" in s]
    unit = (DOCKER / "fazhi-schedule.service").read_text(encoding="utf-8")
    commands += [shlex.split(line.split("=", 1)[1])[1:] for line in unit.splitlines() if line.startswith("Exec")]
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    entry = re.search(r'^CMD \["(.+)"\]', dockerfile, re.M)
    assert entry is not None
    commands.append(entry.group(1).split('", "'))
    assert len(commands) >= 5
    for args in commands:
        assert _is_fazhi_command(list(args)), f"`fazhi {' '.join(args)}` is not a fazhi command"
    assert re.search(r'^ENTRYPOINT \["fazhi"\]', dockerfile, re.M)


def test_the_image_installs_the_project_as_the_readme_says() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()[0]
    install = first.split("&&")[0].strip()  # pip install -e .
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    runs = " ".join(line for line in dockerfile.replace("\\\n", " ").splitlines() if line.startswith("RUN"))
    assert re.search(r"pip install (--no-cache-dir )?-e \.", runs) and install == "pip install -e ."
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "antiword" in runs and "antiword" in ci, "the image and CI install the same system packages"
