"""Deliver outbox events through Apprise, once each: marked delivered only after the notifier accepted it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from archive.models import Event, utcnow

if TYPE_CHECKING:
    import apprise

MAX_ATTEMPTS = 50  # after this many failures an event stays in the outbox but is no longer retried


@dataclass(frozen=True, slots=True)
class Delivery:
    sent: int
    failed: int
    pending: int


def _notifier(urls: tuple[str, ...]) -> apprise.Apprise:
    import apprise  # loaded only when alerts are configured: it is slow to import

    notifier = apprise.Apprise()
    for url in urls:
        if not notifier.add(url):
            raise ValueError(f"not a notification URL Apprise understands: {url} (see --notify / FAZHI_NOTIFY)")
    return notifier


def check_urls(urls: tuple[str, ...]) -> None:
    """Raise ValueError naming the first URL Apprise cannot use."""
    _notifier(urls)


def deliver_pending(sessions: sessionmaker[Session], urls: tuple[str, ...], limit: int = 200) -> Delivery:
    """Send undelivered events in order; one commit per event so a crash never sends one twice."""
    if not urls:
        return Delivery(0, 0, 0)
    notifier = _notifier(urls)
    sent = failed = 0
    with sessions() as session:
        ids = session.scalars(
            select(Event.id)
            .where(Event.delivered_at.is_(None), Event.attempts < MAX_ATTEMPTS)
            .order_by(Event.id)
            .limit(limit)
        ).all()
    for event_id in ids:
        with sessions.begin() as session:
            event = session.get(Event, event_id)
            if event is None or event.delivered_at is not None:
                continue
            ok = bool(notifier.notify(title=event.title, body=event.body))
            event.attempts += 1
            if ok:
                event.delivered_at = utcnow()
                sent += 1
            else:
                event.last_error = "a notifier refused or could not be reached"
                failed += 1
                # Keep order: later events wait until the notifier works again.
                break
    with sessions() as session:
        pending = session.scalar(select(func.count()).where(Event.delivered_at.is_(None))) or 0
    return Delivery(sent, failed, pending)
