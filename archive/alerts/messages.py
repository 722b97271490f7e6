"""The words of an alert: one event as a message, or a backlog as one digest; times in Beijing time."""

from __future__ import annotations

from collections.abc import Sequence

from archive.clock import ZONE_LABEL, local
from archive.store.models import Event


def event_message(event: Event) -> tuple[str, str]:
    """Title and body of one event; the body ends with when the archive saw it (the alert may go out later)."""
    return event.title, f"{event.body}\n发现于 {local(event.created_at)} ({ZONE_LABEL})"


def digest_message(events: Sequence[Event], more: int) -> tuple[str, str]:
    """One message for a backlog: each event's time, title and link, oldest first; `more` still wait."""
    lines = []
    for event in events:
        link = next((line for line in event.body.splitlines() if line.startswith(("http://", "https://"))), None)
        lines.append(f"{local(event.created_at)} {event.title}" + (f"\n  {link}" if link else ""))
    span = f"{local(events[0].created_at)} 至 {local(events[-1].created_at)} ({ZONE_LABEL})"
    tail = [f"另有 {more} 条待发，将在下一条汇总中发出。"] if more else []
    return f"汇总: {len(events)} 条提醒", "\n".join([span, *lines, *tail])
