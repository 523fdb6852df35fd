"""Writing loaded exports into the database, as one transaction.

Polls are keyed by (store, instant), so loading a file twice adds nothing and a
later file adds only new polls. A store's business hours and time zone are
replaced as a whole when a newer file brings them. Either everything of a load
is committed or nothing is: a bad file, a killed process or a lost connection
leaves the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from storemon_core.db import bulk
from storemon_core.db.bulk import chunks, write_int_rows
from storemon_core.db.columns import bool_column, int_column, read_columns
from storemon_core.db.day_totals import keep_day_totals
from storemon_core.db.engine_days import Replaced
from storemon_core.db.poll_arrays import PollArrays
from storemon_core.db.reads import KEY_CHUNK
from storemon_core.db.schema import (
    business_hours,
    loads,
    polls,
    rejected_rows,
    stores,
    timezones,
)
from storemon_core.frames import Inputs
from storemon_core.units import Progress

# MySQL's TEXT holds 65,535 bytes, and a character takes up to 4 of them in
# UTF-8; a rejected row keeps its start, enough for a person to see what it was.
TEXT_CHARS = 16_000
ROW_CHARS = 1_000
FILE_CHARS = 255  # rejected_rows.file is VARCHAR(255)

@dataclass
class LoadStats:
    """What a load did."""

    load_id: int
    polls_read: int
    polls_added: int
    stores_added: int
    hours_stores: int
    timezone_stores: int
    rejected: int
    seconds: float


def to_us(times: pd.Series) -> npt.NDArray[np.int64]:
    """UTC timestamps as microseconds since the epoch."""
    values = pd.to_datetime(times, utc=True).dt.as_unit("us")
    return np.asarray(values.astype("int64"), dtype=np.int64)


def timedelta_us(values: pd.Series) -> npt.NDArray[np.int64]:
    return np.asarray(pd.to_timedelta(values).dt.as_unit("us").astype("int64"), dtype=np.int64)


def ensure_store_keys(conn: Connection, store_ids: Sequence[str]) -> dict[str, int]:
    """Integer keys of the given stores, adding the missing ones."""
    wanted = set(store_ids)
    known = _store_keys(conn)
    missing = sorted(wanted - known.keys())
    for start, end in chunks(len(missing), bulk.BATCH_ROWS):
        rows = [{"store_id": sid} for sid in missing[start:end]]
        conn.execute(insert(stores), rows)
    if missing:
        known = _store_keys(conn)
    return {sid: known[sid] for sid in wanted}


def _store_keys(conn: Connection) -> dict[str, int]:
    # The driver's plain tuples: SQLAlchemy rows cost a quarter second per 14k stores.
    return {str(sid): int(key) for key, sid in
            conn.exec_driver_sql("SELECT id, store_id FROM stores").fetchall()}


def _keys_for(frame: pd.DataFrame, keys: dict[str, int]) -> npt.NDArray[np.int64]:
    # Factorize first: millions of rows share a few thousand ids, and a dict lookup
    # per distinct id is far cheaper than one per row.
    codes, uniques = pd.factorize(frame["store_id"])
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64)
    per_unique = np.fromiter((keys[str(u)] for u in uniques), dtype=np.int64, count=len(uniques))
    return per_unique[codes]


def prepare_polls(frame: pd.DataFrame, store_keys: npt.NDArray[np.int64]) -> pd.DataFrame:
    """One row per (store_key, ts), sorted; a store reported both active and inactive
    at one instant counts as inactive (docs/counting.md), so duplicates keep the AND.
    `store_keys` are the rows' keys."""
    times = to_us(frame["timestamp_utc"])
    active = np.asarray(frame["active"], dtype=bool)
    order = np.lexsort((times, store_keys))
    store_keys, times, active = store_keys[order], times[order], active[order]
    if len(order):
        first = np.ones(len(order), dtype=bool)
        first[1:] = (store_keys[1:] != store_keys[:-1]) | (times[1:] != times[:-1])
        starts = np.flatnonzero(first)
        active = np.logical_and.reduceat(active, starts)
        store_keys, times = store_keys[starts], times[starts]
    return pd.DataFrame({"store_key": store_keys, "ts": times, "active": active})


def stored_polls(url: str, conn: Connection, first_us: int, last_us: int) -> pd.DataFrame:
    """Stored polls with first_us <= ts <= last_us (the time span of a file)."""
    sql = (
        "SELECT store_key, ts, active FROM polls "
        f"WHERE ts >= {int(first_us)} AND ts <= {int(last_us)}"
    )
    cols = read_columns(url, conn, sql, ["store_key", "ts", "active"])
    return pd.DataFrame(
        {
            "store_key": int_column(cols, "store_key"),
            "ts": int_column(cols, "ts"),
            "stored_active": bool_column(cols, "active"),
        }
    )


