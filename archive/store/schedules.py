"""What the scheduler runs for each site, in words: written when it syncs its jobs, read by `fazhi sites`."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select

from archive.store.coltypes import utcnow
from archive.store.tables import site_schedule


def record_schedules(conn: Connection, descriptions: Mapping[str, str]) -> None:
    """The scheduler's jobs now: each site's cadence, and no row for a site it no longer crawls."""
    conn.execute(delete(site_schedule))
    if descriptions:
        now = utcnow()
        conn.execute(
            insert(site_schedule),
            [{"site_id": s, "description": d, "updated_at": now} for s, d in sorted(descriptions.items())],
        )


def scheduled(conn: Connection) -> dict[str, str]:
    """Each scheduled site's cadence as the last scheduler to start described it (empty if none ever ran)."""
    return dict(conn.execute(select(site_schedule.c.site_id, site_schedule.c.description)).all())
