"""Stored rows to the frames the CSV loader makes, so the engine cannot tell where
its inputs came from; and the counts and lookups the dashboard shows.

The bulk queries are plain SQL with literal integers only, so the same text can go
to connectorx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from storemon_core.db.columns import Columns, bool_column, int_column, read_columns
from storemon_core.db.engines import is_mysql
from storemon_core.db.partitions import EVERY_STORE, StoreRange
from storemon_core.db.schema import business_hours, loads, polls, rejected_rows, stores, timezones
from storemon_core.frames import Inputs, empty_polls, empty_rejected
from storemon_core.instants import as_utc_instant, microseconds
from storemon_core.units import US_PER_WEEK

# Keys per IN (...) list.
KEY_CHUNK = 1_000

PollArrays = tuple[np.ndarray, np.ndarray, np.ndarray]
_POLL_NAMES = ["store_key", "ts", "active"]


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
    """A stored instant (microseconds since the epoch) as a UTC timestamp."""
    if value is None:
        return None
    return pd.Timestamp(int(value), unit="us", tz="UTC")


def timestamp_to_us(value: Any) -> int:
    """Microseconds since the epoch of an instant (naive means UTC), as stored."""
    return microseconds(as_utc_instant(value))


# ---------------------------------------------------------------------- a report's inputs


def inputs_at(url: str, conn: Connection, as_of_us: int, categorical_ids: bool,
              stores: StoreRange = EVERY_STORE) -> Inputs:
    """Polls of [as_of - 7 days, as_of] plus the newest earlier poll of every store
    with none in that week, business hours and time zones: of every store, or of
    the stores in a range of ids (a partition)."""
    return inputs_between(url, conn, as_of_us - US_PER_WEEK, as_of_us, categorical_ids, stores)


def inputs_between(
    url: str, conn: Connection, start_us: int, end_us: int, categorical_ids: bool,
    stores: StoreRange = EVERY_STORE,
) -> Inputs:
    """Polls of [start, end] plus the newest earlier poll of every store with none
    in it (so that it is listed, with zeros), business hours and time zones: of
    every store, or of the stores in a range of ids (a partition)."""
    # One query after the other: the polls' read keeps both cores busy
    # (server and decoding), so the small reads gain nothing beside it.
    week = _week_polls(url, conn, start_us, end_us, stores)
    names = _store_names(url, conn, stores)
    mysql = is_mysql(conn)
    hours = _hours_frame(url, conn, stores.stores_of("business_hours", "h", mysql))
    zones = _zones_frame(url, conn, stores.stores_of("timezones", "h", mysql))
    older = _quiet_stores_newest(url, conn, _quiet_keys(names, week[0]), start_us)
    keys = np.concatenate([week[0], older[0]])
    times = np.concatenate([week[1], older[1]])
    active = np.concatenate([week[2], older[2]])
    return Inputs(
        polls=_polls_frame(keys, times, active, names, categorical_ids),
        business_hours=_named(hours, names),
        timezones=_named(zones, names),
    )


def store_inputs_at(url: str, conn: Connection, store_id: str, as_of: Any) -> Inputs:
    """inputs_at for one store: what its timeline needs."""
    if as_of is None:
        top = conn.execute(select(func.max(polls.c.ts))).scalar()
        if top is None:
            return Inputs()
        as_of_us = int(top)
    else:
        as_of_us = timestamp_to_us(as_of)
    return store_inputs_between(url, conn, store_id, as_of_us - US_PER_WEEK, as_of_us)


def store_inputs_between(url: str, conn: Connection, store_id: str, start_us: int,
                         end_us: int) -> Inputs:
    """inputs_between for one store: its polls of [start, end] (or its newest earlier
    one when it has none there), its hours and its zone."""
    key = conn.execute(select(stores.c.id).where(stores.c.store_id == store_id)).scalar()
    if key is None:
        return Inputs()
    key = int(key)
    rows = conn.execute(
        select(polls.c.ts, polls.c.active)
        .where(polls.c.store_key == key, polls.c.ts >= start_us, polls.c.ts <= end_us)
        .order_by(polls.c.ts)
    ).all()
    if not rows:
        rows = conn.execute(
            select(polls.c.ts, polls.c.active)
            .where(polls.c.store_key == key, polls.c.ts < start_us)
            .order_by(polls.c.ts.desc())
            .limit(1)
        ).all()
    one_store = f"{{}} h WHERE h.store_key = {key}"
    hours = _hours_frame(url, conn, one_store.format("business_hours"))
    zones = _zones_frame(url, conn, one_store.format("timezones"))
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


def _poll_arrays(columns: Columns) -> PollArrays:
    return (
        int_column(columns, "store_key"),
        int_column(columns, "ts"),
        bool_column(columns, "active"),
    )


def _store_names(url: str, conn: Connection, stores: StoreRange) -> dict[int, str]:
    sql = f"SELECT id, store_id FROM stores WHERE {stores.condition('store_id')}"
    cols = read_columns(url, conn, sql, ["id", "store_id"])
    return dict(zip(int_column(cols, "id").tolist(), map(str, cols["store_id"]), strict=True))


def _week_polls(url: str, conn: Connection, start_us: int, as_of_us: int,
                stores: StoreRange = EVERY_STORE) -> PollArrays:
    # A partition's polls: its stores by the id index, then each one's week by the
    # polls' primary key (store_key, ts).
    source = stores.stores_of("polls", "p", is_mysql(conn), index="PRIMARY")
    sql = (
        f"SELECT p.store_key, p.ts, p.active FROM {source} "
        f"WHERE p.ts >= {int(start_us)} AND p.ts <= {int(as_of_us)}"
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


def _hours_frame(url: str, conn: Connection, source: str) -> pd.DataFrame:
    """Hours rows of `source`: business_hours as h, perhaps joined or filtered."""
    sql = (f"SELECT h.store_key, h.day_of_week, h.start_us, h.end_us FROM {source} "
           "ORDER BY h.id")
    cols = read_columns(url, conn, sql, ["store_key", "day_of_week", "start_us", "end_us"])
    return pd.DataFrame(
        {
            "store_key": int_column(cols, "store_key"),
            "day_of_week": int_column(cols, "day_of_week").astype("int8"),
            "start_time_local": int_column(cols, "start_us").astype("timedelta64[us]"),
            "end_time_local": int_column(cols, "end_us").astype("timedelta64[us]"),
        }
    )


def _zones_frame(url: str, conn: Connection, source: str) -> pd.DataFrame:
    """Zone rows of `source`: timezones as h, perhaps joined or filtered."""
    sql = f"SELECT h.store_key, h.timezone_str FROM {source} ORDER BY h.store_key"
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


# ---------------------------------------------------------------------- counts and lookups


def summary_of(conn: Connection, label: str) -> DataSummary:
    def count(table: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    polled = select(polls.c.ts).where(polls.c.store_key == stores.c.id).exists()

    def polled_without(table: Any) -> int:
        lacking = (
            select(stores.c.id)
            .where(polled)
            .where(~select(table.c.store_key).where(table.c.store_key == stores.c.id).exists())
        )
        return int(conn.execute(select(func.count()).select_from(lacking.subquery())).scalar_one())

    oldest, newest = conn.execute(select(func.min(polls.c.ts), func.max(polls.c.ts))).one()
    polled_stores = conn.execute(
        select(func.count()).select_from(select(stores.c.id).where(polled).subquery())
    ).scalar_one()
    last_load = conn.execute(select(func.max(loads.c.loaded_at))).scalar()
    return DataSummary(
        database=label,
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


def rejected_frame(conn: Connection, limit: int) -> pd.DataFrame:
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


def matching_store_ids(conn: Connection, fragment: str, limit: int) -> list[str]:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
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
