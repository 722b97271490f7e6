"""The documentation follows the code: the README is a newcomer's page that starts with the two commands, every
command has help text and a section in docs/commands.md naming exactly the options its --help lists, and every
link between the documents leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archive.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_DOC = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # every command, each loaded from its module (archive.cli.main.COMMANDS)
        command = group.get_command(ctx, name)
        assert command is not None, name
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                out.append((full, command))
            out.extend(_commands(command, full + " "))
        else:
            out.append((full, command))
    return out


COMMANDS = _commands(cli)


def test_readme_starts_with_the_two_commands_and_stays_short() -> None:
    block = README.split("```", 2)[1]
    assert "pip install -e . && fazhi demo" in block
    assert 'pip install -e ".[test]" && pytest' in block
    assert len(README.splitlines()) <= 150


def _section(name: str) -> str:
    match = re.search(rf"^### `fazhi {re.escape(name)}`\n(.*?)(?=^#{{2,3}} |\Z)", COMMANDS_DOC, re.M | re.S)
    assert match, f"docs/commands.md has no section for `fazhi {name}`"
    return match.group(1)


def _options(command: click.Command) -> set[str]:
    options = [p for p in command.params if isinstance(p, click.Option)]
    return {opt for p in options for opt in [*p.opts, *p.secondary_opts] if opt.startswith("--")}


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_each_command_has_help_and_a_section_naming_its_options(name: str, command: click.Command) -> None:
    assert command.help, f"fazhi {name} has no help text"
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    section = _section(name)
    synopsis = section.split("```", 2)[1]
    documented = set(re.findall(r"--[a-z][a-z-]*", synopsis))
    actual = _options(command)
    assert documented == actual, (f"fazhi {name}", sorted(actual - documented), sorted(documented - actual))


def test_contract_commands_exist() -> None:
    names = {n for n, _ in COMMANDS}
    assert {"crawl", "reports", "show", "history", "diff", "extract", "search", "db upgrade", "demo"} <= names


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but hyphens dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_links_between_the_documents_lead_somewhere(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.exists(), f"{doc.name}: {target} leads nowhere"
        if anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
            assert anchor in {_anchor(h) for h in headings}, f"{doc.name}: no heading for #{anchor} in {file.name}"
