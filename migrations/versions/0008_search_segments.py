"""Search index in merged segments: one packed posting list per character pair per segment instead of one row per
pair per version; every version indexed again (existing archives included)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from archive.store.postings import build_index

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_gram", schema=None) as batch_op:
        batch_op.drop_index("ix_search_gram_version_id")
    op.drop_table("search_gram")
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_doc_report_id"))
    op.drop_table("search_doc")
    op.create_table(
        "search_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("docs", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_segment")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "search_doc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_search_doc_report_id_report")),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["search_segment.id"],
            name=op.f("fk_search_doc_segment_id_search_segment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["report_version.id"],
            name=op.f("fk_search_doc_version_id_report_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_doc")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_doc_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_doc_segment_id"), ["segment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_doc_version_id"), ["version_id"], unique=True)
    op.create_table(
        "search_posting",
        sa.Column("gram", sa.String(length=3), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["search_segment.id"],
            name=op.f("fk_search_posting_segment_id_search_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gram", "segment_id", name=op.f("pk_search_posting")),
    )
    # Every version indexed, a batch at a time so memory stays flat, then merged.
    build_index(op.get_bind())


def downgrade() -> None:
    # Back to the tables of 0005, empty: the pair rows were written by code this revision replaced, so an archive
    # taken back to 0007 searches nothing until it is upgraded again (which indexes every version anew).
    op.drop_table("search_posting")
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_doc_version_id"))
        batch_op.drop_index(batch_op.f("ix_search_doc_segment_id"))
        batch_op.drop_index(batch_op.f("ix_search_doc_report_id"))
    op.drop_table("search_doc")
    op.drop_table("search_segment")
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
