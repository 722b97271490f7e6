"""The `fazhi` command: parse arguments, call the archive, print. `--json` gives one JSON document on stdout.

Each command imports what it needs when it runs: `fazhi show` should not wait for the extractor (lxml), the crawler
launcher, alerting or the search index to load. tests/test_cli_startup.py keeps it so.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from archive.bounds import MAX_COUNT, MAX_FILE_BYTES, MAX_ID
from archive.config import Config
from archive.errors import ArchiveError, BadUsage
from archive.render import console, err_console, print_json

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session

    from archive.paging import Page

F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """--db / --sites / --notify on every command; each wins over its environment variable."""

    @click.option("--db", "db_url", metavar="URL", help="SQLAlchemy URL of the archive [env FAZHI_DB_URL].")
    @click.option(
        "--sites", "sites_path", type=click.Path(path_type=Path), help="Site registry YAML [env FAZHI_SITES]."
    )
    @click.option("--notify", "notify", multiple=True, metavar="URL", help="Apprise URL for alerts (repeatable).")
    @functools.wraps(func)
    def wrapper(*args: Any, db_url: str | None, sites_path: Path | None, notify: tuple[str, ...], **kw: Any) -> Any:
        config = Config.from_env().with_overrides(db_url=db_url, sites_path=sites_path, notify_urls=notify)
        return func(*args, config=config, **kw)

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
# A year outside this range names no report. Limits, offsets and run ids are held to what the databases hold
# (archive.bounds); report ids and version numbers are checked by the queries, which say what exists instead.
YEAR = click.IntRange(1, 9999)
NUMBER = click.IntRange(1, MAX_COUNT)
OFFSET = click.IntRange(0, MAX_COUNT)
ID = click.IntRange(1, MAX_ID)
# archive.search.DEFAULT_LIMIT, not imported for it (test_cli_startup checks that the two agree).
SEARCH_LIMIT = 20


class SinceType(click.ParamType):
    """An ISO 8601 date or time (`2024-04-01`, `2024-04-01T08:00+08:00`); one without an offset is UTC."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or time (e.g. 2024-04-01 or 2024-04-01T08:00+08:00)")
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


SINCE = SinceType()


def page_caption(page: Page[Any], noun: str) -> str | None:
    """Under a table that shows part of a listing: which part, of how many."""
    if page.offset == 0 and len(page.items) == page.total:
        return None
    if not page.items:
        return f"no {noun} from {page.offset + 1} on (of {page.total})"
    return f"{noun} {page.offset + 1}–{page.offset + len(page.items)} of {page.total}"


@contextmanager
def archive_session(config: Config) -> Iterator[Session]:
    """A session on an existing archive at this release's schema; reads never create or migrate one."""
    from archive.db import make_sessionmaker

    with _checked_engine(config) as engine, make_sessionmaker(engine)() as session:
        yield session


@contextmanager
def archive_connection(config: Config) -> Iterator[Connection]:
    """A connection on an existing archive at this release's schema, for the reads that need no ORM (archive.query):
    the quick commands do not wait for SQLAlchemy's ORM to load."""
    with _checked_engine(config) as engine, engine.connect() as conn:
        yield conn


@contextmanager
def _checked_engine(config: Config) -> Iterator[Engine]:
    from archive.db import make_engine
    from archive.migrate import check_schema

    engine = make_engine(config.db_url, create=False)
    try:
        check_schema(engine)
        yield engine
    finally:
        engine.dispose()


# Commands defined in modules of their own, each imported when its command is asked for (or the command list is
# shown), so that starting `fazhi show` does not load the others' modules.
LAZY_COMMANDS = {
    "alerts": "archive.cli_alerts",
    "coverage": "archive.cli_coverage",
    "export": "archive.cli_export",
    "relist": "archive.cli_lists",
    "vanished": "archive.cli_lists",
    "schedule": "archive.cli_schedule",
    "runs": "archive.cli_schedule",
    "sites": "archive.cli_sites",  # the group is in cli_schedule, its `check` in cli_sites
    "serve": "archive.cli_web",
}


