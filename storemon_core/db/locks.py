"""Loads and schema upgrades of one database take turns, across processes and hosts.

On MySQL a named server lock (GET_LOCK) is held by the session for the whole
transaction and beyond its commit; on SQLite the write lock (BEGIN IMMEDIATE) is
the turn. A turn not granted within the wait is a clear error, never a half load.
Readers take no turn: they read committed snapshots.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from storemon_core.config import int_setting
from storemon_core.db.engines import SQLITE_BUSY_SECONDS
from storemon_core.db.errors import DatabaseUnavailable
from storemon_core.units import Progress

LOCK_WAIT_ENV = "STOREMON_LOCK_WAIT_SECONDS"
DEFAULT_LOCK_WAIT_SECONDS = 600
# MySQL's limit on a lock name's length.
_LOCK_NAME_CHARS = 64


class TurnNotGranted(DatabaseUnavailable):
    """Another load or upgrade of the database kept it for longer than the wait."""

    def __init__(self, url: str, seconds: int) -> None:
        super().__init__(
            url,
            f"another load or schema upgrade kept the database busy for {seconds} s",
            f"whether another `storemon load` is still running, or raise {LOCK_WAIT_ENV}",
        )


def lock_wait_seconds() -> int:
    return int_setting(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT_SECONDS)


def lock_name(url: str) -> str:
    """The server lock of the database in `url` (server locks are server-wide)."""
    name = f"storemon:{make_url(url).database or ''}"
    if len(name) > _LOCK_NAME_CHARS:
        name = "storemon:" + hashlib.sha256(name.encode()).hexdigest()[:40]
    return name


def _waiting(progress: Progress | None) -> None:
    if progress:
        progress(0.0, "waiting for another load or upgrade of this database to finish")


@contextmanager
def turn(
    engine: Engine,
    url: str,
    thread_lock: threading.Lock,
    progress: Progress | None = None,
) -> Iterator[Connection]:
    """A transaction that no other load or schema upgrade of the database runs beside."""
    wait = lock_wait_seconds()
    if engine.dialect.name == "sqlite":
        with _sqlite_turn(engine, url, thread_lock, wait, progress) as conn:
            yield conn
    else:
        with _mysql_turn(engine, url, wait, progress) as conn:
            yield conn


@contextmanager
def _mysql_turn(
    engine: Engine, url: str, wait: int, progress: Progress | None
) -> Iterator[Connection]:
    name = lock_name(url)
    with engine.connect() as conn:
        granted = conn.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (name,)).scalar()
        if granted != 1:
            _waiting(progress)
            granted = conn.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, wait)).scalar()
        conn.commit()
        if granted != 1:
            raise TurnNotGranted(url, wait)
        try:
            with conn.begin():
                yield conn
        finally:
            try:
                conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))
                conn.commit()
            except DBAPIError:
                # The session is gone, and its lock with it; never pool it again.
                conn.invalidate()


@contextmanager
def _sqlite_turn(
    engine: Engine, url: str, thread_lock: threading.Lock, wait: int, progress: Progress | None
) -> Iterator[Connection]:
    # This process's writers queue on the thread lock; other processes' on the file.
    if not thread_lock.acquire(blocking=False):
        _waiting(progress)
        if not thread_lock.acquire(timeout=wait):
            raise TurnNotGranted(url, wait)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            try:
                transaction = _begin_within(conn, raw, wait, progress)
                if transaction is None:
                    raise TurnNotGranted(url, wait)
                with transaction:
                    yield conn
            finally:
                raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    finally:
        thread_lock.release()


def _begin_within(
    conn: Connection, raw: Any, wait: int, progress: Progress | None
) -> RootTransaction | None:
    """BEGIN IMMEDIATE, waiting at most `wait` seconds; None when not granted."""
    for busy_ms, announce in ((0, False), (wait * 1000, True)):
        if announce:
            _waiting(progress)
        raw.execute(f"PRAGMA busy_timeout={busy_ms}")
        try:
            return conn.begin()
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
    return None
