"""Administration: creating the MySQL database itself, upgrading a schema on demand."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from storemon_core.db.database import Database
from storemon_core.db.engines import MYSQL_BACKENDS
from storemon_core.db.errors import reaching
from storemon_core.db.migrate import SchemaUpgrade


def create_database_if_missing(url: str) -> bool:
    """Create the MySQL database named in `url` when the server lacks it (SQLite
    files are created on first use). Returns whether it was created."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in MYSQL_BACKENDS or not parsed.database:
        return False
    with reaching(url):
        return _create_if_missing(url, parsed.database)


def _create_if_missing(url: str, database: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect():
            return False
    except Exception as exc:
        # 1049: unknown database. Anything else (no server, bad password) is re-raised.
        if "1049" not in str(exc):
            raise
    finally:
        engine.dispose()
    server = create_engine(make_url(url).set(database=""))
    try:
        with server.connect() as conn:
            name = database.replace("`", "``")
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    finally:
        server.dispose()
    return True


def upgrade_database(url: str | None = None) -> SchemaUpgrade:
    """Bring the schema of the database at `url` (default: DATABASE_URL) up to
    date now, in turn with loads, and say what was done (`storemon db upgrade`)."""
    db = Database(url)
    try:
        return db.upgrade_schema()
    finally:
        db.dispose()
