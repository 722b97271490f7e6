"""Deliver outbox events through Apprise: each event once per channel (notify URL), in order, a backlog as a digest.

Each channel is delivered on its own (archive/alerts/channels.py): a channel that is down backs off and keeps its own
events waiting, and never blocks or repeats another. Delivery state lives per (event, channel) in `alert_delivery`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from archive.alerts import channels
from archive.alerts.messages import digest_message, event_message
from archive.store.models import AlertChannel, AlertDelivery, Event, utcnow

if TYPE_CHECKING:
    import apprise

# More than this many events waiting on one channel is a backlog: it goes out as one digest message rather than a
# burst (a first crawl, or a channel back after a long outage).
DIGEST_OVER = 10
DIGEST_MAX = 30  # events listed in one digest, to stay well inside webhook message size limits
# DingTalk robots accept about 20 messages a minute and mute a robot that sends more; stay under that per channel.
# A channel at its limit is not failing: its events wait for the next delivery.
RATE_PER_MINUTE = 18
RATE_WINDOW = dt.timedelta(minutes=1)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class ChannelResult:
    channel: str  # the URL with its secrets masked
    status: str  # ok | failed | backoff (failed before, waiting to retry) | busy (another sender holds it) | rate
    sent: int  # events delivered now, those in a digest included
    messages: int
    pending: int  # events this channel is still owed
    error: str | None = None
    next_attempt_at: dt.datetime | None = None

    @property
    def failing(self) -> bool:
        # A channel another sender holds counts as failing if its last try failed: it is still down as far as known.
        return self.status in ("failed", "backoff") or (self.status == "busy" and self.error is not None)


@dataclass(frozen=True, slots=True)
class Delivery:
    sent: int  # (event, channel) deliveries made
    failed: int  # channels whose send failed now (a channel stops at its first failure)
    pending: int  # (event, channel) deliveries still owed
    channels: tuple[ChannelResult, ...] = ()

    @property
    def ok(self) -> bool:
        """False when some channel failed now or is backing off from earlier failures."""
        return not any(c.failing for c in self.channels)


def _plugin(url: str) -> apprise.Apprise:
    import apprise  # loaded only when alerts are configured: it is slow to import

    notifier = apprise.Apprise()
    if not notifier.add(url):
        # The URL in full: it is the user's own setting, shown on their terminal, and the typo may be anywhere in it.
        raise ValueError(f"not a notification URL Apprise understands: {url} (see --notify / FAZHI_NOTIFY)")
    return notifier


def redact(url: str) -> str:
    """The URL as Apprise prints it with passwords and tokens masked; the scheme alone if Apprise cannot read it."""
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None or isinstance(plugin, bool):
        return url.split("://", 1)[0] + "://…"
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def check_urls(urls: Sequence[str]) -> None:
    """Raise ValueError naming the first URL Apprise cannot use."""
    for url in urls:
        _plugin(url)


def send(notifier: apprise.Apprise, title: str, body: str) -> str | None:
    """Send one message; None when the receiver accepted it, else Apprise's reason in one line."""
    import apprise

    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as log:
        ok = bool(notifier.notify(title=title, body=body))
        reason = [line for line in log.getvalue().splitlines() if line.strip()]
    if ok:
        return None
    return reason[-1] if reason else "the notifier refused the message or could not be reached"


def owed(channel: AlertChannel) -> Select[Event]:
    """The events a channel is owed and has not received, oldest first."""
    sent = exists().where(
        AlertDelivery.event_id == Event.id,
        AlertDelivery.channel_id == channel.id,
        AlertDelivery.sent_at.is_not(None),
    )
    return select(Event).where(Event.id >= channel.first_event_id, ~sent).order_by(Event.id)


def _count(session: Session, query: Select[Event]) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def deliver_pending(
    sessions: sessionmaker[Session],
    urls: Sequence[str],
    *,
    lease: dt.timedelta = channels.LEASE,
    clock: Clock = utcnow,
) -> Delivery:
    """Send every channel what it is owed; safe to run from any number of processes at once."""
    notifiers = [(url, _plugin(url)) for url in urls]
    # Every channel is registered before any is sent to, so channels configured together are owed the same events.
    senders = [_ChannelSender(sessions, url, notifier, lease, clock) for url, notifier in notifiers]
    results = [sender.run() for sender in senders]
    return Delivery(
        sent=sum(r.sent for r in results),
        failed=sum(1 for r in results if r.status == "failed"),
        pending=sum(r.pending for r in results),
        channels=tuple(results),
    )


