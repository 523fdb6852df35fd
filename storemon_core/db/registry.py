"""One Database per URL and process, shared by the app's pages, the API and the service."""

from __future__ import annotations

import threading

from storemon_core.config import database_url
from storemon_core.db.database import Database

_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def open_database(url: str | None = None) -> Database:
    """The process-wide Database for `url` (default: DATABASE_URL), schema ready."""
    resolved = url or database_url()
    with _databases_lock:
        db = _databases.get(resolved)
        if db is None:
            db = Database(resolved)
            db.create_schema()
            _databases[resolved] = db
        return db
