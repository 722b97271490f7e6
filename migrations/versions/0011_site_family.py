"""Site family: the platform family the registry gives a site, kept so coverage can say where fazhi cannot read
the lists yet

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("site", sa.Column("family", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite drops a plain column in place (3.35 on); a batch copy of `site` would trip the keys that point at it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE site DROP COLUMN family")
    else:
        op.drop_column("site", "family")