class _ChannelSender:
    """One pass over one channel: claim it, send what it is owed in order, record each outcome, let it go."""

    def __init__(
        self, sessions: sessionmaker[Session], url: str, notifier: apprise.Apprise, lease: dt.timedelta, clock: Clock
    ) -> None:
        self.sessions, self.notifier, self.lease, self.clock = sessions, notifier, lease, clock
        self.display = redact(url)
        self.owner = channels.new_owner()
        with sessions.begin() as session:
            self.channel_id = channels.register(session, url, self.display).id
        self.sent = self.messages = 0

    def run(self) -> ChannelResult:
        while True:
            with self.sessions() as session:
                channel = session.get_one(AlertChannel, self.channel_id)
                if channel.next_attempt_at is not None and channel.next_attempt_at > self.clock():
                    return self._result("backoff", error=channel.last_error)
            with self.sessions.begin() as session:
                claimed = channels.claim(session, self.channel_id, self.owner, self.clock(), self.lease)
            if not claimed:
                return self._result("busy")
            try:
                status, error = self._drain()
            finally:
                with self.sessions.begin() as session:
                    channels.release(session, self.channel_id, self.owner)
            result = self._result(status, error)
            # A crawl that committed events while this sender held the channel found it busy and left them to us:
            # look again after letting go, so they do not wait for the next delivery.
            if status != "ok" or result.pending == 0:
                return result

    def _drain(self) -> tuple[str, str | None]:
        """Send until nothing is owed: the status (ok | failed | rate | busy) and the error of a failed send."""
        while True:
            with self.sessions() as session:
                channel = session.get_one(AlertChannel, self.channel_id)
                query = owed(channel)
                waiting = _count(session, query)
                batch = list(session.scalars(query.limit(DIGEST_MAX if waiting > DIGEST_OVER else 1)))
            if not batch:
                return "ok", None
            slot = self._take_slot()
            if slot != "ok":
                return slot, None
            if waiting > DIGEST_OVER:
                title, body = digest_message(batch, waiting - len(batch))
            else:
                title, body = event_message(batch[0])
            error = send(self.notifier, title, body)
            self.messages += 1
            if not self._record(batch, error, digest=waiting > DIGEST_OVER):
                return "busy", None  # the lease ran out during the send and another sender has the channel
            if error is not None:
                return "failed", error

    def _take_slot(self) -> str:
        """Renew the lease and count one message against the channel's rate: ok, rate (at the limit) or busy."""
        now = self.clock()
        with self.sessions.begin() as session:
            if not channels.renew(session, self.channel_id, self.owner, now, self.lease):
                return "busy"
            channel = session.get_one(AlertChannel, self.channel_id)
            if channel.window_started_at is None or now - channel.window_started_at >= RATE_WINDOW:
                channel.window_started_at, channel.window_messages = now, 0
            if channel.window_messages >= RATE_PER_MINUTE:
                return "rate"
            channel.window_messages += 1
        return "ok"

    def _record(self, batch: list[Event], error: str | None, digest: bool) -> bool:
        """Write the outcome for each event of the message; False if the lease was lost meanwhile."""
        now = self.clock()
        with self.sessions.begin() as session:
            if not channels.renew(session, self.channel_id, self.owner, now, self.lease):
                return False
            channel = session.get_one(AlertChannel, self.channel_id)
            ids = [e.id for e in batch]
            rows = {
                d.event_id: d
                for d in session.scalars(
                    select(AlertDelivery).where(AlertDelivery.channel_id == channel.id, AlertDelivery.event_id.in_(ids))
                )
            }
            for event_id in ids:
                row = rows.get(event_id) or AlertDelivery(channel_id=channel.id, event_id=event_id, attempts=0)
                row.attempts += 1
                row.last_error = error
                if error is None:
                    row.sent_at, row.digest = now, digest
                session.add(row)
            if error is None:
                channels.record_success(channel, now)
                session.execute(
                    update(Event)
                    .where(Event.id.in_(ids), Event.delivered_at.is_(None))
                    .values(delivered_at=now)
                    .execution_options(synchronize_session=False)
                )
                self.sent += len(ids)
            else:
                channels.record_failure(channel, error, now)
        return True

    def _result(self, status: str, error: str | None = None) -> ChannelResult:
        with self.sessions() as session:
            channel = session.get_one(AlertChannel, self.channel_id)
            pending = _count(session, owed(channel))
        if status == "busy" and channel.consecutive_failures:
            error = channel.last_error
        return ChannelResult(
            channel=self.display,
            status=status,
            sent=self.sent,
            messages=self.messages,
            pending=pending,
            error=error,
            next_attempt_at=channel.next_attempt_at if status in ("failed", "backoff") else None,
        )


def send_test(sessions: sessionmaker[Session], urls: Sequence[str]) -> list[tuple[str, str | None]]:
    """Send a test message to every URL: (masked URL, error or None). A channel that answers is retried at once."""
    out: list[tuple[str, str | None]] = []
    for url in urls:
        display = redact(url)
        error = send(_plugin(url), "测试: 法治政府建设报告存档", f"这是一条测试提醒，确认 {display} 能收到提醒。")
        if error is None:
            with sessions.begin() as session:
                channel = session.scalar(select(AlertChannel).where(AlertChannel.key == channels.channel_key(url)))
                if channel is not None:
                    channel.consecutive_failures, channel.next_attempt_at = 0, None
        out.append((display, error))
    return out
