"""The first schema: stores, polls, business hours, time zones, loads, rejected rows
and reports, as storemon created them before it had migrations.

Revision ID: 0001
Revises:
Create Date: 2025-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# A revision is frozen: these are the types as they were, not imports of today's schema.
STORE_ID = sa.String(64).with_variant(
    mysql.VARCHAR(64, charset="ascii", collation="ascii_bin"), "mysql", "mariadb"
)
REPORT_ID = STORE_ID
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INNODB: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def upgrade() -> None:
    # Databases made before migrations hold some or all of these tables already
    # (create_all, possibly cut short): only the missing ones are created, so such
    # a database is taken as being at this revision.
    present = set(sa.inspect(op.get_bind()).get_table_names())

    if "stores" not in present:
        op.create_table(
            "stores",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("store_id", STORE_ID, nullable=False, unique=True),
            **INNODB,
        )
    if "polls" not in present:
        op.create_table(
            "polls",
            sa.Column("store_key", sa.Integer, nullable=False),
            sa.Column("ts", sa.BigInteger, nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.PrimaryKeyConstraint("store_key", "ts", name="pk_polls"),
            sqlite_with_rowid=False,
            **INNODB,
        )
        op.create_index("ix_polls_ts", "polls", ["ts", "active"])
    if "business_hours" not in present:
        op.create_table(
            "business_hours",
            sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
            sa.Column("store_key", sa.Integer, nullable=False),
            sa.Column("day_of_week", sa.SmallInteger, nullable=False),
            sa.Column("start_us", sa.BigInteger, nullable=False),
            sa.Column("end_us", sa.BigInteger, nullable=False),
            **INNODB,
        )
        op.create_index("ix_business_hours_store_key", "business_hours", ["store_key"])
    if "timezones" not in present:
        op.create_table(
            "timezones",
            sa.Column("store_key", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("timezone_str", sa.String(64), nullable=False),
            **INNODB,
        )
    if "loads" not in present:
        op.create_table(
            "loads",
            sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
            sa.Column("loaded_at", sa.BigInteger, nullable=False),
            sa.Column("files", sa.Text, nullable=False),
            sa.Column("mode", sa.String(16), nullable=False),
            sa.Column("polls_read", sa.BigInteger, nullable=False),
            sa.Column("polls_added", sa.BigInteger, nullable=False),
            sa.Column("hours_stores", sa.Integer, nullable=False),
            sa.Column("timezone_stores", sa.Integer, nullable=False),
            sa.Column("rejected", sa.Integer, nullable=False),
            sa.Column("duration_seconds", sa.Float, nullable=False),
            **INNODB,
        )
    if "rejected_rows" not in present:
        op.create_table(
            "rejected_rows",
            sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
            sa.Column("load_id", sa.BigInteger, nullable=False),
            sa.Column("file", sa.String(255), nullable=False),
            sa.Column("line", sa.BigInteger, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("row", sa.Text, nullable=False),
            **INNODB,
        )
        op.create_index("ix_rejected_rows_load_id", "rejected_rows", ["load_id"])
    if "reports" not in present:
        op.create_table(
            "reports",
            sa.Column("id", REPORT_ID, primary_key=True),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("progress", sa.Float, nullable=False),
            sa.Column("phase", sa.String(255), nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("requested_at", sa.BigInteger, nullable=False),
            sa.Column("started_at", sa.BigInteger, nullable=True),
            sa.Column("finished_at", sa.BigInteger, nullable=True),
            sa.Column("as_of", sa.BigInteger, nullable=True),
            sa.Column("store_count", sa.Integer, nullable=True),
            sa.Column("duration_seconds", sa.Float, nullable=True),
            sa.Column("csv", LONG_TEXT, nullable=True),
            sa.Column("extended_csv", LONG_TEXT, nullable=True),
            sa.Column("owner", sa.String(128), nullable=False),
            sa.Column("heartbeat", sa.BigInteger, nullable=False),
            **INNODB,
        )
        op.create_index("ix_reports_requested", "reports", ["requested_at"])


def downgrade() -> None:
    for table in ("reports", "rejected_rows", "loads", "timezones", "business_hours",
                  "polls", "stores"):
        op.drop_table(table)
