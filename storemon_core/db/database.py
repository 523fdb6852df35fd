"""One data layer for SQLite (the default) and MySQL: load exports, read frames.

Reads give exactly the frames the CSV loader makes, so the engine cannot tell
where its inputs came from.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from storemon_core.config import database_url, describe, redact
from storemon_core.db.columns import Columns, bool_column, int_column, read_columns
from storemon_core.db.loads import KEY_CHUNK, LoadStats, is_mysql, load_inputs
from storemon_core.db.schema import (
    business_hours,
    create_schema,
    loads,
    polls,
    rejected_rows,
    stores,
    timezones,
)
from storemon_core.frames import (
    Inputs,
    empty_polls,
    empty_rejected,
)
from storemon_core.units import US_PER_WEEK, Progress

# Reads of one report's inputs, when loads keep committing in between.
READ_ATTEMPTS = 3
SQLITE_BUSY_SECONDS = 60
_EPOCH = pd.Timestamp(0, tz="UTC")


@dataclass
class DataSummary:
    """What the database holds, for the dashboard's header."""

    database: str  # which database, without the password
    stores: int  # stores with at least one poll
    polls: int
    oldest_poll: pd.Timestamp | None
    newest_poll: pd.Timestamp | None
    business_hours_rows: int
    timezone_rows: int
    stores_without_hours: int  # polled stores open 24/7 for want of rows
    stores_without_zone: int  # polled stores read in the default zone
    rejected_rows: int
    loads: int
    last_load_at: pd.Timestamp | None


def us_to_timestamp(value: int | None) -> pd.Timestamp | None:
    if value is None:
        return None
    return pd.Timestamp(int(value), unit="us", tz="UTC")


