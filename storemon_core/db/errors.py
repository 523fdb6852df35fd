"""A database that cannot be reached, said so that an operator knows what to check.

Drivers' exceptions carry stack frames, SQL and installation paths; a person at the
CLI or in the dashboard gets which database, what failed and what to look at,
while the original exception stays attached (``__cause__``) for the server's log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import InterfaceError, OperationalError

from storemon_core.config import describe


class DatabaseUnavailable(RuntimeError):
    """The database named by a URL could not be used; str() is for people."""

    def __init__(self, url: str, what: str, check: str) -> None:
        self.database = describe(url)
        self.what = what
        self.check = check
        super().__init__(f"{self.database}: {what}. Check {check}.")


# (MySQL error codes, words of the driver's message, what failed, what to check):
# the first match wins.
_HINTS: tuple[tuple[tuple[int, ...], tuple[str, ...], str, str], ...] = (
    ((1045,), ("access denied",),
     "the server refused the user name or password", "the user and password in DATABASE_URL"),
    ((1049,), ("unknown database",),
     "the server has no such database",
     "the database name in DATABASE_URL, or load data first with `storemon load`"),
    ((2003, 2005), ("can't connect", "connection refused", "unknown server host"),
     "no server answered", "that the server is running and DATABASE_URL's host and port"),
    ((1021, 1114), ("database or disk is full", "no space left", "disk full"),
     "the disk that holds the database is full; nothing of the failed write was kept",
     "the free space where the database lives"),
    ((), ("disk i/o error", "file too large"),
     "the SQLite file could not be written; nothing of the failed write was kept",
     "the disk and the file size limits where the SQLite file lives"),
    ((), ("unable to open database file", "readonly", "permission denied", "file exists",
          "not a directory"),
     "the SQLite file cannot be opened or written", "that its folder exists and is writable"),
    ((1205,), ("database is locked", "lock wait timeout"),
     "another writer kept the database locked for too long",
     "whether another `storemon load` is still running"),
    ((1927, 2006, 2013), ("lost connection", "gone away", "connection was killed"),
     "the connection to the server was lost", "the server's log and network"),
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and the ones it happened during (its causes), each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _driver_code(error: BaseException) -> tuple[BaseException, int | None]:
    # The driver's own error, not SQLAlchemy's wrapper: that one quotes the SQL,
    # whose numbers and words must not pick the hint.
    driver: BaseException = getattr(error, "orig", None) or error
    args = driver.args
    return driver, args[0] if args and isinstance(args[0], int) else None


def _hint(error: BaseException) -> tuple[str, str]:
    # A failure often ends in a bare error of the clean-up it caused (a rollback on a
    # dead connection answers InterfaceError(0, '')): the errors it happened during
    # say what went wrong first.
    for current in _chain(error):
        found = _own_hint(current)
        if found is not None:
            return found
    return ("the database could not be used", "the server's log")


def _own_hint(error: BaseException) -> tuple[str, str] | None:
    driver, code = _driver_code(error)
    args = driver.args
    message = str(args[1] if code is not None and len(args) > 1 else driver).lower()
    for codes, words, what, check in _HINTS:
        if code in codes or any(word in message for word in words):
            return what, check
    return None


def deadlocked(error: BaseException) -> bool:
    """Whether a failure was the server undoing one of two transactions that waited on
    each other (MySQL 1213): the undone one may simply be run again."""
    return any(_driver_code(current)[1] == 1213 for current in _chain(error))


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    """A DatabaseUnavailable for a driver error, chained to it."""
    what, check = _hint(error)
    failure = DatabaseUnavailable(url, what, check)
    failure.__cause__ = error
    return failure


@contextmanager
def reaching(url: str, driver_errors: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn a failure to reach or use the database into DatabaseUnavailable.

    `driver_errors` are the DBAPI's own classes, raised where storemon talks to
    the driver's cursor directly (bulk writes) instead of through SQLAlchemy."""
    caught: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, *driver_errors)
    try:
        yield
    except caught as exc:
        raise unavailable(url, exc) from exc
