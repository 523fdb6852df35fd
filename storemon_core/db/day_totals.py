"""Kept day totals: the engine's numbers per store and local date, kept up to date
by every load (docs/counting.md "Kept day totals").

A kept row is exact for every date strictly between a store's first and last
in-hours poll: there the rule's spans and what is observed depend only on the
polls around the date, never on where a window starts or ends. The other dates
(before the first poll, after the last, the date as-of cuts) are edges, which
history computes afresh from raw polls; their kept polls count and first and
last in-hours poll are exact all the same, and tell history where the edges are.

A load brings the rows up to date in its own transaction:
- a store whose business hours or zone the load replaces, and a store without
  kept rows yet (a first load, a database upgraded from before kept totals),
  gets all its dates computed from all its polls;
- a store with new (or newly inactive) polls gets the dates from its previous
  in-hours poll's date to its next one's around them: a new poll moves the
  edges of its neighbours' spans, possibly on earlier days. The polls read are
  those from the in-hours poll before the previous poll's date to the one after
  the next one's, so that the recomputed dates lie strictly inside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from storemon_core.db.bulk import chunks, write_int_rows
from storemon_core.db.columns import int_column, read_columns, read_each
from storemon_core.db.engine_days import Replaced, Windows, engine_days
from storemon_core.db.poll_arrays import (
    NEVER,
    PollArrays,
    cut_to,
    day_us,
    polls_in_ranges,
)
from storemon_core.db.schema import polls as polls_table
from storemon_core.engine.intervals import in_key_order
from storemon_core.instants import in_range
from storemon_core.units import I64, US_PER_DAY, Progress

KEPT_COLUMNS = ["store_key", "local_date", "business_us", "uptime_us", "downtime_us",
                "unobserved_us", "polls", "first_poll_us", "last_poll_us"]
_SUMMED = ["business_us", "uptime_us", "downtime_us", "unobserved_us", "polls"]
# Kept dates read first before a store's changed polls (_polled_days).
RECENT_DAYS = 4
# What a plan reads of them.
_PLANNED = ["store_key", "local_date", "first_poll_us", "last_poll_us"]
# Keys listed in one query when the index serves each key's rows.
KEY_LIST = 20_000


def kept_rows(url: str, conn: Connection, where: str,
              columns: list[str] = KEPT_COLUMNS) -> pd.DataFrame:
    """Kept rows (`columns` of KEPT_COLUMNS, store_key and local_date among them)
    matching `where` (literal integers only), sorted by store and date.

    The frame's columns are the arrays read, not copies: callers read them and
    never write into them."""
    sql = f"SELECT {', '.join(columns)} FROM store_days WHERE {where}"
    read = read_columns(url, conn, sql, columns)
    return _sorted_kept({name: int_column(read, name) for name in columns})


def _sorted_kept(arrays: dict[str, I64]) -> pd.DataFrame:
    # Column by column, as read: stacking them into one block would copy them all.
    frame = pd.DataFrame(arrays, copy=False)
    keys, dates = frame["store_key"].to_numpy(), frame["local_date"].to_numpy()
    if in_key_order(keys, dates):
        return frame  # a scan of the primary key gives them in order already
    order = np.lexsort((dates, keys))
    return frame.iloc[order].reset_index(drop=True)


# Keys per list of a read of kept rows: below MariaDB's in_predicate_conversion_threshold
# (1,000), a list stays ranges of the primary key instead of becoming a join.
KEPT_KEYS = 900


def kept_rows_of(url: str, conn: Connection, keys: I64, where: str) -> pd.DataFrame:
    """kept_rows of the stores `keys` (sorted) matching `where`, read by lists of keys
    (two queries at a time)."""
    sql = f"SELECT {', '.join(KEPT_COLUMNS)} FROM store_days WHERE {where} AND store_key IN "
    parts = read_each(url, conn, [
        (sql + "(" + ",".join(map(str, keys[first:first + KEPT_KEYS].tolist())) + ")", False)
        for first in range(0, len(keys), KEPT_KEYS)], KEPT_COLUMNS) if len(keys) else []
    if not parts:
        return kept_rows(url, conn, "1 = 0")
    return _sorted_kept({name: np.concatenate([int_column(part, name) for part in parts])
                         for name in KEPT_COLUMNS})


def as_kept(days: pd.DataFrame) -> pd.DataFrame:
    """Engine day totals (with keys and dates) as kept rows."""
    def instant(column: str) -> I64:
        stamps = pd.DatetimeIndex(days[column]).as_unit("us")
        values: I64 = np.where(stamps.isna(), 0, stamps.asi8)
        return values

    return pd.DataFrame({
        "store_key": days["store_key"].to_numpy(dtype=np.int64),
        "local_date": days["local_date"].to_numpy(dtype=np.int64),
        **{c: days[c].to_numpy(dtype=np.int64) for c in _SUMMED},
        "first_poll_us": instant("first_poll_utc"),
        "last_poll_us": instant("last_poll_utc"),
    }).loc[:, KEPT_COLUMNS]


# ---------------------------------------------------------------------- a load's upkeep


@dataclass(frozen=True)
class _Recompute:
    """Per store: the polls to read [read_lo, read_hi] and the dates to write."""

    keys: I64
    read_lo: I64
    read_hi: I64
    write_lo: I64  # local dates, both included
    write_hi: I64
    window_lo: I64  # the dates the engine's window must hold
    window_hi: I64


def keep_day_totals(url: str, conn: Connection, changed: PollArrays, written: Replaced,
                    polls_were_empty: bool, progress: Progress | None = None) -> int:
    """Bring the kept rows up to date after a load wrote `changed` polls (new ones
    and ones turned inactive) and the hours and zones `written`.
    Returns how many kept rows were written."""
    def step(fraction: float, phase: str) -> None:
        if progress:
            progress(fraction, phase)

    newest = conn.execute(select(func.max(polls_table.c.ts))).scalar()
    if newest is None:
        return 0
    as_of_us = int(newest)
    if not in_range(as_of_us):
        # Polls stored before loads checked their range: no day can be counted as of
        # them. Stores without kept days are read from their raw polls instead.
        return 0
    step(0.0, "day totals: finding the days to compute")
    unkept = _unkept_stores(url, conn)
    replaced = np.union1d(written.business_hours["store_key"].to_numpy(dtype=np.int64),
                          written.timezones["store_key"].to_numpy(dtype=np.int64))
    whole = np.union1d(replaced, unkept)
    around = np.setdiff1d(np.unique(changed.store_key), whole)
    if len(whole) == 0 and len(around) == 0:
        return 0
    plan = _plan_around(url, conn, changed, around, as_of_us)
    step(0.2, "day totals: reading polls")
    stored = PollArrays.empty()
    if not polls_were_empty:
        stored = PollArrays.joined([
            polls_in_ranges(url, conn, whole, np.full(len(whole), -NEVER),
                            np.full(len(whole), NEVER)),
            polls_in_ranges(url, conn, plan.keys, plan.read_lo, plan.read_hi),
        ])
    # The stored polls the read sees may or may not hold this load's writes
    # (connectorx reads what is committed): add them again, inactive winning.
    keys = np.concatenate([whole, plan.keys])
    read_lo = np.concatenate([np.full(len(whole), -NEVER), plan.read_lo])
    read_hi = np.concatenate([np.full(len(whole), NEVER), plan.read_hi])
    found = PollArrays.joined([stored, cut_to(changed, keys, read_lo, read_hi)])
    if len(found) == 0:
        return 0
    plan = _with_whole(plan, whole, found, as_of_us)
    step(0.5, f"day totals: computing {len(plan.keys):,} stores")
    order = np.argsort(plan.keys)
    window = Windows(plan.keys[order], plan.window_lo[order], plan.window_hi[order])
    days = engine_days(url, conn, found, window, as_of_us, replaced=written)
    rows = _written(as_kept(days), plan)
    step(0.8, f"day totals: writing {len(rows):,} days")
    # A store computed whole loses every kept row first; the others' written
    # dates are each a row the engine gave, which replaces the stored one.
    _delete_whole(conn, whole)
    write_int_rows(conn, "store_days", rows, replace=True)
    step(1.0, "day totals: done")
    return len(rows)


def _unkept_stores(url: str, conn: Connection) -> I64:
    """Stores with stored polls but no kept rows (those polled only by this load
    are computed around their polls, which are all there is of them)."""
    # A lookup per store: MariaDB turns NOT EXISTS into a scan of every kept row
    # (a third of an hourly append at 14,000 stores x 90 days).
    sql = ("SELECT id FROM stores WHERE "
           "(SELECT d.store_key FROM store_days d WHERE d.store_key = stores.id LIMIT 1) IS NULL "
           "AND EXISTS (SELECT 1 FROM polls p WHERE p.store_key = stores.id)")
    return np.sort(int_column(read_columns(url, conn, sql, ["id"], small=True), "id"))


def _plan_around(url: str, conn: Connection, changed: PollArrays, stores: I64,
                 as_of_us: int) -> _Recompute:
    """What to recompute of the stores `stores`, around their changed polls."""
    if len(stores) == 0:
        none = np.zeros(0, dtype=np.int64)
        return _Recompute(none, none, none, none, none, none, none)
    mine = np.isin(changed.store_key, stores)
    keys = np.unique(changed.store_key[mine])
    times = changed.ts[mine]
    order = np.argsort(changed.store_key[mine], kind="stable")
    bounds = np.r_[np.flatnonzero(np.r_[True, np.diff(changed.store_key[mine][order]) != 0]),
                   len(order)]
    earliest = np.minimum.reduceat(times[order], bounds[:-1])
    latest = np.maximum.reduceat(times[order], bounds[:-1])
    kept = _polled_days(url, conn, keys, earliest)
    none_before = np.full(len(keys), -1, dtype=np.int64)
    size = int(keys.max()) + 1
    lane = np.full(size, -1, dtype=np.int64)
    lane[keys] = np.arange(len(keys))
    row_lane = lane[kept["store_key"].to_numpy()]
    date = kept["local_date"].to_numpy()
    first_poll, last_poll = kept["first_poll_us"].to_numpy(), kept["last_poll_us"].to_numpy()
    # Dates with an in-hours poll before the changed polls (the previous poll's is
    # the latest), and after them (the next poll's is the earliest).
    before = first_poll < earliest[row_lane]
    after = last_poll > latest[row_lane]
    previous = _pick(row_lane, date, before, len(keys), latest_one=True, default=none_before)
    following = _pick(row_lane, date, after, len(keys), latest_one=False, default=none_before)
    ahead = before & (date < previous[row_lane])
    beyond = after & (date > following[row_lane])
    previous2 = _pick(row_lane, date, ahead, len(keys), latest_one=True, default=none_before)
    following2 = _pick(row_lane, date, beyond, len(keys), latest_one=False, default=none_before)
    prev2_last = _pick(row_lane, last_poll, ahead & (date == previous2[row_lane]), len(keys),
                       latest_one=True, default=none_before)
    next2_first = _pick(row_lane, first_poll, beyond & (date == following2[row_lane]),
                        len(keys), latest_one=False, default=none_before)
    end_day = as_of_us // US_PER_DAY + 1
    write_lo = np.where(previous >= 0, previous, earliest // US_PER_DAY - 1)
    write_hi = np.where(following >= 0, following, end_day)
    read_lo = np.where(previous2 >= 0, prev2_last, day_us(write_lo)[0])
    read_hi = np.where(following2 >= 0, next2_first, as_of_us)  # no poll is newer
    window_lo = np.where(previous2 >= 0, previous2, write_lo)
    window_hi = np.where(following2 >= 0, following2, write_hi)
    return _Recompute(keys, read_lo, read_hi, write_lo, write_hi, window_lo, window_hi)


def _pick(lane: I64, values: I64, chosen: np.ndarray, lanes: int, latest_one: bool,
          default: I64) -> I64:
    """Per lane, the largest (or smallest) of `values` where `chosen`, else `default`."""
    result = default.copy()
    if latest_one:
        found = np.full(lanes, -NEVER, dtype=np.int64)
        np.maximum.at(found, lane[chosen], values[chosen])
        hit = found > -NEVER
    else:
        found = np.full(lanes, NEVER, dtype=np.int64)
        np.minimum.at(found, lane[chosen], values[chosen])
        hit = found < NEVER
    result[hit] = found[hit]
    return result


def _polled_days(url: str, conn: Connection, keys: I64, earliest_us: I64) -> pd.DataFrame:
    """The kept dates with in-hours polls of the stores `keys` that a plan needs:
    those from RECENT_DAYS before the store's earliest changed poll on, and all of
    them for a store with fewer than two polled dates before it there.

    An hourly append so reads a few days of each store's dates, not its history."""
    since = earliest_us // US_PER_DAY - RECENT_DAYS
    recent = since >= since.max() - RECENT_DAYS
    floor = int(since[recent].min())
    # One range of dates over the date index, cut to the stores here.
    found = kept_rows(url, conn, f"polls > 0 AND local_date >= {floor}", _PLANNED)
    found = found[np.isin(found["store_key"].to_numpy(), keys[recent])]
    parts = [found]
    lane = np.searchsorted(keys, found["store_key"].to_numpy())
    before = np.bincount(lane[found["first_poll_us"].to_numpy() < earliest_us[lane]],
                         minlength=len(keys))
    lacking = ~recent | (before < 2)
    if lacking.any():
        parts[0] = found[~lacking[lane]]
        parts.append(_kept_of(url, conn, keys[lacking], "polls > 0"))
    return pd.concat(parts, ignore_index=True)