class FazhiGroup(click.Group):
    """The one place failures become output: one line on stderr and the error's exit code, never a traceback.

    The commands of LAZY_COMMANDS are added to the group by importing their module, on first use.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = LAZY_COMMANDS.get(cmd_name)
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


@cli.command()
@click.argument("site_ids", nargs=-1)
@config_options
def crawl(site_ids: tuple[str, ...], config: Config) -> None:
    """Crawl SITE_IDS (all registry sites when none), archive what is new or changed, send alerts.

    Exit 0 when every site was crawled cleanly; 1 when some site or page failed or an alert did not go out (each
    failure is printed), a site ran past its time limit or the crawl was stopped (SIGTERM/SIGINT: the crawler stops
    too, its runs are recorded interrupted); 2 for a bad registry, an unknown site id or an archive that cannot be
    used (nothing is fetched). Creates the archive in an empty database; an archive from an older release needs
    `fazhi db upgrade` first.
    """
    from archive import crawling
    from archive.render import print_crawl, print_progress

    report = crawling.crawl(config, site_ids, print_progress)
    print_crawl(report, notify=bool(config.notify_urls))
    sys.exit(report.returncode)


@cli.command()
@click.option("--site", help="Only this site id.")
@click.option("--year", type=YEAR, help="Only reports about this year.")
@click.option("--kind", type=click.Choice(["annual_report", "department_report", "related"]))
@click.option("--status", type=click.Choice(["active", "removed"]))
@click.option(
    "--since", type=SINCE, metavar="TIME", help="Only reports new, changed or removed at or after TIME (ISO 8601)."
)
@click.option("--limit", type=NUMBER, help="At most this many reports (default: all).")
@click.option("--offset", type=OFFSET, default=0, help="Skip this many reports first (the next page).")
@json_option
@config_options
def reports(
    site: str | None,
    year: int | None,
    kind: str | None,
    status: str | None,
    since: dt.datetime | None,
    limit: int | None,
    offset: int,
    as_json: bool,
    config: Config,
) -> None:
    """List archived reports, by site and newest year first.

    --since takes a date or time (2024-04-01, 2024-04-01T08:00+08:00; UTC when it has no offset) and keeps
    the reports first seen, changed or removed since then. --limit and --offset page through the list.
    """
    from archive import query
    from archive.render import reports_table

    with archive_connection(config) as conn:
        if site:
            query.require_site(conn, site)
        page = query.list_reports(
            conn, site=site, year=year, kind=kind, status=status, since=since, limit=limit, offset=offset
        )
    rows = [r.to_json() for r in page.items]
    if as_json:
        print_json(rows)
    else:
        table = reports_table(rows)
        table.caption = page_caption(page, "reports")
        console.print(table)


@cli.command()
@click.argument("report_id", type=int)
@click.option("--version", "version", type=int, help="This version instead of the latest.")
@json_option
@config_options
def show(report_id: int, version: int | None, as_json: bool, config: Config) -> None:
    """Show one report's text and metadata (latest version unless --version)."""
    from archive import query
    from archive.render import print_text

    with archive_connection(config) as conn:
        doc = query.show_report(conn, report_id, version).to_json()
    if as_json:
        print_json(doc)
        return
    console.print(doc["title"], style="bold", soft_wrap=True)
    console.print(
        f"{doc['publisher']} · {doc['year'] or '?'} · {doc['kind']} · published {doc['published_date'] or '?'}"
        f" · version {doc['version']}/{doc['version_count']} · {doc['status']}"
    )
    console.print(doc["url"], style="dim")
    if doc["replacement_chars"]:
        err_console.print(
            f"warning: {doc['replacement_chars']} characters of this page could not be decoded "
            f"(read as {doc['encoding']}); the raw bytes are kept in the archive",
        )
    if doc["sections"]:
        headings = [s["heading"] for s in doc["sections"] if s["level"] == 1]
        where = "" if doc["sections_source"] == "text" else f" (in {doc['sections_source']})"
        console.print(f"sections{where}: " + " · ".join(headings))
    if doc["missing_sections"]:
        console.print("missing required sections: " + ", ".join(doc["missing_sections"]), style="yellow")
    console.print()
    print_text(doc["text"])
    for att in doc["attachments"]:
        state = f"{len(att['text'] or '')} chars" if att["text"] is not None else "no text"
        console.print(f"\n附件: {att['filename']} ({att['media_type'] or '?'}, {state})")


