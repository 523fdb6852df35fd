"""SQLAlchemy engines for SQLite (the default) and MySQL/MariaDB, set up for storemon.

SQLite runs in WAL mode, so readers never wait for a writer, and writers take the
write lock up front; MySQL connections are checked before use and recycled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_SECONDS = 60
MYSQL_BACKENDS = ("mysql", "mariadb")


def is_mysql_url(url: str) -> bool:
    return make_url(url).get_backend_name() in MYSQL_BACKENDS


def is_mysql(conn: Connection) -> bool:
    return conn.dialect.name in MYSQL_BACKENDS


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN is unreliable),
        # and use WAL so readers never wait for a writer.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a read transaction upgraded to a write
        # one fails at once under contention instead of waiting its turn.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(url: str, local_infile: bool = False) -> Engine:
    """An engine for `url`; `local_infile` lets MySQL's LOAD DATA LOCAL read this
    client's files (only the loader asks for it)."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    args: dict[str, Any] = {}
    if local_infile and backend in MYSQL_BACKENDS:
        args["local_infile"] = True
    return create_engine(url, pool_pre_ping=True, pool_recycle=3600, connect_args=args)