def timestamp_to_us(value: Any) -> int:
    """Microseconds since the epoch of a timestamp; naive means UTC."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    # Timestamp.value is nanoseconds whatever the unit; count microseconds instead.
    return int((ts - _EPOCH) // pd.Timedelta(microseconds=1))


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


def _make_engine(url: str, local_infile: bool = False) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    args: dict[str, Any] = {}
    if local_infile and backend in ("mysql", "mariadb"):
        args["local_infile"] = True
    return create_engine(url, pool_pre_ping=True, pool_recycle=3600, connect_args=args)


class Database:
    """A storemon database at `url` (an SQLAlchemy URL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = _make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock()
        self._load_engine: Engine | None = None
        self._schema_ready = False

    # ------------------------------------------------------------------ plumbing

    @property
    def label(self) -> str:
        """Which database this is, safe to show (no password)."""
        return describe(self.url)

    @property
    def redacted_url(self) -> str:
        return redact(self.url)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction. SQLite allows one writer at a time, so writers of
        this process queue on a lock instead of spinning on the busy timeout."""
        if self.is_sqlite:
            with self._write_lock, self.engine.connect() as conn:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        else:
            with self.engine.begin() as conn:
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def create_schema(self) -> None:
        if not self._schema_ready:
            create_schema(self.engine)
            self._schema_ready = True

    def dispose(self) -> None:
        self.engine.dispose()
        if self._load_engine is not None:
            self._load_engine.dispose()

    # ------------------------------------------------------------------ loading

    def load(
        self,
        inputs: Inputs,
        progress: Progress | None = None,
        files: str = "",
        mode: str = "load",
    ) -> LoadStats:
        """Write loaded exports in one transaction (see storemon_core.db.loads)."""
        self.create_schema()
        if self.is_sqlite:
            with self.write() as conn:
                return load_inputs(self.url, conn, inputs, files, mode, progress)
        # Only the loader accepts the server's LOAD DATA LOCAL requests.
        if self._load_engine is None:
            self._load_engine = _make_engine(self.url, local_infile=True)
        with self._load_engine.begin() as conn:
            return load_inputs(self.url, conn, inputs, files, mode, progress)

    # ------------------------------------------------------------------ reading

    def newest_poll(self) -> pd.Timestamp | None:
        self.create_schema()
        with self.read() as conn:
            value = conn.execute(select(func.max(polls.c.ts))).scalar()
        return us_to_timestamp(value)

    def has_polls(self) -> bool:
        self.create_schema()
        with self.read() as conn:
            return conn.execute(select(polls.c.ts).limit(1)).first() is not None

    def read_inputs(self, as_of: Any = None, categorical_ids: bool = True) -> Inputs:
        """Polls of [as_of - 7 days, as_of] plus the newest earlier poll of every
        store with none in that week (so it is reported, with zeros), all business
        hours and time zones. `as_of` defaults to the newest poll.

        The frames are the CSV loader's: the polls' store_id is a categorical of
        str, as the engine reads it fastest; categorical_ids=False gives plain str."""
        self.create_schema()
        as_of_us = timestamp_to_us(as_of) if as_of is not None else None
        if as_of_us is None:
            newest = self.newest_poll()
            if newest is None:
                return Inputs()
            as_of_us = timestamp_to_us(newest)
        # The reads are separate queries (connectorx opens its own connections), so
        # a load committing between them would mix two states: read again then.
        for _ in range(READ_ATTEMPTS - 1):
            version = self.data_version()
            inputs = self._read_inputs_at(as_of_us, categorical_ids)
            if self.data_version() == version:
                return inputs
        return self._read_inputs_at(as_of_us, categorical_ids)

    def _read_inputs_at(self, as_of_us: int, categorical_ids: bool) -> Inputs:
        start_us = as_of_us - US_PER_WEEK
        url = self.url
        with self.read() as conn:
            # One query after the other: the week's read keeps both cores busy
            # (server and decoding), so the small reads gain nothing beside it.
            week = _week_polls(url, conn, start_us, as_of_us)
            names = _store_names(url, conn)
            hours = _hours_frame(url, conn, None)
            zones = _zones_frame(url, conn, None)
            older = _quiet_stores_newest(url, conn, _quiet_keys(names, week[0]), start_us)
        keys = np.concatenate([week[0], older[0]])
        times = np.concatenate([week[1], older[1]])
        active = np.concatenate([week[2], older[2]])
        return Inputs(
            polls=_polls_frame(keys, times, active, names, categorical_ids),
            business_hours=_named(hours, names),
            timezones=_named(zones, names),
        )

    def store_inputs(self, store_id: str, as_of: Any = None) -> Inputs:
        """read_inputs for one store: what its timeline needs."""
        self.create_schema()
        with self.read() as conn:
            key = conn.execute(select(stores.c.id).where(stores.c.store_id == store_id)).scalar()
            if key is None:
                return Inputs()
            key = int(key)
            if as_of is None:
                top = conn.execute(select(func.max(polls.c.ts))).scalar()
                if top is None:
                    return Inputs()
                as_of_us = int(top)
            else:
                as_of_us = timestamp_to_us(as_of)
            start_us = as_of_us - US_PER_WEEK
            rows = conn.execute(
                select(polls.c.ts, polls.c.active)
                .where(polls.c.store_key == key, polls.c.ts >= start_us, polls.c.ts <= as_of_us)
                .order_by(polls.c.ts)
            ).all()
            if not rows:
                rows = conn.execute(
                    select(polls.c.ts, polls.c.active)
                    .where(polls.c.store_key == key, polls.c.ts <= as_of_us)
                    .order_by(polls.c.ts.desc())
                    .limit(1)
                ).all()
            hours = _hours_frame(self.url, conn, key)
            zones = _zones_frame(self.url, conn, key)
        names = {key: store_id}
        times = np.array([r[0] for r in rows], dtype=np.int64)
        active = np.array([bool(r[1]) for r in rows], dtype=bool)
        return Inputs(
            polls=_polls_frame(
                np.full(len(rows), key, dtype=np.int64), times, active, names, categorical=True
            ),
            business_hours=_named(hours, names),
            timezones=_named(zones, names),
        )

    def summary(self) -> DataSummary:
        self.create_schema()
        with self.read() as conn:

            def count(table: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

            oldest, newest = conn.execute(select(func.min(polls.c.ts), func.max(polls.c.ts))).one()
            polled_stores = conn.execute(
                select(func.count()).select_from(
                    select(stores.c.id)
                    .where(select(polls.c.ts).where(polls.c.store_key == stores.c.id).exists())
                    .subquery()
                )
            ).scalar_one()
            last_load = conn.execute(select(func.max(loads.c.loaded_at))).scalar()

            def polled_without(table: Any) -> int:
                lacking = (
                    select(stores.c.id)
                    .where(select(polls.c.ts).where(polls.c.store_key == stores.c.id).exists())
                    .where(~select(table.c.store_key)
                           .where(table.c.store_key == stores.c.id).exists())
                )
                return int(conn.execute(
                    select(func.count()).select_from(lacking.subquery())).scalar_one())
            return DataSummary(
                database=self.label,
                stores=int(polled_stores),
                polls=count(polls),
                oldest_poll=us_to_timestamp(oldest),
                newest_poll=us_to_timestamp(newest),
                business_hours_rows=count(business_hours),
                timezone_rows=count(timezones),
                stores_without_hours=polled_without(business_hours),
                stores_without_zone=polled_without(timezones),
                rejected_rows=count(rejected_rows),
                loads=count(loads),
                last_load_at=us_to_timestamp(last_load),
            )

    def rejected_rows(self, limit: int = 1000) -> pd.DataFrame:
        """Rejected input rows, newest load first: load_id, file, line, reason, row."""
        self.create_schema()
        with self.read() as conn:
            rows = conn.execute(
                select(
                    rejected_rows.c.load_id,
                    rejected_rows.c.file,
                    rejected_rows.c.line,
                    rejected_rows.c.reason,
                    rejected_rows.c.row,
                )
                .order_by(rejected_rows.c.load_id.desc(), rejected_rows.c.id)
                .limit(limit)
            ).all()
        frame = empty_rejected()
        frame.insert(0, "load_id", pd.Series([], dtype="int64"))
        if not rows:
            return frame
        return pd.DataFrame(
            {
                "load_id": pd.Series([int(r[0]) for r in rows], dtype="int64"),
                "file": pd.Series([r[1] for r in rows], dtype=object),
                "line": pd.Series([int(r[2]) for r in rows], dtype="int64"),
                "reason": pd.Series([r[3] for r in rows], dtype=object),
                "row": pd.Series([r[4] for r in rows], dtype=object),
            }
        )

    def search_store_ids(self, fragment: str, limit: int = 50) -> list[str]:
        """Ids of polled stores containing `fragment` (any case), in text order."""
        self.create_schema()
        escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.read() as conn:
            rows = conn.execute(
                select(stores.c.store_id)
                .where(
                    func.lower(stores.c.store_id).like(f"%{escaped}%", escape="\\"),
                    select(polls.c.ts).where(polls.c.store_key == stores.c.id).exists(),
                )
                .order_by(stores.c.store_id)
                .limit(limit)
            ).all()
        return sorted(str(r[0]) for r in rows)

    def data_version(self) -> str:
        """Changes whenever a load commits: a cache key for anything derived."""
        self.create_schema()
        with self.read() as conn:
            last = conn.execute(select(func.max(loads.c.id))).scalar()
        return f"{self.redacted_url}#{last or 0}"

    def clear(self) -> None:
        """Empty every table (tests, and starting over)."""
        from storemon_core.db.schema import ALL_TABLES

        self.create_schema()
        with self.write() as conn:
            if self.is_sqlite:
                for table in reversed(ALL_TABLES):
                    conn.execute(table.delete())
                return
            # TRUNCATE leaves a table truly empty, so the next load takes the sorted
            # bulk path; it commits by itself, so this is table by table on MySQL.
            # A session holding a table waits at most a bounded time, then fails.
            conn.exec_driver_sql("SET SESSION lock_wait_timeout = 30")
            for table in reversed(ALL_TABLES):
                conn.exec_driver_sql(f"TRUNCATE TABLE {table.name}")


# ---------------------------------------------------------------------- queries
# Plain SQL with literal integers only, so the same text can go to connectorx.

PollArrays = tuple[np.ndarray, np.ndarray, np.ndarray]
_POLL_NAMES = ["store_key", "ts", "active"]


def _poll_arrays(columns: Columns) -> PollArrays:
    return (
        int_column(columns, "store_key"),
        int_column(columns, "ts"),
        bool_column(columns, "active"),
    )


def _store_names(url: str, conn: Connection) -> dict[int, str]:
    cols = read_columns(url, conn, "SELECT id, store_id FROM stores", ["id", "store_id"])
    return dict(zip(int_column(cols, "id").tolist(), map(str, cols["store_id"]), strict=True))


def _week_polls(url: str, conn: Connection, start_us: int, as_of_us: int) -> PollArrays:
    sql = (
        "SELECT store_key, ts, active FROM polls "
        f"WHERE ts >= {int(start_us)} AND ts <= {int(as_of_us)}"
    )
    return _poll_arrays(read_columns(url, conn, sql, _POLL_NAMES))


def _quiet_keys(names: dict[int, str], week_keys: np.ndarray) -> np.ndarray:
    """Keys of the stores without a poll in the window."""
    every = np.fromiter(names, dtype=np.int64, count=len(names))
    if len(week_keys) == 0 or len(every) == 0:
        return every
    polled = np.bincount(week_keys, minlength=int(every.max()) + 1) > 0
    quiet: np.ndarray = every[~polled[every]]
    return quiet


def _quiet_stores_newest(
    url: str, conn: Connection, quiet_keys: np.ndarray, start_us: int
) -> PollArrays:
    """The newest poll before the window of each store with none in it.

    Asked only for the few stores the week's read did not see: a per-store MAX
    over the whole table costs as much as reading the week itself."""
    parts: list[PollArrays] = []
    for first in range(0, len(quiet_keys), KEY_CHUNK):
        keys = ",".join(str(int(k)) for k in quiet_keys[first:first + KEY_CHUNK])
        sql = (
            "SELECT p.store_key, p.ts, p.active FROM polls p JOIN ("
            f"SELECT store_key, MAX(ts) AS newest FROM polls "
            f"WHERE store_key IN ({keys}) AND ts < {int(start_us)} GROUP BY store_key"
            ") o ON p.store_key = o.store_key AND p.ts = o.newest"
        )
        parts.append(_poll_arrays(read_columns(url, conn, sql, _POLL_NAMES)))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=bool)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _hours_frame(url: str, conn: Connection, key: int | None) -> pd.DataFrame:
    where = f" WHERE store_key = {int(key)}" if key is not None else ""
    sql = f"SELECT store_key, day_of_week, start_us, end_us FROM business_hours{where} ORDER BY id"
    cols = read_columns(url, conn, sql, ["store_key", "day_of_week", "start_us", "end_us"])
    return pd.DataFrame(
        {
            "store_key": int_column(cols, "store_key"),
            "day_of_week": int_column(cols, "day_of_week").astype("int8"),
            "start_time_local": int_column(cols, "start_us").astype("timedelta64[us]"),
            "end_time_local": int_column(cols, "end_us").astype("timedelta64[us]"),
        }
    )


def _zones_frame(url: str, conn: Connection, key: int | None) -> pd.DataFrame:
    where = f" WHERE store_key = {int(key)}" if key is not None else ""
    sql = f"SELECT store_key, timezone_str FROM timezones{where} ORDER BY store_key"
    cols = read_columns(url, conn, sql, ["store_key", "timezone_str"])
    return pd.DataFrame(
        {
            "store_key": int_column(cols, "store_key"),
            "timezone_str": pd.Series([str(z) for z in cols["timezone_str"]], dtype=object),
        }
    )


def _names_array(names: dict[int, str]) -> np.ndarray:
    size = max(names) + 1 if names else 1
    table = np.empty(size, dtype=object)
    for key, sid in names.items():
        table[key] = sid
    return table


def _named(frame: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Replace the integer store_key column by the store_id strings, in front."""
    table = _names_array(names)
    keys = frame["store_key"].to_numpy(dtype=np.int64)
    out = frame.drop(columns=["store_key"])
    out.insert(0, "store_id", pd.Series(table[keys], dtype=object, index=out.index))
    return out.reset_index(drop=True)


def _categorical_ids(keys: np.ndarray, names: dict[int, str]) -> pd.Series:
    """Store ids as a categorical built straight from the integer keys: the engine
    factorizes store_id first, which on millions of Python strings costs as much
    as the rest of the report, and on a categorical is free."""
    present = np.flatnonzero(np.bincount(keys) > 0)
    labels = np.array([names[int(k)] for k in present], dtype=object)
    order = np.argsort(labels, kind="stable")  # code-point order, as the report sorts
    # Codes as narrow as pandas keeps them, so they are gathered once, not recast.
    code_type = np.int16 if len(present) < 2**15 else np.int32
    code_of_key = np.zeros(int(present.max()) + 1, dtype=code_type)
    code_of_key[present[order]] = np.arange(len(present), dtype=code_type)
    categories = pd.Index(labels[order])  # str dtype, as the loader's categories
    # Every code is a valid category by construction: skip pandas' check.
    codes = code_of_key[keys]
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories, validate=False))


