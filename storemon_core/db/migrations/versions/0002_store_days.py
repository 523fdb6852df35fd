"""Kept day totals: the engine's numbers per store and local date, so that a long
period's history reads them instead of every raw poll.

The table starts empty; the next load computes every store's days (a store
without kept days is computed whole, see storemon_core.db.day_totals), and until
then history computes such stores from their raw polls.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "store_days",
        sa.Column("store_key", sa.Integer, nullable=False),
        sa.Column("local_date", sa.Integer, nullable=False),
        sa.Column("business_us", sa.BigInteger, nullable=False),
        sa.Column("uptime_us", sa.BigInteger, nullable=False),
        sa.Column("downtime_us", sa.BigInteger, nullable=False),
        sa.Column("unobserved_us", sa.BigInteger, nullable=False),
        sa.Column("polls", sa.Integer, nullable=False),
        sa.Column("first_poll_us", sa.BigInteger, nullable=False),
        sa.Column("last_poll_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("store_key", "local_date", name="pk_store_days"),
        sqlite_with_rowid=False,
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )


def downgrade() -> None:
    op.drop_table("store_days")
