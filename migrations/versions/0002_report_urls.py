"""Report URLs: where a report moved to, or another column that posts the same text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:15:36.947439
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_url",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_url_report_id_report")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_report_url_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_url")),
        sa.UniqueConstraint("site_id", "url", name="uq_report_url_site_id_url"),
    )
    with op.batch_alter_table("report_url", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_url_report_id"), ["report_id"], unique=False)
    # New reports are checked against existing texts by hash (a moved or double-posted page).
    with op.batch_alter_table("report_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_version_content_sha256"), ["content_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_version_content_sha256"))
    with op.batch_alter_table("report_url", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_url_report_id"))

    op.drop_table("report_url")
