"""The CLI is documented: every command has help text and a README entry; the README starts with the two commands."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.cli.main import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the lazily loaded commands too (archive.cli.main.COMMANDS)
        command = group.get_command(ctx, name)
        assert command is not None, name
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out.extend(_commands(command, full + " "))
        else:
            out.append((full, command))
    return out


COMMANDS = _commands(cli)


def test_readme_starts_with_the_two_commands() -> None:
    block = README.split("```", 2)[1]
    assert "pip install -e . && fazhi demo" in block
    assert 'pip install -e ".[test]" && pytest' in block


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_readme_entry(name: str, command: click.Command) -> None:
    assert command.help, f"fazhi {name} has no help text"
    assert f"fazhi {name}" in README, f"README does not describe `fazhi {name}`"
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_contract_commands_exist() -> None:
    names = {n for n, _ in COMMANDS}
    assert {"crawl", "reports", "show", "history", "diff", "extract", "search", "db upgrade", "demo"} <= names