def write_polls(url: str, conn: Connection, table: pd.DataFrame,
                progress: Progress | None) -> tuple[int, pd.DataFrame]:
    """Add the polls that are new, turn stored active polls that the file says were
    inactive at the same instant to inactive; returns how many polls were added,
    and the polls that changed (added or turned inactive).

    The stored polls of the file's time span are read first (one fast bulk read)
    so that a reload or an append writes only what changes: letting the database
    reject millions of duplicate keys one by one is ten times slower."""
    if table.empty:
        return 0, table
    stored = stored_polls(url, conn, int(table["ts"].min()), int(table["ts"].max()))
    if stored.empty:
        fresh, flips = table, table.iloc[:0]
    else:
        merged = table.merge(stored, on=["store_key", "ts"], how="left", sort=False)
        known = merged["stored_active"].notna().to_numpy()
        was_active = merged["stored_active"].fillna(False).to_numpy(dtype=bool)
        now_active = merged["active"].to_numpy(dtype=bool)
        fresh = table[~known]
        flips = table[known & was_active & ~now_active]
    # Both go through clash-safe statements, so a load racing another stays right.
    write_int_rows(conn, "polls", fresh, progress, polls_upsert=True, known_new=True)
    write_int_rows(conn, "polls", flips, None, polls_upsert=True)
    if fresh.empty and progress:
        progress(1.0, "polls: nothing new")
    changed = fresh if flips.empty else pd.concat([fresh, flips], ignore_index=True)
    return len(fresh), changed


def _delete_stores_rows(conn: Connection, table: Any, store_keys: list[int]) -> None:
    for start, end in chunks(len(store_keys), KEY_CHUNK):
        conn.execute(delete(table).where(table.c.store_key.in_(store_keys[start:end])))


def _insert_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    for start, end in chunks(len(rows), bulk.BATCH_ROWS):
        conn.execute(insert(table), rows[start:end])


def write_business_hours(conn: Connection, frame: pd.DataFrame,
                         keys: dict[str, int]) -> pd.DataFrame:
    """Replace the hours of every store in `frame` whose rows differ from the stored
    ones; returns the rows written (those stores'), keyed by store as reads give them."""
    if frame.empty:
        return _hours_frame_of(frame.iloc[:0], np.zeros(0, dtype=np.int64))
    rows = pd.DataFrame(
        {
            "store_key": _keys_for(frame, keys),
            "day_of_week": np.asarray(frame["day_of_week"], dtype=np.int64),
            "start_us": timedelta_us(frame["start_time_local"]),
            "end_us": timedelta_us(frame["end_time_local"]),
        }
    )
    stored = _stored_rows(conn, "SELECT store_key, day_of_week, start_us, end_us "
                          "FROM business_hours", ["store_key", "day_of_week", "start_us", "end_us"])
    changed = _changed_stores(rows, stored)
    _delete_stores_rows(conn, business_hours, changed)
    replaced = rows["store_key"].isin(changed).to_numpy()
    write_int_rows(conn, "business_hours", rows[replaced])
    return _hours_frame_of(frame[replaced], rows["store_key"].to_numpy()[replaced])


def _hours_frame_of(frame: pd.DataFrame, store_keys: npt.NDArray[np.int64]) -> pd.DataFrame:
    return pd.DataFrame({
        "store_key": store_keys,
        "day_of_week": np.asarray(frame["day_of_week"], dtype=np.int64).astype("int8"),
        "start_time_local": timedelta_us(frame["start_time_local"]).astype("timedelta64[us]"),
        "end_time_local": timedelta_us(frame["end_time_local"]).astype("timedelta64[us]"),
    })


def write_timezones(conn: Connection, frame: pd.DataFrame,
                    keys: dict[str, int]) -> pd.DataFrame:
    """Replace the zone of every store in `frame` whose zone differs (the last row of a
    store counts); returns the rows written, keyed by store as reads give them."""
    frame = frame.drop_duplicates("store_id", keep="last")
    given = pd.DataFrame({"store_key": _keys_for(frame, keys),
                          "timezone_str": pd.Series(frame["timezone_str"], dtype=object)
                          .astype(str).to_numpy(dtype=object)})
    if frame.empty:
        return given
    stored = _stored_rows(conn, "SELECT store_key, timezone_str FROM timezones",
                          ["store_key", "timezone_str"])
    changed = _changed_stores(given, stored)
    _delete_stores_rows(conn, timezones, changed)
    written = given[given["store_key"].isin(changed)].reset_index(drop=True)
    rows = [{"store_key": int(k), "timezone_str": str(z)}
            for k, z in written.itertuples(index=False)]
    _insert_rows(conn, timezones, rows)
    return written


def _stored_rows(conn: Connection, sql: str, names: list[str]) -> pd.DataFrame:
    cols = conn.exec_driver_sql(sql).all()
    return pd.DataFrame(cols, columns=names)