@cli.command()
@click.argument("report_id", type=int)
@json_option
@config_options
def history(report_id: int, as_json: bool, config: Config) -> None:
    """List a report's versions."""
    from archive import query
    from archive.render import history_table

    with archive_connection(config) as conn:
        rows = [v.to_json() for v in query.history(conn, report_id).items]
    if as_json:
        print_json(rows)
    else:
        console.print(history_table(rows))


@cli.command()
@click.argument("report_id", type=int)
@click.option("--from", "from_version", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "to_version", type=int, help="Newer version (default: the latest).")
@config_options
def diff(report_id: int, from_version: int | None, to_version: int | None, config: Config) -> None:
    """Show what changed between two versions of a report (default: the last two)."""
    from archive import query
    from archive.diff import diff_texts

    with archive_connection(config) as conn:
        if from_version is not None:
            query.get_version(conn, report_id, from_version)  # a bad --from is reported before --to
        new = query.get_version(conn, report_id, to_version)
        if from_version is None and new.version == 1:
            console.print(f"report {report_id} has only one version: nothing to compare")
            return
        old = query.get_version(conn, report_id, new.version - 1 if from_version is None else from_version)
    d = diff_texts(old.text, new.text, f"version {old.version}", f"version {new.version}")
    if not d.unified:
        console.print(f"versions {old.version} and {new.version} have the same text")
        return
    for line in d.unified.split("\n"):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        console.print(line, style=style)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default=None, help="The URL the page was served from (resolves links, dates).")
@json_option
def extract(file: Path, url: str | None, as_json: bool) -> None:
    """Run the extractor on one saved page (its bytes as served)."""
    from rich.text import Text

    from archive.extract import extract_page
    from archive.render import plain, print_text

    with file.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise BadUsage(f"{file} is larger than {MAX_FILE_BYTES // 2**20} MB, the most a page is read (crawls too)")
    ex = extract_page(data, url or file.resolve().as_uri())
    doc: dict[str, Any] = {
        "title": ex.title,
        "published_date": ex.published_date.isoformat() if ex.published_date else None,
        "publisher": ex.publisher,
        "text": ex.text,
        "attachments": [{"url": a.url, "filename": a.filename} for a in ex.attachments],
    }
    if as_json:
        print_json(doc)
        return
    console.print(
        Text.assemble(plain(doc["title"], "bold"), plain(f"  {doc['published_date'] or ''}  {doc['publisher'] or ''}")),
        soft_wrap=True,
    )
    print_text(doc["text"])
    for a in doc["attachments"]:
        console.print(f"附件: {a['filename']} <{a['url']}>")
    for warning in ex.warnings:
        err_console.print(f"warning: {warning}")


