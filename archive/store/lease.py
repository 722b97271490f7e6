"""A lease in the archive database: one scheduler at a time per archive, and a crashed holder's lease runs out."""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from archive.errors import ArchiveError
from archive.store.db import make_engine
from archive.store.models import Lease as LeaseRow
from archive.store.models import utcnow

TTL = dt.timedelta(seconds=90)  # renewed every 20 s: a holder that stops renewing loses it within 90 s


class LeaseHeld(ArchiveError):
    exit_code = 2


class Lease:
    def __init__(self, db_url: str, name: str, holder: str) -> None:
        self.engine = make_engine(db_url)
        self.name = name
        self.holder = holder
        self.lost = False

    @classmethod
    def acquire(cls, db_url: str, name: str, holder: str | None = None) -> Lease:
        """Take the lease (as `holder`, by default this host and process) or raise LeaseHeld naming who holds it."""
        lease = cls(db_url, name, holder or f"{socket.gethostname()}:{os.getpid()}")
        now = utcnow()
        with lease.engine.begin() as conn:
            taken = conn.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, (LeaseRow.expires_at < now) | (LeaseRow.holder == lease.holder))
                .values(holder=lease.holder, acquired_at=now, expires_at=now + TTL)
            ).rowcount
        if not taken:
            try:
                with lease.engine.begin() as conn:
                    conn.execute(
                        insert(LeaseRow).values(name=name, holder=lease.holder, acquired_at=now, expires_at=now + TTL)
                    )
            except IntegrityError:
                holder = lease.current_holder()
                lease.engine.dispose()
                raise LeaseHeld(
                    f"another {name} ({holder}) is running on this archive; stop it first "
                    f"(a holder that died gives the lease up within {int(TTL.total_seconds())} s)"
                ) from None
        return lease

    def current_holder(self) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(LeaseRow.__table__.select().where(LeaseRow.name == self.name)).first()
        return f"{row.holder}, until {row.expires_at:%Y-%m-%d %H:%M:%S} UTC" if row else "unknown"

    def renew(self) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            kept = conn.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=now + TTL)
            ).rowcount
        if not kept:
            self.lost = True

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LeaseRow).where(LeaseRow.name == self.name, LeaseRow.holder == self.holder))
        self.engine.dispose()
