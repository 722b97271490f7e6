"""Read the event outbox for `fazhi alerts`: each event with its delivery state on the configured channels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from archive.alerts.channels import channel_key
from archive.store.models import AlertChannel, AlertDelivery, Event


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def list_events(session: Session, urls: Sequence[str], pending: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    """Events newest first: `{id, kind, site_id, report_id, title, created_at, delivered_at, attempts, last_error,
    deliveries}`.

    With notify URLs configured, an event is delivered once every configured channel owed it has it
    (`delivered_at` is then the latest of those times) and pending until then; `attempts` and `last_error` are
    those channels'. With none configured, `delivered_at` is when the first channel got it. `deliveries` lists
    each channel that tried: `{channel, sent_at, attempts, last_error, digest}`, the channel's URL masked.
    """
    keys = [channel_key(u) for u in urls]
    configured = list(session.scalars(select(AlertChannel).where(AlertChannel.key.in_(keys))))
    unregistered = len(set(keys)) > len(configured)  # never sent to yet: owed what nobody has received
    query = select(Event).order_by(Event.id.desc()).limit(limit)
    if pending:
        owed = [
            and_(
                Event.id >= ch.first_event_id,
                ~exists().where(
                    AlertDelivery.event_id == Event.id,
                    AlertDelivery.channel_id == ch.id,
                    AlertDelivery.sent_at.is_not(None),
                ),
            )
            for ch in configured
        ]
        if not urls or unregistered:
            owed.append(Event.delivered_at.is_(None))
        query = query.where(or_(*owed)) if owed else query.where(Event.id < 0)
    events = list(session.scalars(query))
    names = {ch.id: ch.display for ch in session.scalars(select(AlertChannel))}
    rows: dict[int, list[AlertDelivery]] = {e.id: [] for e in events}
    for d in session.scalars(select(AlertDelivery).where(AlertDelivery.event_id.in_(rows)).order_by(AlertDelivery.id)):
        rows[d.event_id].append(d)
    ours = {ch.id for ch in configured}
    out = []
    for event in events:
        mine = [d for d in rows[event.id] if d.channel_id in ours] if urls else rows[event.id]
        sent = {d.channel_id: d.sent_at for d in mine if d.sent_at is not None}
        due = [ch for ch in configured if ch.first_event_id <= event.id]
        waiting = any(ch.id not in sent for ch in due) or (unregistered and event.delivered_at is None)
        if not urls:
            delivered_at = event.delivered_at
        else:
            delivered_at = None if waiting else max(sent.values(), default=event.delivered_at)
        failing = [d for d in mine if d.sent_at is None and d.last_error]
        out.append(
            {
                "id": event.id,
                "kind": event.kind,
                "site_id": event.site_id,
                "report_id": event.report_id,
                "title": event.title,
                "created_at": _iso(event.created_at),
                "delivered_at": _iso(delivered_at),
                "attempts": sum(d.attempts for d in mine),
                "last_error": f"{names[failing[-1].channel_id]}: {failing[-1].last_error}" if failing else None,
                "deliveries": [
                    {
                        "channel": names[d.channel_id],
                        "sent_at": _iso(d.sent_at),
                        "attempts": d.attempts,
                        "last_error": d.last_error,
                        "digest": d.digest,
                    }
                    for d in rows[event.id]
                ],
            }
        )
    return out