@cli.command()
@click.argument("query_text", metavar="QUERY")
@click.option("--site", help="Only this site id.")
@click.option("--region", help="Only sites whose region holds this (e.g. 杭州市).")
@click.option("--year", type=YEAR, help="Only reports about this year.")
@click.option("--kind", type=click.Choice(["annual_report", "department_report", "related"]), help="Only this kind.")
@click.option("--limit", type=NUMBER, default=SEARCH_LIMIT, show_default=True)
@click.option("--all-versions", is_flag=True, help="Search every version, not only the latest of each report.")
@json_option
@config_options
def search(
    query_text: str,
    site: str | None,
    region: str | None,
    year: int | None,
    kind: str | None,
    limit: int,
    all_versions: bool,
    as_json: bool,
    config: Config,
) -> None:
    """Full-text search of report titles, texts and attachment texts; every space-separated term must occur.

    Terms of two characters or more are found anywhere (Chinese needs no spaces); full-width and half-width
    forms and letter case are folded. Best matches first; the snippet marks each term 【like this】.
    """
    from archive import query
    from archive import search as search_mod
    from archive.render import search_table

    with archive_session(config) as session:
        if site:
            query.require_site(session, site)
        rows = search_mod.search(
            session,
            query_text,
            site=site,
            year=year,
            kind=kind,
            region=region,
            limit=limit,
            all_versions=all_versions,
        )
    if as_json:
        print_json(rows)
        return
    console.print(search_table(rows, title=f"Reports matching {query_text!r}"))


@cli.command()
@click.option("--site", help="Only this site id.")
@json_option
@config_options
def reextract(site: str | None, as_json: bool, config: Config) -> None:
    """Re-derive report texts from the stored raw captures with the current extractor (no crawling).

    A new version is made only where the text changed; each version records the extractor version that made it.
    Reports that an older archive merged by their text alone are split again, and versions that changed
    nothing (only a late attachment) are folded into the version they complete.
    """
    from archive.db import make_engine, make_sessionmaker
    from archive.migrate import check_schema
    from archive.query import require_site
    from archive.reextract import reextract as run_reextract
    from archive.render import FAILURE_MARK, marked

    engine = make_engine(config.db_url, create=False)
    try:
        check_schema(engine)
        sessions = make_sessionmaker(engine)
        if site:
            with sessions() as session:
                require_site(session, site)
        summary = run_reextract(sessions, site)
    finally:
        engine.dispose()
    if as_json:
        print_json(
            {
                "checked": summary.checked,
                "changed": summary.changed,
                "failed": list(summary.failed),
                "split": summary.split,
                "folded": summary.folded,
            }
        )
    else:
        console.print(f"{summary.checked} reports checked, {summary.changed} got a new version")
        if summary.split or summary.folded:
            console.print(
                f"repaired: {summary.split} report(s) split off a report they were wrongly merged into, "
                f"{summary.folded} version(s) that were no change folded away"
            )
        for failure in summary.failed:
            err_console.print(marked(FAILURE_MARK, failure))
    if summary.failed:
        sys.exit(1)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@config_options
def db_upgrade(config: Config) -> None:
    """Bring the database schema to the latest migration (same as `alembic upgrade head`).

    Makes the schema in an empty database; refuses a database that is not a Fazhi archive.
    """
    from archive.db import describe, make_engine
    from archive.migrate import HEAD, upgrade_archive

    config.make_home()
    engine = make_engine(config.db_url)
    try:
        before = upgrade_archive(engine)
    finally:
        engine.dispose()
    where = describe(engine.url)
    if before == HEAD:
        console.print(f"the archive at {where} is up to date (schema revision {HEAD})")
    else:
        was = before or "an empty database"
        console.print(f"the archive at {where} is now at schema revision {HEAD} (was {was})")


@cli.command()
def demo() -> None:
    """Run the whole pipeline against the bundled local portal simulator (no internet needed).

    The demo archive is $FAZHI_HOME/demo.db, made afresh on every run; your own archive is not touched.
    """
    from archive.demo import run_demo

    sys.exit(run_demo(Config.from_env()))


def main() -> None:
    # Python hands arguments that are not UTF-8 over with their bytes as lone surrogates, which fail later, far
    # from here (in the database driver, or when printed): refuse them now.
    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            err_console.print(f"fazhi: the argument '{shown}' is not valid UTF-8 text", soft_wrap=True)
            sys.exit(2)
    cli(prog_name="fazhi")
