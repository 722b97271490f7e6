"""Version texts stored compressed (archive.store.packedtext): existing texts packed in batches

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:00:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from archive.store.packedtext import pack, unpack

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500  # versions read and written at a time: an archive of any size converts in bounded memory


def upgrade() -> None:
    _convert(sa.LargeBinary(), "X''", _pack)


def downgrade() -> None:
    _convert(sa.Text(), "''", _unpack)


def _pack(value: str | bytes) -> bytes:
    # SQLite keeps bytes in a TEXT column as they come: a text written through the current models before this
    # migration ran is packed already.
    return value if isinstance(value, bytes) else pack(value)


def _unpack(value: bytes | memoryview) -> str:
    return unpack(bytes(value))


def _convert(new_type: sa.types.TypeEngine[Any], empty: str, fn: Callable[[Any], object]) -> None:
    """report_version.text rewritten through `fn` into a column of `new_type`, in place of the old one.

    A new column, filled in batches, the old one dropped and the new one renamed: on SQLite without rebuilding
    `report_version` (batch mode would, and the foreign keys of attachments and reports on it forbid that while it
    holds rows). SQLite adds a NOT NULL column only with a default, which is then left in its schema.
    """
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        ddl = new_type.compile(dialect=conn.dialect)
        op.execute(f"ALTER TABLE report_version ADD COLUMN text_new {ddl} NOT NULL DEFAULT {empty}")
    else:
        op.add_column("report_version", sa.Column("text_new", new_type, nullable=True))
    version = sa.table("report_version", sa.column("id", sa.Integer()), sa.column("text"), sa.column("text_new"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(version.c.id, version.c.text).where(version.c.id > last).order_by(version.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            sa.update(version).where(version.c.id == sa.bindparam("vid")).values(text_new=sa.bindparam("value")),
            [{"vid": r.id, "value": fn(r.text)} for r in rows],
        )
        last = rows[-1].id
    if sqlite:
        op.execute("ALTER TABLE report_version DROP COLUMN text")
        op.execute("ALTER TABLE report_version RENAME COLUMN text_new TO text")
    else:
        op.drop_column("report_version", "text")
        op.alter_column("report_version", "text_new", new_column_name="text", nullable=False)
