"""`fazhi alerts`: the event outbox, `alerts send` (deliver what is owed now) and `alerts test`."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click
from rich.table import Table

from archive.cli.main import cli
from archive.cli.options import DB_OPTION, NOTIFY_OPTION, NUMBER, archive_session, config_options, json_option
from archive.cli.render import FAILURE_MARK, OK_MARK, console, err_console, marked, print_delivery, print_json
from archive.clock import ZONE_LABEL, local
from archive.config import Config

if TYPE_CHECKING:
    from archive.alerts.delivery import ChannelResult

F = TypeVar("F", bound=Callable[..., Any])


def sub_config_options(func: F) -> F:
    """--db / --notify on a subcommand, over those given to `fazhi alerts` itself: either place works."""

    def wrapper(group: Config, /, *args: Any, db_url: str | None, notify: tuple[str, ...], **kw: Any) -> Any:
        config = group.with_overrides(db_url=db_url, notify_urls=notify)
        return func(*args, config=config, **kw)

    functools.update_wrapper(wrapper, func)
    return cast(F, DB_OPTION(NOTIFY_OPTION(click.pass_obj(wrapper))))


def _urls_or_exit(config: Config) -> tuple[str, ...]:
    from archive.alerts.delivery import check_urls

    if not config.notify_urls:
        err_console.print("fazhi: no notify URL: give --notify URL or set FAZHI_NOTIFY")
        sys.exit(2)
    try:
        check_urls(config.notify_urls)
    except ValueError as exc:
        err_console.print(f"fazhi: {exc}")
        sys.exit(2)
    return config.notify_urls


@cli.group("alerts", invoke_without_command=True)
@click.option("--pending", is_flag=True, help="Only events some configured notify URL has not received yet.")
@click.option("--limit", type=NUMBER, default=50, show_default=True, help="At most this many events, newest first.")
@json_option
@config_options(notify=True)
@click.pass_context
def alerts_group(ctx: click.Context, pending: bool, limit: int, as_json: bool, config: Config) -> None:
    """List the event outbox, newest first, with each event's delivery to the notify URLs.

    An event is delivered once to each notify URL, in order; a URL that fails backs off (30 s doubling to an
    hour) without holding up the others, and a backlog of more than ten goes out as one digest message.
    """
    ctx.obj = config  # the subcommands start from these settings
    if ctx.invoked_subcommand is not None:
        return
    from archive.alerts import outbox

    with archive_session(config) as session:
        rows = outbox.list_events(session, config.notify_urls, pending=pending, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("nothing pending" if pending else "no events yet")
        return
    table = Table(title="Pending alerts" if pending else "Alerts")
    for col in ("id", f"created ({ZONE_LABEL})", f"delivered ({ZONE_LABEL})", "tries", "title", "last error"):
        table.add_column(col, overflow="fold", no_wrap=col not in ("title", "last error"))
    for r in rows:
        table.add_row(
            str(r["id"]),
            local(r["created_at"]),
            local(r["delivered_at"]) or "pending",
            str(r["attempts"]),
            r["title"],
            r["last_error"] or "",
        )
    console.print(table)


@alerts_group.command("send")
@json_option
@sub_config_options
def alerts_send(as_json: bool, config: Config) -> None:
    """Deliver what each notify URL is owed now (a backlog as a digest); exit 1 if some URL is failing."""
    from archive.alerts.delivery import deliver_pending
    from archive.store.handle import Archive

    urls = _urls_or_exit(config)
    with Archive.open(config) as archive:
        delivery = deliver_pending(archive.sessions, urls)
    if as_json:
        print_json([_channel_doc(c) for c in delivery.channels])
    else:
        print_delivery(delivery, always=True)
    sys.exit(0 if delivery.ok else 1)


@alerts_group.command("test")
@sub_config_options
def alerts_test(config: Config) -> None:
    """Send one test notification to every notify URL; exit 1 if one fails. A URL that answers is retried at once."""
    from archive.alerts.delivery import send_test
    from archive.store.handle import Archive

    urls = _urls_or_exit(config)
    with Archive.open(config) as archive:
        outcomes = send_test(archive.sessions, urls)
    for display, error in outcomes:
        if error is None:
            console.print(marked(OK_MARK, display))
        else:
            err_console.print(marked(FAILURE_MARK, f"{display}: {error}"))
    sys.exit(1 if any(error for _, error in outcomes) else 0)


def _channel_doc(c: ChannelResult) -> dict[str, Any]:
    return {
        "channel": c.channel,
        "status": c.status,
        "sent": c.sent,
        "messages": c.messages,
        "pending": c.pending,
        "error": c.error,
        "next_attempt_at": c.next_attempt_at.isoformat() if c.next_attempt_at else None,
    }
