"""Report CSVs in parts: a table of texts beside `reports`.

A period report's daily CSV of 14,000 stores over 30 days is 23 MB, more than a
MySQL server accepts in one statement by default (max_allowed_packet, 16 MB on
MariaDB), so a report's CSVs are now stored as parts of at most a few MB each,
in `report_texts` (report id, which CSV, part number). The CSV columns of
`reports` move there, each as its part 0.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

# A revision is frozen: the types as they were, not an import of today's schema.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
REPORT_ID = sa.String(64).with_variant(
    mysql.VARCHAR(64, charset="ascii", collation="ascii_bin"), "mysql", "mariadb")
KINDS = ("csv", "extended_csv", "daily_csv")


def upgrade() -> None:
    op.create_table(
        "report_texts",
        sa.Column("report_id", REPORT_ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("body", LONG_TEXT, nullable=False),
        sa.PrimaryKeyConstraint("report_id", "kind", "part"),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    for kind in KINDS:
        op.execute(f"INSERT INTO report_texts (report_id, kind, part, body) "
                   f"SELECT id, '{kind}', 0, {kind} FROM reports WHERE {kind} IS NOT NULL")
    with op.batch_alter_table("reports") as batch:
        for kind in KINDS:
            batch.drop_column(kind)


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        for kind in KINDS:
            batch.add_column(sa.Column(kind, LONG_TEXT, nullable=True))
    conn = op.get_bind()
    texts = sa.table("report_texts", sa.column("report_id"), sa.column("kind"),
                     sa.column("part"), sa.column("body"))
    reports = sa.table("reports", sa.column("id"), *(sa.column(k) for k in KINDS))
    joined: dict[tuple[str, str], list[str]] = {}
    for report_id, kind, body in conn.execute(
            sa.select(texts.c.report_id, texts.c.kind, texts.c.body)
            .order_by(texts.c.report_id, texts.c.kind, texts.c.part)):
        joined.setdefault((report_id, kind), []).append(body)
    for (report_id, kind), parts in joined.items():
        conn.execute(sa.update(reports).where(reports.c.id == report_id)
                     .values({kind: "".join(parts)}))
    op.drop_table("report_texts")
