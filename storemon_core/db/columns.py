"""Bulk reads as numpy columns: the week of polls, hours, zones, store names.

On MySQL, connectorx streams rows straight into Arrow (measured in
bench/database.py: many times faster than pymysql building Python tuples);
on SQLite, or when connectorx cannot connect, rows come through the SQLAlchemy
connection. Keys and instants are integers, which read fastest.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

Columns = dict[str, np.ndarray]

# Queries read_each runs at once: connectorx decodes outside Python's lock, and
# one query keeps one server core busy, so two of them halve a read on 2 cores.
READERS = 2

# STOREMON_DB_READER=driver forces the SQLAlchemy driver, =connectorx forbids the
# fallback (benchmarks, debugging); the default picks connectorx where it applies.
READER_ENV = "STOREMON_DB_READER"


def connectorx_url(url: str) -> str | None:
    """The connectorx form of a MySQL SQLAlchemy URL (mysql://...), else None.

    Not for SQLite: connectorx does not see what is still in the write-ahead log."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("mysql", "mariadb"):
        return None
    plain = parsed.set(drivername="mysql", query={})
    return plain.render_as_string(hide_password=False)


def read_with_connectorx(url: str, sql: str, names: list[str]) -> Columns:
    import connectorx as cx

    cx_url = connectorx_url(url)
    if cx_url is None:
        raise ValueError("connectorx is used for MySQL only")
    table: Any = cx.read_sql(cx_url, sql, return_type="arrow")
    return {name: np.asarray(table.column(name).to_numpy(zero_copy_only=False)) for name in names}


def read_with_driver(conn: Connection, sql: str, names: list[str]) -> Columns:
    # The DBAPI cursor's plain tuples transpose much faster than SQLAlchemy rows.
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor: Any = raw.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return {name: np.empty(0, dtype=object) for name in names}
    if all(isinstance(v, int) for v in rows[0]):
        # All-integer rows (polls): one 2-D conversion beats transposing tuples.
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            table = np.array(rows, dtype=np.int64)
            return {name: table[:, i] for i, name in enumerate(names)}
    columns = list(zip(*rows, strict=True))
    return {name: np.array(columns[i]) for i, name in enumerate(names)}


def _by_connectorx(url: str, small: bool) -> bool:
    """Whether connectorx reads a query (STOREMON_DB_READER, and read_columns' `small`)."""
    choice = os.environ.get(READER_ENV, "auto")
    return choice != "driver" and connectorx_url(url) is not None and (
        not small or choice == "connectorx")


def _after_connectorx_failed(error: Exception, conn: Connection, sql: str,
                             names: list[str]) -> Columns:
    if os.environ.get(READER_ENV, "auto") == "connectorx":
        raise error
    # A server or URL connectorx cannot handle still works through the driver.
    return read_with_driver(conn, sql, names)


def read_columns(url: str, conn: Connection, sql: str, names: list[str],
                 small: bool = False) -> Columns:
    """Run `sql` (built from literal integers only, never user text) and return its
    columns `names` as arrays. `conn` serves the driver path.

    `small` says the answer is a few thousand rows: then the open connection reads
    it, as connectorx's own connection and schema query cost tens of milliseconds
    a call, which a load's upkeep of day totals would pay dozens of times."""
    if _by_connectorx(url, small):
        try:
            return read_with_connectorx(url, sql, names)
        except Exception as error:
            return _after_connectorx_failed(error, conn, sql, names)
    return read_with_driver(conn, sql, names)


def read_each(url: str, conn: Connection, queries: list[tuple[str, bool]],
              names: list[str]) -> list[Columns]:
    """read_columns for each (sql, small) of `queries`, in their order: the ones
    connectorx reads run READERS at a time, while this thread reads the others
    through `conn`, which no other thread may use. Every answer is held until the
    last one is read: for reads of one result split in parts."""
    pooled = [i for i, (_, small) in enumerate(queries) if _by_connectorx(url, small)]
    if len(pooled) < 2:
        return [read_columns(url, conn, sql, names, small) for sql, small in queries]
    done: dict[int, Columns] = {}
    with ThreadPoolExecutor(READERS) as pool:
        running = {i: pool.submit(read_with_connectorx, url, queries[i][0], names)
                   for i in pooled}
        for i, (sql, small) in enumerate(queries):
            if i not in running:
                done[i] = read_columns(url, conn, sql, names, small)
        for i, future in running.items():
            try:
                done[i] = future.result()
            except Exception as error:
                done[i] = _after_connectorx_failed(error, conn, queries[i][0], names)
    return [done[i] for i in range(len(queries))]


def int_column(columns: Columns, name: str) -> np.ndarray:
    return np.asarray(columns[name], dtype=np.int64)


def bool_column(columns: Columns, name: str) -> np.ndarray:
    values = np.asarray(columns[name])
    if values.dtype == object:  # Python ints or bools from the driver
        values = values.astype(np.int64)
    flags: np.ndarray = values != 0
    return flags
