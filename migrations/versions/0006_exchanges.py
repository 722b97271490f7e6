"""Exchanges: every HTTP request and answer of a crawl; versions and attachments point at theirs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def upgrade() -> None:
    op.create_table(
        "exchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("request_headers", sa.JSON(), nullable=False),
        sa.Column("request_body_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("capture_sha256", sa.String(length=64), nullable=True),
        sa.Column("content_encoding", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_sha256"], ["capture.sha256"], name=op.f("fk_exchange_capture_sha256_capture")
        ),
        sa.ForeignKeyConstraint(["crawl_run_id"], ["crawl_run.id"], name=op.f("fk_exchange_crawl_run_id_crawl_run")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_exchange_report_id_report")),
        sa.ForeignKeyConstraint(
            ["request_body_sha256"], ["capture.sha256"], name=op.f("fk_exchange_request_body_sha256_capture")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_exchange_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange")),
    )
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_capture_sha256"), ["capture_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_crawl_run_id"), ["crawl_run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exchange_report_id"), ["report_id"], unique=False)
    for table in ("report_version", "attachment"):
        _add_exchange_link(table)
    _carry_fetches_over()


def _add_exchange_link(table: str) -> None:
    fk = f"fk_{table}_exchange_id_exchange"
    if op.get_bind().dialect.name == "sqlite":
        # In place: batch mode would rebuild the table, and dropping the old copy of report_version deletes what
        # references it (its search index rows cascade) or is refused while attachments point at it.
        op.execute(f"ALTER TABLE {table} ADD COLUMN exchange_id INTEGER CONSTRAINT {fk} REFERENCES exchange (id)")
    else:
        op.add_column(table, sa.Column("exchange_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "exchange", ["exchange_id"], ["id"])


def _drop_exchange_link(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN exchange_id")
    else:
        op.drop_constraint(f"fk_{table}_exchange_id_exchange", table, type_="foreignkey")
        op.drop_column(table, "exchange_id")


def _carry_fetches_over() -> None:
    """Each fetch of a report page becomes an exchange with what was kept of it: a GET, its status, its
    Content-Type and the body (decoded, as the crawler then kept it); each version points at the last
    200 that brought its bytes. Attachments were not recorded as fetches, so theirs stay unknown."""
    conn = op.get_bind()
    meta = sa.MetaData()
    fetch = sa.Table("fetch", meta, autoload_with=conn)
    exchange = sa.Table("exchange", meta, autoload_with=conn)
    report = sa.Table("report", meta, autoload_with=conn)
    alias = sa.Table("report_url", meta, autoload_with=conn)
    version = sa.Table("report_version", meta, autoload_with=conn)
    by_url = {(r.site_id, r.url): r.id for r in conn.execute(sa.select(report.c.id, report.c.site_id, report.c.url))}
    for r in conn.execute(sa.select(alias.c.report_id, alias.c.site_id, alias.c.url)):
        by_url.setdefault((r.site_id, r.url), r.report_id)
    last = 0
    while True:
        rows = conn.execute(sa.select(fetch).where(fetch.c.id > last).order_by(fetch.c.id).limit(_CHUNK)).all()
        if not rows:
            break
        last = rows[-1].id
        conn.execute(
            exchange.insert(),
            [
                {
                    "crawl_run_id": f.crawl_run_id,
                    "site_id": f.site_id,
                    "report_id": by_url.get((f.site_id, f.url)),
                    "purpose": "report",
                    "method": "GET",
                    "url": f.final_url or f.url,
                    "request_headers": [],
                    "request_body_sha256": None,
                    "status": f.status,
                    "response_headers": [["Content-Type", f.content_type]] if f.content_type else [],
                    "capture_sha256": f.capture_sha256,
                    "content_encoding": None,
                    "fetched_at": f.fetched_at,
                }
                for f in rows
            ],
        )
    latest = (
        sa.select(sa.func.max(exchange.c.id))
        .where(
            exchange.c.report_id == version.c.report_id,
            exchange.c.capture_sha256 == version.c.capture_sha256,
            exchange.c.status == 200,
        )
        .scalar_subquery()
    )
    conn.execute(version.update().values(exchange_id=latest))


def downgrade() -> None:
    for table in ("attachment", "report_version"):
        _drop_exchange_link(table)
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_report_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_crawl_run_id"))
        batch_op.drop_index(batch_op.f("ix_exchange_capture_sha256"))
    op.drop_table("exchange")
