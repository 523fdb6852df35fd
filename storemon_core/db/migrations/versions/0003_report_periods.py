"""Period reports: a report may be of a period of local dates (first ... last), and
then keeps its daily CSV beside the period CSV (which goes in `csv`).

Both dates are null for a standard (last hour/day/week) report, so every report
stored before this revision stays what it was.

Revision ID: 0003
Revises: 0002
Create Date: 2025-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# A revision is frozen: the type as it was, not an import of today's schema.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("period_first", sa.Date, nullable=True))
        batch.add_column(sa.Column("period_last", sa.Date, nullable=True))
        batch.add_column(sa.Column("daily_csv", LONG_TEXT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("daily_csv")
        batch.drop_column("period_last")
        batch.drop_column("period_first")