def _kept_of(url: str, conn: Connection, keys: I64, where: str) -> pd.DataFrame:
    parts = [kept_rows(url, conn, f"{where} AND store_key IN "
                                  f"({','.join(str(int(k)) for k in keys[start:end])})",
                       _PLANNED)
             for start, end in chunks(len(keys), KEY_LIST)]
    return pd.concat(parts, ignore_index=True) if parts else kept_rows(url, conn, "1 = 0",
                                                                         _PLANNED)


def _with_whole(plan: _Recompute, whole: I64, found: PollArrays, as_of_us: int) -> _Recompute:
    """The plan with the stores computed whole: every date from the day before
    their first poll to the day after the newest poll."""
    polled = np.isin(whole, found.store_key)
    whole = whole[polled]
    firsts = np.full(int(max(whole.max(initial=0), found.store_key.max())) + 1, NEVER)
    np.minimum.at(firsts, found.store_key, found.ts)
    lo = firsts[whole] // US_PER_DAY - 1
    hi = np.full(len(whole), as_of_us // US_PER_DAY + 1, dtype=np.int64)
    return _Recompute(
        np.concatenate([whole, plan.keys]),
        np.concatenate([np.full(len(whole), -NEVER), plan.read_lo]),
        np.concatenate([np.full(len(whole), NEVER), plan.read_hi]),
        np.concatenate([lo, plan.write_lo]), np.concatenate([hi, plan.write_hi]),
        np.concatenate([lo, plan.window_lo]), np.concatenate([hi, plan.window_hi]))


def _written(rows: pd.DataFrame, plan: _Recompute) -> pd.DataFrame:
    """The rows of each store's dates to write."""
    size = int(max(plan.keys.max(), rows["store_key"].to_numpy().max(initial=0))) + 1
    lo = np.full(size, NEVER, dtype=np.int64)
    hi = np.full(size, -NEVER, dtype=np.int64)
    lo[plan.keys], hi[plan.keys] = plan.write_lo, plan.write_hi
    keys, dates = rows["store_key"].to_numpy(), rows["local_date"].to_numpy()
    written: pd.DataFrame = rows[(dates >= lo[keys]) & (dates <= hi[keys])]
    return written.reset_index(drop=True)


def _delete_whole(conn: Connection, whole: I64) -> None:
    """Delete every kept row of the stores `whole`."""
    for start, end in chunks(len(whole), KEY_LIST):
        listed = ",".join(str(int(k)) for k in whole[start:end])
        conn.exec_driver_sql(f"DELETE FROM store_days WHERE store_key IN ({listed})")
