"""Why a request or a report failed, said for people.

A database that cannot be used becomes DatabaseUnavailable (which database, what
failed, what to check); anything unexpected a sentence. The driver's own error
stays chained to it, for the server's log.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

from storemon_core.db import Database
from storemon_core.db.errors import DatabaseUnavailable, unavailable
from storemon_core.instants import InstantError

P = ParamSpec("P")
T = TypeVar("T")


class NothingToReport(ValueError):
    """A report that cannot start from what the database holds; str() says why."""


class UsesDatabase(Protocol):
    db: Database


S = TypeVar("S", bound=UsesDatabase)


def _connection_errors(db: Database) -> tuple[type[BaseException], ...]:
    """What SQLAlchemy and the driver raise when the server cannot be used (down,
    refused, lost); raw driver errors come from reads on the driver's own cursor."""
    dbapi = db.engine.dialect.loaded_dbapi
    return (OperationalError, InterfaceError, dbapi.OperationalError, dbapi.InterfaceError)


def database_unavailable(db: Database, exc: BaseException) -> DatabaseUnavailable | None:
    """`exc` as DatabaseUnavailable when the connection failed, else None.

    The error that happened first tells why: a lost connection is usually followed,
    while unwinding, by a bare error of the rollback on that same dead connection."""
    kinds = _connection_errors(db)
    first: BaseException | None = None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kinds):
            first = current
        current = current.__cause__ or current.__context__
    return None if first is None else unavailable(db.url, first)


def database_errors(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """A method of an object with a `db` that raises DatabaseUnavailable, chained to
    the driver's error, when the connection fails."""

    @functools.wraps(method)
    def guarded(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            failure = database_unavailable(self.db, exc)
            if failure is None or not isinstance(exc, _connection_errors(self.db)):
                raise
            raise failure from exc

    return guarded


def failure_reason(exc: Exception, db: Database) -> str:
    """Why a report failed, for the person who asked for it."""
    if isinstance(exc, InstantError | NothingToReport | DatabaseUnavailable):
        return str(exc)
    failure = database_unavailable(db, exc)
    if failure is not None:
        return str(failure)
    return (f"The report could not be computed ({type(exc).__name__}: {exc}). "
            "The server's log has the details.")
