"""The tables, in SQLAlchemy Core, for SQLite and MySQL alike.

Instants are BIGINT microseconds since the Unix epoch (UTC): exact to the
microsecond the exports carry, the same on both databases, and integers read
about twice as fast as DATETIME or strings. Stores get an integer surrogate key
so the big polls table and its index stay narrow.

These are the models; databases are built and upgraded by the revisions in
storemon_core/db/migrations (tests/test_migrations.py checks that both agree).
A change here needs a new revision: see that package's docstring.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

# Store ids are case-sensitive ASCII ("abc" and "ABC" are two stores), so MySQL
# must compare them in binary, not with its default case-insensitive collation.
StoreIdType = String(64).with_variant(
    mysql.VARCHAR(64, charset="ascii", collation="ascii_bin"), "mysql", "mariadb"
)
# Report ids are random tokens in which case matters.
ReportIdType = String(64).with_variant(
    mysql.VARCHAR(64, charset="ascii", collation="ascii_bin"), "mysql", "mariadb"
)
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# Autoincrement keys: BIGINT on MySQL, but SQLite only autoincrements INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

stores = Table(
    "stores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("store_id", StoreIdType, nullable=False, unique=True),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# One row per (store, instant): reloading a file cannot add a poll twice.
polls = Table(
    "polls",
    metadata,
    Column("store_key", Integer, nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    PrimaryKeyConstraint("store_key", "ts", name="pk_polls"),
    # The week's read and newest_poll() scan by instant across all stores; with
    # `active` (and the key, which InnoDB appends) the week is read from the index alone.
    Index("ix_polls_ts", "ts", "active"),
    mysql_engine="InnoDB",
    # Clustered on the key as in InnoDB, so the ts index carries (store_key, ts)
    # and the week is read from it alone instead of one table lookup per poll.
    sqlite_with_rowid=False,
    mysql_charset="utf8mb4",
)

business_hours = Table(
    "business_hours",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store_key", Integer, nullable=False, index=True),
    Column("day_of_week", SmallInteger, nullable=False),
    # Microseconds after local midnight.
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

timezones = Table(
    "timezones",
    metadata,
    Column("store_key", Integer, primary_key=True, autoincrement=False),
    Column("timezone_str", String(64), nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

loads = Table(
    "loads",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loaded_at", BigInteger, nullable=False),
    Column("files", Text, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("polls_read", BigInteger, nullable=False),
    Column("polls_added", BigInteger, nullable=False),
    Column("hours_stores", Integer, nullable=False),
    Column("timezone_stores", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("duration_seconds", Float, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("load_id", BigInteger, nullable=False, index=True),
    Column("file", String(255), nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("row", Text, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

reports = Table(
    "reports",
    metadata,
    Column("id", ReportIdType, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False),
    Column("phase", String(255), nullable=False),
    Column("error", Text, nullable=True),
    Column("requested_at", BigInteger, nullable=False),
    Column("started_at", BigInteger, nullable=True),
    Column("finished_at", BigInteger, nullable=True),
    Column("as_of", BigInteger, nullable=True),
    Column("store_count", Integer, nullable=True),
    Column("duration_seconds", Float, nullable=True),
    # A period report's local dates (null for a standard report).
    Column("period_first", Date, nullable=True),
    Column("period_last", Date, nullable=True),
    # Which process runs it and when it last showed signs of life, so a report
    # orphaned by a dead process can be told apart from one still running.
    Column("owner", String(128), nullable=False),
    Column("heartbeat", BigInteger, nullable=False),
    Index("ix_reports_requested", "requested_at"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# A report's CSVs (kind: csv, extended_csv or daily_csv), each in parts of a few MB
# (part 0, 1, ...): a whole CSV of a fleet's period can exceed what a MySQL server
# takes in one statement. A period report's period CSV is its `csv`.
report_texts = Table(
    "report_texts",
    metadata,
    Column("report_id", ReportIdType, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("body", LongText, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

# Kept day totals (storemon_core.db.day_totals): the engine's numbers per store and
# local date (days since 1970-01-01), brought up to date by every load. The first and
# last in-hours poll of the date are 0 when it has none (polls = 0).
store_days = Table(
    "store_days",
    metadata,
    Column("store_key", Integer, nullable=False),
    Column("local_date", Integer, nullable=False),
    Column("business_us", BigInteger, nullable=False),
    Column("uptime_us", BigInteger, nullable=False),
    Column("downtime_us", BigInteger, nullable=False),
    Column("unobserved_us", BigInteger, nullable=False),
    Column("polls", Integer, nullable=False),
    Column("first_poll_us", BigInteger, nullable=False),
    Column("last_poll_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("store_key", "local_date", name="pk_store_days"),
    # Ranges of dates across the fleet: a load's upkeep, a period's history.
    Index("ix_store_days_date", "local_date"),
    mysql_engine="InnoDB",
    sqlite_with_rowid=False,
    mysql_charset="utf8mb4",
)

DATA_TABLES = (stores, polls, business_hours, timezones, loads, rejected_rows, store_days)
ALL_TABLES = (*DATA_TABLES, reports, report_texts)
