"""The Database handle: one storemon database at a URL, SQLite or MySQL.

It owns the engines and the transactions; loads are written by
storemon_core.db.loads, frames are read by storemon_core.db.reads, and the schema
is brought up to date by storemon_core.db.migrate. Every failure to reach or use
the database comes out as DatabaseUnavailable, chained to the driver's error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from storemon_core.config import database_url, describe, redact
from storemon_core.db import migrate
from storemon_core.db.engines import make_engine
from storemon_core.db.errors import reaching, unavailable
from storemon_core.db.loads import LoadStats, load_inputs
from storemon_core.db.locks import turn
from storemon_core.db.migrate import SchemaUpgrade
from storemon_core.db.reads import (
    DataSummary,
    inputs_between,
    matching_store_ids,
    rejected_frame,
    store_inputs_at,
    store_inputs_between,
    summary_of,
    timestamp_to_us,
    us_to_timestamp,
)
from storemon_core.db.schema import ALL_TABLES, loads, polls
from storemon_core.frames import Inputs
from storemon_core.units import US_PER_WEEK, Progress

# Reads of one report's inputs, when loads keep committing in between.
READ_ATTEMPTS = 3


class Database:
    """A storemon database at `url` (an SQLAlchemy URL)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        try:
            self.engine = make_engine(self.url)
        except OSError as exc:  # the SQLite file's folder cannot be made
            raise unavailable(self.url, exc) from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        dbapi: Any = self.engine.dialect.dbapi
        # Bulk writes use the driver's cursor directly, which raises its own classes.
        self._driver_errors: tuple[type[BaseException], ...] = (
            dbapi.OperationalError, dbapi.InterfaceError)
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

    def _reaching(self) -> AbstractContextManager[None]:
        return reaching(self.url, self._driver_errors)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction. SQLite allows one writer at a time, so writers of
        this process queue on a lock instead of spinning on the busy timeout."""
        with self._reaching():
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
        with self._reaching(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _turn(self, engine: Engine, progress: Progress | None = None) -> Iterator[Connection]:
        """A transaction no other load or schema upgrade of this database runs beside."""
        with self._reaching(), turn(engine, self.url, self._write_lock, progress) as conn:
            yield conn

    def create_schema(self) -> None:
        """Bring the schema up to date, once per handle (see storemon_core.db.migrate)."""
        if not self._schema_ready:
            self.upgrade_schema()

    def upgrade_schema(self) -> SchemaUpgrade:
        """Apply the revisions the database lacks and say what was done."""
        with self.read() as conn:
            found = migrate.current_revision(conn)
        if found == migrate.head_revision():
            result = SchemaUpgrade(self.label, found, found, unversioned=False)
        else:
            with self._turn(self.engine) as conn:
                result = migrate.upgrade(conn, self.url)
        self._schema_ready = True
        return result

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
        """Write loaded exports in one transaction (see storemon_core.db.loads), in
        turn with other loads: counts are of what this load really added."""
        self.create_schema()
        engine = self.engine
        if not self.is_sqlite:
            # Only the loader accepts the server's LOAD DATA LOCAL requests.
            if self._load_engine is None:
                self._load_engine = make_engine(self.url, local_infile=True)
            engine = self._load_engine
        with self._turn(engine, progress) as conn:
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
        return self.read_inputs_between(as_of_us - US_PER_WEEK, as_of_us, categorical_ids)

    def read_inputs_between(
        self, start_us: int, end_us: int, categorical_ids: bool = True
    ) -> Inputs:
        """Polls of [start, end] (microseconds, UTC) plus the newest earlier poll of
        every store with none in it, all business hours and time zones."""
        self.create_schema()
        # The reads are separate queries (connectorx opens its own connections), so
        # a load committing between them would mix two states: read again then.
        for _ in range(READ_ATTEMPTS - 1):
            version = self.data_version()
            inputs = self._read_between(start_us, end_us, categorical_ids)
            if self.data_version() == version:
                return inputs
        return self._read_between(start_us, end_us, categorical_ids)

    def _read_between(self, start_us: int, end_us: int, categorical_ids: bool) -> Inputs:
        with self.read() as conn:
            return inputs_between(self.url, conn, start_us, end_us, categorical_ids)

    def store_inputs_between(self, store_id: str, start_us: int, end_us: int) -> Inputs:
        """read_inputs_between for one store."""
        self.create_schema()
        with self.read() as conn:
            return store_inputs_between(self.url, conn, store_id, start_us, end_us)

    def store_inputs(self, store_id: str, as_of: Any = None) -> Inputs:
        """read_inputs for one store: what its timeline needs."""
        self.create_schema()
        with self.read() as conn:
            return store_inputs_at(self.url, conn, store_id, as_of)

    def summary(self) -> DataSummary:
        self.create_schema()
        with self.read() as conn:
            return summary_of(conn, self.label)

    def rejected_rows(self, limit: int = 1000) -> pd.DataFrame:
        """Rejected input rows, newest load first: load_id, file, line, reason, row."""
        self.create_schema()
        with self.read() as conn:
            return rejected_frame(conn, limit)

    def search_store_ids(self, fragment: str, limit: int = 50) -> list[str]:
        """Ids of polled stores containing `fragment` (any case), in text order."""
        self.create_schema()
        with self.read() as conn:
            return matching_store_ids(conn, fragment, limit)

    def data_version(self) -> str:
        """Changes whenever a load commits: a cache key for anything derived."""
        self.create_schema()
        with self.read() as conn:
            last = conn.execute(select(func.max(loads.c.id))).scalar()
        return f"{self.redacted_url}#{last or 0}"

    def clear(self) -> None:
        """Empty every table (tests, and starting over)."""
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
