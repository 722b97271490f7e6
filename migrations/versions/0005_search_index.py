"""Full-text search: each version's folded text and its character pairs (filled in for existing archives by 0008)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_doc",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_search_doc_report_id_report")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["report_version.id"],
            name=op.f("fk_search_doc_version_id_report_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_search_doc")),
    )
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_doc_report_id"), ["report_id"], unique=False)
    op.create_table(
        "search_gram",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["report_version.id"],
            name=op.f("fk_search_gram_version_id_report_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "version_id", name=op.f("pk_search_gram")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("search_gram", schema=None) as batch_op:
        batch_op.create_index("ix_search_gram_version_id", ["version_id"], unique=False)
    # Existing archives are indexed by 0008, which replaced these pair rows with merged posting lists.


def downgrade() -> None:
    with op.batch_alter_table("search_gram", schema=None) as batch_op:
        batch_op.drop_index("ix_search_gram_version_id")
    op.drop_table("search_gram")
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_doc_report_id"))
    op.drop_table("search_doc")