def _changed_stores(given: pd.DataFrame, stored: pd.DataFrame) -> list[int]:
    """Keys of the stores in `given` whose set of rows differs from the stored one.

    A reload of the same file replaces nothing, so it neither says it did, nor makes
    every page's numbers look out of date, nor recomputes those stores' kept days."""
    def fingerprint(rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows.drop_duplicates()
        digest = pd.util.hash_pandas_object(rows.drop(columns="store_key"), index=False)
        return pd.DataFrame({"store_key": rows["store_key"].to_numpy(dtype=np.int64),
                             "digest": digest.to_numpy(dtype=np.uint64)}).groupby(
            "store_key")["digest"].agg(["sum", "size"])

    if len(stored):
        stored = stored.astype(given.dtypes.to_dict())
    new = fingerprint(given)
    old = fingerprint(stored[stored["store_key"].isin(new.index)])
    same = new.merge(old, left_index=True, right_index=True, how="left",
                     suffixes=("", "_stored"))
    differs = (same["sum"] != same["sum_stored"]) | (same["size"] != same["size_stored"])
    return sorted(int(k) for k in same.index[differs.to_numpy()])


def _storable(value: object) -> str:
    # Characters UTF-8 cannot hold (lone surrogates) are spelled as escapes.
    text = str(value)
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def bounded(value: object, limit: int) -> str:
    """Its first `limit` characters and, when cut, its full length."""
    text = _storable(value)
    if len(text) > limit:
        text = f"{text[:limit]} … ({len(text):,} characters in all)"
    return text


def bounded_path(value: object) -> str:
    """A file name a 255-character column takes: its end, which names the file."""
    text = _storable(value)
    return text if len(text) <= FILE_CHARS else "…" + text[-(FILE_CHARS - 1):]


def write_rejected(conn: Connection, load_id: int, frame: pd.DataFrame) -> None:
    # Whatever the caller passes: one oversized row must not fail the whole load.
    rows = [
        {"load_id": load_id, "file": bounded_path(f), "line": int(n),
         "reason": bounded(r, TEXT_CHARS), "row": bounded(t, ROW_CHARS)}
        for f, n, r, t in zip(
            frame["file"], frame["line"], frame["reason"], frame["row"], strict=True
        )
    ]
    _insert_rows(conn, rejected_rows, rows)


def load_inputs(
    url: str,
    conn: Connection,
    inputs: Inputs,
    files: str,
    mode: str,
    progress: Progress | None = None,
) -> LoadStats:
    """Write `inputs` on `conn`, inside the caller's transaction."""
    started = time.monotonic()

    def step(fraction: float, phase: str) -> None:
        if progress:
            progress(fraction, phase)

    step(0.0, "store keys")
    # Hashing millions of id strings is the slow part: do it once for the polls.
    codes, poll_ids = pd.factorize(inputs.polls["store_id"])
    ids = {str(s) for s in poll_ids}
    ids.update(str(s) for s in pd.unique(inputs.business_hours["store_id"]))
    ids.update(str(s) for s in pd.unique(inputs.timezones["store_id"]))
    before_stores = int(conn.execute(select(func.count()).select_from(stores)).scalar_one())
    keys = ensure_store_keys(conn, sorted(ids))
    after_stores = int(conn.execute(select(func.count()).select_from(stores)).scalar_one())
    stores_added = after_stores - before_stores

    key_of_id = np.array([keys[str(s)] for s in poll_ids], dtype=np.int64)
    table = prepare_polls(inputs.polls, key_of_id[codes])
    polls_were_empty = conn.execute(select(polls.c.ts).limit(1)).first() is None
    # Polls are the bulk of the work: 5%..75% of the progress, day totals 80%..98%.
    step(0.05, "polls: comparing with stored ones")
    added, changed = write_polls(url, conn, table, lambda f, p: step(0.05 + 0.7 * f, p))

    step(0.75, "business hours")
    hours = write_business_hours(conn, inputs.business_hours, keys)
    hours_stores = int(hours["store_key"].nunique())
    step(0.78, "time zones")
    zones = write_timezones(conn, inputs.timezones, keys)
    zone_stores = len(zones)
    keep_day_totals(
        url, conn,
        PollArrays(changed["store_key"].to_numpy(dtype=np.int64),
                   changed["ts"].to_numpy(dtype=np.int64), changed["active"].to_numpy(bool)),
        Replaced(hours, zones), polls_were_empty, lambda f, p: step(0.8 + 0.18 * f, p))

    seconds = time.monotonic() - started
    result = conn.execute(
        insert(loads).values(
            loaded_at=int(time.time() * 1_000_000),
            files=bounded(files, TEXT_CHARS),
            mode=mode,
            polls_read=len(inputs.polls),
            polls_added=added,
            hours_stores=hours_stores,
            timezone_stores=zone_stores,
            rejected=len(inputs.rejected),
            duration_seconds=seconds,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    load_id = int(pk[0])
    write_rejected(conn, load_id, inputs.rejected)
    step(1.0, "committing")
    return LoadStats(
        load_id=load_id,
        polls_read=len(inputs.polls),
        polls_added=added,
        stores_added=stores_added,
        hours_stores=hours_stores,
        timezone_stores=zone_stores,
        rejected=len(inputs.rejected),
        seconds=seconds,
    )
