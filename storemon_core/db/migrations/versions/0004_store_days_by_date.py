"""Kept day totals by date: an index on store_days(local_date).

A load's upkeep reads the last few kept dates of every store it touches, and a
period's history reads the dates of the period; both are ranges of dates across
the fleet, which the primary key (store, date) cannot serve without a scan.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_store_days_date", "store_days", ["local_date"])


def downgrade() -> None:
    op.drop_index("ix_store_days_date", table_name="store_days")
