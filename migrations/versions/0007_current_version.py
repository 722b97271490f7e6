"""Current-version pointer: each report names its newest version, filled in for existing archives

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_report_current_version_id_report_version"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with a REFERENCES clause in place; batch mode would rebuild `report`, which the
        # versions' own foreign keys forbid while they hold rows.
        op.execute(
            f"ALTER TABLE report ADD COLUMN current_version_id INTEGER CONSTRAINT {_FK} REFERENCES report_version (id)"
        )
    else:
        op.add_column("report", sa.Column("current_version_id", sa.Integer(), nullable=True))
        op.create_foreign_key(_FK, "report", "report_version", ["current_version_id"], ["id"])
    # Ingest looks for a copy of a new page among the reports' current versions by content hash, then by this.
    op.create_index("ix_report_current_version_id", "report", ["current_version_id"], unique=False)
    # The highest-numbered version of each report: the same statement on both databases.
    op.execute(
        "UPDATE report SET current_version_id = ("
        " SELECT v.id FROM report_version v WHERE v.report_id = report.id ORDER BY v.version DESC LIMIT 1)"
    )


def downgrade() -> None:
    op.drop_index("ix_report_current_version_id", table_name="report")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE report DROP COLUMN current_version_id")
    else:
        op.drop_constraint(_FK, "report", type_="foreignkey")
        op.drop_column("report", "current_version_id")
