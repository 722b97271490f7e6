"""Alert channels: one row per notify URL, with the lease that lets one sender at a time use it, and its backoff.

A channel is claimed, not an event: the sender holding a channel's lease sends that channel's events one after
another, so each (event, channel) goes out once and in order however many crawls, schedulers and
`fazhi alerts send` run at the same time. The claim is one conditional UPDATE (its row count says who won), with
`FOR UPDATE SKIP LOCKED` on PostgreSQL so a contender moves on instead of waiting. A lease expires, so a sender
that was killed holds its channel only until then; the event it was sending when killed is sent again, because
nothing can tell whether the receiver got it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive.store.models import AlertChannel, Event

# Longer than one send can take (by default Apprise gives up on a receiver after seconds), renewed before each send,
# so a live sender never loses its channel; a killed one blocks the channel for at most this long.
LEASE = dt.timedelta(minutes=5)
# A failing channel waits 30 s, 1 min, 2 min, … up to an hour between tries; other channels are not held up.
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)


def channel_key(url: str) -> str:
    """The channel's identity: a digest of the URL, since the URL itself may carry a token."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def new_owner() -> str:
    """A sender's name in the lease column: unique per call, so two senders in one process never share one."""
    return uuid.uuid4().hex


def backoff(failures: int) -> dt.timedelta:
    """How long a channel waits after `failures` failures in a row (exponential, capped)."""
    if failures <= 0:
        return dt.timedelta(0)
    factor: int = 2 ** min(failures - 1, 20)
    return min(BACKOFF_BASE * factor, BACKOFF_CAP)


def register(session: Session, url: str, display: str) -> AlertChannel:
    """The channel row for `url`, made on first use.

    A new channel is owed the events nobody has received yet and every later one; events other channels already
    delivered are not replayed to it. If that backlog is long it arrives as a digest (archive/alerts/delivery.py).
    """
    key = channel_key(url)
    channel = session.scalar(select(AlertChannel).where(AlertChannel.key == key))
    if channel is not None:
        return channel
    oldest_undelivered = session.scalar(select(func.min(Event.id)).where(Event.delivered_at.is_(None)))
    newest = session.scalar(select(func.max(Event.id))) or 0
    values = {
        "key": key,
        "display": display[:500],
        "first_event_id": oldest_undelivered if oldest_undelivered is not None else newest + 1,
        "consecutive_failures": 0,
        "window_messages": 0,
    }
    # Two senders may meet a new URL at once: the first insert wins, the other finds its row.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(AlertChannel).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    session.flush()
    return session.scalars(select(AlertChannel).where(AlertChannel.key == key)).one()


def claim(session: Session, channel_id: int, owner: str, now: dt.datetime, lease: dt.timedelta = LEASE) -> bool:
    """Take the channel's lease if it is free or expired, in one statement; True if this sender now holds it."""
    free = (
        select(AlertChannel.id)
        .where(
            AlertChannel.id == channel_id,
            (AlertChannel.lease_until.is_(None))
            | (AlertChannel.lease_until < now)
            | (AlertChannel.lease_owner == owner),
        )
        .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite serializes writers itself
    )
    stmt = (
        update(AlertChannel)
        .where(AlertChannel.id.in_(free.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(stmt)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def renew(session: Session, channel_id: int, owner: str, now: dt.datetime, lease: dt.timedelta = LEASE) -> bool:
    """Extend this sender's lease before a send; False if it expired and another sender took the channel."""
    stmt = (
        update(AlertChannel)
        .where(AlertChannel.id == channel_id, AlertChannel.lease_owner == owner)
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(stmt)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def release(session: Session, channel_id: int, owner: str) -> None:
    session.execute(
        update(AlertChannel)
        .where(AlertChannel.id == channel_id, AlertChannel.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def record_failure(channel: AlertChannel, error: str, now: dt.datetime) -> None:
    channel.consecutive_failures += 1
    channel.last_error = error
    channel.next_attempt_at = now + backoff(channel.consecutive_failures)


def record_success(channel: AlertChannel, now: dt.datetime) -> None:
    channel.consecutive_failures = 0
    channel.last_error = None
    channel.next_attempt_at = None
    channel.last_ok_at = now
