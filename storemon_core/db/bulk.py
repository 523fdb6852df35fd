"""Bulk writes of all-integer frames, the fastest way each database allows.

Three paths: into an empty MariaDB table, one sorted LOAD DATA that builds the
indexes by sorting; otherwise chunked LOAD DATA LOCAL INFILE on MySQL; and
multi-row INSERTs where LOAD DATA is not allowed, and on SQLite.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]
from sqlalchemy import Connection

from storemon_core.db.engines import is_mysql
from storemon_core.units import Progress

# Rows per statement: big enough that round trips do not matter, small enough to
# show progress and keep a MySQL packet under max_allowed_packet.
BATCH_ROWS = 50_000
# Rows per LOAD DATA statement (MySQL), each a progress step.
INFILE_ROWS = 250_000
INFILE_ENV = "STOREMON_LOAD_INFILE"

# On a clash the stored status is ANDed with the new one: inactive wins, as for
# duplicates within one file.
_MYSQL_POLL_CLASH = "ON DUPLICATE KEY UPDATE active = active AND VALUES(active)"
_SQLITE_POLL_CLASH = (
    "ON CONFLICT (store_key, ts) DO UPDATE SET active = polls.active AND excluded.active"
)


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


def write_int_rows(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    progress: Progress | None = None,
    polls_upsert: bool = False,
    known_new: bool = False,
    replace: bool = False,
) -> None:
    """Bulk insert of an all-integer frame.

    `polls_upsert` merges clashing polls (inactive wins); `known_new` says the rows
    were checked to be absent, so on MySQL one LOAD DATA IGNORE takes them all;
    `replace` lets a row replace the stored one with its primary key."""
    total = len(frame)
    if total == 0:
        return

    def report(done: int) -> None:
        if progress:
            progress(done / total, f"{table} {done:,} of {total:,}")

    if not _infile_allowed(conn):
        _insert_rows(conn, table, frame, polls_upsert, report, replace)
    elif known_new and _table_is_empty(conn, table) and sorted_bulk_load(conn):
        if progress:
            progress(0.0, f"{table} {total:,} in one bulk statement, indexes built by sorting")
        _sorted_bulk_write(conn, table, frame)
        report(total)
    elif replace:
        for start, end in chunks(total, INFILE_ROWS):
            _load_infile(conn, table, frame.iloc[start:end], "REPLACE")
            report(end)
    else:
        _infile_rows(conn, table, frame, polls_upsert, known_new, report)


def _infile_allowed(conn: Connection) -> bool:
    # STOREMON_LOAD_INFILE=0 forces plain INSERTs (tests of that path, locked-down servers).
    if not is_mysql(conn) or os.environ.get(INFILE_ENV, "1") == "0":
        return False
    value = conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar()
    return str(value).upper() in ("1", "ON")


def sorted_bulk_load(conn: Connection) -> bool:
    """Whether the server builds the indexes of an empty table by sorting.

    MariaDB does so for a transaction's first insert into an empty InnoDB table
    made with unique and foreign key checks off, as its own importer does; the
    importer turns it on only from 10.11.11, 11.4.5 and 11.7.2 (MDEV-34703)."""
    found = re.match(r"(\d+)\.(\d+)\.(\d+)-MariaDB", str(
        conn.exec_driver_sql("SELECT VERSION()").scalar()))
    if found is None:
        return False
    major, minor, patch = (int(part) for part in found.groups())
    version = (major, minor, patch)
    return version >= (11, 7, 2) or (11, 4, 5) <= version < (11, 5, 0) or (
        10, 11, 11) <= version < (10, 12, 0)


def _table_is_empty(conn: Connection, table: str) -> bool:
    return conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first() is None


def _raw_execute(conn: Connection, sql: str, params: tuple[Any, ...] | None = None) -> None:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor: Any = raw.cursor()
    try:
        cursor.execute(sql, params)
    finally:
        cursor.close()


def _sorted_bulk_write(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """A first load: one statement, so that the server sorts the rows into both
    indexes instead of inserting each into the ts index at random (measured: half
    the time). Only the table's emptiness is undone on rollback, which is all
    there was."""
    checks = conn.exec_driver_sql(
        "SELECT @@SESSION.unique_checks, @@SESSION.foreign_key_checks").one()
    _raw_execute(conn, "SET SESSION unique_checks = 0, foreign_key_checks = 0")
    try:
        _load_infile(conn, table, frame, "IGNORE")
    finally:
        _raw_execute(conn, "SET SESSION unique_checks = %s, foreign_key_checks = %s",
                     (int(checks[0]), int(checks[1])))


def _infile_rows(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    polls_upsert: bool,
    known_new: bool,
    report: Callable[[int], None],
) -> None:
    if polls_upsert and known_new:
        parts = [(frame, "IGNORE")]
    elif polls_upsert:
        # active AND stored = stored for an active poll (IGNORE) and inactive
        # for an inactive one (REPLACE): the same result as the upsert.
        parts = [
            (frame[frame["active"].astype(bool)], "IGNORE"),
            (frame[~frame["active"].astype(bool)], "REPLACE"),
        ]
    else:
        parts = [(frame, "")]
    done = 0
    for part, how in parts:
        for start, end in chunks(len(part), INFILE_ROWS):
            _load_infile(conn, table, part.iloc[start:end], how)
            done += end - start
            report(done)


def _load_infile(conn: Connection, table: str, frame: pd.DataFrame, how: str = "") -> None:
    """LOAD DATA LOCAL INFILE of integer columns: several times faster than
    multi-row INSERTs. `how` is "", "IGNORE" (keep a stored row) or "REPLACE".

    The rows go through a temporary file without a name (unlinked at once, or
    never linked), which the driver opens again by its descriptor: a process
    killed at any point leaves nothing behind."""
    arrow = pa.table({c: pa.array(frame[c].to_numpy().astype(np.int64)) for c in frame.columns})
    with tempfile.TemporaryFile(prefix="storemon_", suffix=".tsv") as rows:
        pacsv.write_csv(arrow, rows, pacsv.WriteOptions(include_header=False, delimiter="\t"))
        rows.flush()
        # Where /dev/fd duplicates the descriptor instead of opening the file anew,
        # the driver reads from the current offset.
        rows.seek(0)
        columns = ", ".join(frame.columns)
        _raw_execute(
            conn,
            f"LOAD DATA LOCAL INFILE %s {how} INTO TABLE {table} "
            f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({columns})",
            (f"/dev/fd/{rows.fileno()}",),
        )


def _insert_rows(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    polls_upsert: bool,
    report: Callable[[int], None],
    replace: bool = False,
) -> None:
    mysql = is_mysql(conn)
    suffix = ""
    if polls_upsert:
        suffix = _MYSQL_POLL_CLASH if mysql else _SQLITE_POLL_CLASH
    verb = ("REPLACE" if mysql else "INSERT OR REPLACE") if replace else "INSERT"
    for start, end in chunks(len(frame), BATCH_ROWS):
        if mysql:
            _insert_int_values(conn, table, frame.iloc[start:end], suffix, verb)
        else:
            _sqlite_insert(conn, table, frame.iloc[start:end], suffix, verb)
        report(end)


def _insert_int_values(conn: Connection, table: str, frame: pd.DataFrame, suffix: str,
                       verb: str = "INSERT") -> None:
    """A multi-row INSERT of integer columns spelled out as literals: integers need
    no escaping, and pymysql's per-value escaping is what makes executemany slow."""
    columns = ", ".join(frame.columns)
    arrays = [frame[c].to_numpy().astype(np.int64).astype(str) for c in frame.columns]
    rows = arrays[0]
    for more in arrays[1:]:
        rows = np.char.add(np.char.add(rows, ","), more)
    values = "),(".join(rows.tolist())
    conn.exec_driver_sql(f"{verb} INTO {table} ({columns}) VALUES ({values}) {suffix}")


def _sqlite_insert(conn: Connection, table: str, frame: pd.DataFrame, suffix: str,
                   verb: str = "INSERT") -> None:
    columns = ", ".join(frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    rows = list(
        zip(*(frame[c].to_numpy().astype(np.int64).tolist() for c in frame.columns), strict=True)
    )
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor: Any = raw.cursor()
    try:
        cursor.executemany(f"{verb} INTO {table} ({columns}) VALUES ({marks}) {suffix}", rows)
    finally:
        cursor.close()
