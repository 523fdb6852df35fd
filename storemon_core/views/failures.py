"""Which errors mean "the database cannot be used", said for the person at the page.

The data layer raises `DatabaseUnavailable` for a database it cannot reach; a
driver's own OperationalError (and, while a SQLite file is opened, an OSError for
its folder) means the same and is converted here, so that every page shows which
database, what failed and what to check, never a traceback. The original error
stays chained for the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from storemon_core.db.errors import DatabaseUnavailable, unavailable

T = TypeVar("T")

log = logging.getLogger("storemon.pages")


def database_failure(url: str, error: BaseException) -> DatabaseUnavailable | None:
    """The DatabaseUnavailable that `error` amounts to, or None when it is another fault."""
    if isinstance(error, DatabaseUnavailable):
        return error
    if isinstance(error, OperationalError | InterfaceError):
        return unavailable(url, error)
    return None


def _is_sqlite(url: str) -> bool:
    try:
        return make_url(url).get_backend_name() == "sqlite"
    except ArgumentError:
        return False


def opened(url: str, open_it: Callable[[str], T]) -> T:
    """`open_it(url)`, with the failures of opening a database said as DatabaseUnavailable.

    Opening a SQLite database creates its folder, so there an OSError (no such
    folder, not writable, a file in the way) is the database's fault too.
    """
    try:
        return open_it(url)
    except OSError as error:
        if not _is_sqlite(url):
            raise
        failure = DatabaseUnavailable(
            url, "the SQLite file's folder cannot be created or written",
            "that the folder in DATABASE_URL exists and is writable")
        raise failure from error


def log_failure(failure: DatabaseUnavailable) -> None:
    """The whole story, traceback included, for the server's log only."""
    log.warning("%s", failure, exc_info=failure.__cause__ or failure)