def _polls_frame(
    keys: np.ndarray,
    times: np.ndarray,
    active: np.ndarray,
    names: dict[int, str],
    categorical: bool = False,
) -> pd.DataFrame:
    if len(keys) == 0:
        return empty_polls()
    instants = np.ascontiguousarray(times, dtype=np.int64).view("datetime64[us]")
    stamps = pd.DatetimeIndex(instants, dtype="datetime64[us, UTC]")
    if categorical:
        ids = _categorical_ids(keys, names)
    else:
        ids = pd.Series(_names_array(names)[keys], dtype=object)
    return pd.DataFrame(
        {
            "store_id": ids,
            "timestamp_utc": pd.Series(stamps),
            "active": pd.Series(active, dtype=bool),
        }
    )


# ---------------------------------------------------------------------- handles

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


def create_database_if_missing(url: str) -> bool:
    """Create the MySQL database named in `url` when the server lacks it (SQLite
    files are created on first use). Returns whether it was created."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("mysql", "mariadb") or not parsed.database:
        return False
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
    server = create_engine(parsed.set(database=""))
    try:
        with server.connect() as conn:
            name = parsed.database.replace("`", "``")
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    finally:
        server.dispose()
    return True


def is_mysql_url(url: str) -> bool:
    return make_url(url).get_backend_name() in ("mysql", "mariadb")


__all__ = [
    "DataSummary",
    "Database",
    "LoadStats",
    "open_database",
    "is_mysql",
    "is_mysql_url",
]
