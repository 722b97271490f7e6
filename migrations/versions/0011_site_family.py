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
    with op.batch_alter_table("site") as batch:
        batch.add_column(sa.Column("family", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.drop_column("family")
