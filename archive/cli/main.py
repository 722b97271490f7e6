"""The `fazhi` command: the group every command joins, the one place failures become output, and the entry point.

Each command lives in a module of its own, imported when the command is asked for: `fazhi show` does not wait for
the extractor (lxml), the crawler launcher, alerting or the search index to load. tests/test_cli_startup.py keeps it
so.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from archive.cli.render import err_console
from archive.errors import ArchiveError

# Each command's module, imported when the command is asked for (or the command list is shown), so that starting
# `fazhi show` does not load the others' modules.
COMMANDS = {
    "alerts": "archive.cli.alerts",
    "coverage": "archive.cli.coverage",
    "crawl": "archive.cli.crawl",
    "db": "archive.cli.database",
    "demo": "archive.cli.crawl",
    "diff": "archive.cli.reports",
    "export": "archive.cli.export",
    "extract": "archive.cli.extract",
    "history": "archive.cli.reports",
    "reextract": "archive.cli.crawl",
    "relist": "archive.cli.lists",
    "reports": "archive.cli.reports",
    "runs": "archive.cli.schedule",
    "schedule": "archive.cli.schedule",
    "search": "archive.cli.search",
    "serve": "archive.cli.serve",
    "show": "archive.cli.reports",
    "sites": "archive.cli.sites",
    "vanished": "archive.cli.lists",
}


class FazhiGroup(click.Group):
    """The one place failures become output: one line on stderr and the error's exit code, never a traceback.

    The commands of COMMANDS are added to the group by importing their module, on first use.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is not None:
            import_module(module)  # its decorators add the command to this group (once: it is then in sys.modules)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiveError as exc:
            err_console.print(f"fazhi: {exc}", soft_wrap=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:
            # Only a command that used the database can raise its error, so SQLAlchemy is loaded by then.
            sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
            if sqlalchemy_exc is None or not isinstance(exc, sqlalchemy_exc.DBAPIError):
                raise
            # The database failed mid-command (a server gone, a disk full).
            lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            err_console.print(f"fazhi: the archive database failed: {lines[0] if lines else exc}", soft_wrap=True)
            ctx.exit(1)


@click.group(cls=FazhiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fazhi-archive")
def cli() -> None:
    """Fazhi Archive: crawl, archive and query governments' annual 法治政府建设 reports."""


def main(argv: list[str] | None = None) -> None:
    """`fazhi ARGV` (default: this process's arguments)."""
    args = sys.argv[1:] if argv is None else argv
    # Python hands arguments that are not UTF-8 over with their bytes as lone surrogates, which fail later, far
    # from here (in the database driver, or when printed): refuse them now.
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            err_console.print(f"fazhi: the argument '{shown}' is not valid UTF-8 text", soft_wrap=True)
            sys.exit(2)
    cli(args=args, prog_name="fazhi")
