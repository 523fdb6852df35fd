"""A period's day totals from kept day totals (docs/counting.md "History").

Each store's dates strictly between its first and last in-hours poll of the
period are kept rows (storemon_core.db.day_totals); its edge dates (from `first`
to its first polled date, from its last polled date to `last`) are computed by
the engine from the raw polls that can reach them. A store without two polled
dates, or whose kept rows are incomplete, is computed from all its raw polls of
the period. Either way the numbers equal the direct computation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection

from storemon_core.db.columns import Columns
from storemon_core.db.database import READ_ATTEMPTS, Database
from storemon_core.db.day_totals import kept_rows, kept_rows_of
from storemon_core.db.engine_days import Windows, engine_days, stored_hours
from storemon_core.db.partitions import EVERY_STORE
from storemon_core.db.poll_arrays import PollArrays, polls_in_ranges
from storemon_core.db.reads import _categorical_ids, _quiet_stores_newest, _store_names
from storemon_core.engine.intervals import in_key_order
from storemon_core.engine.period import Period
from storemon_core.engine.zones import local_midnights
from storemon_core.instants import microseconds
from storemon_core.units import I64, US_PER_DAY, US_PER_HOUR, Progress

# Local time runs from UTC-12 to UTC+14; an hour more on each side costs nothing.
_EAST_US = 15 * US_PER_HOUR
_WEST_US = 13 * US_PER_HOUR
_SUMMED = ["business_us", "uptime_us", "downtime_us", "unobserved_us", "polls"]


def period_range_us(period: Period) -> tuple[int, int]:
    """The UTC instants [start, end] that hold every store's window of the period."""
    start = period.first_day * US_PER_DAY - _EAST_US
    end = (period.first_day + period.days) * US_PER_DAY + _WEST_US
    return start, min(end, microseconds(period.as_of))


def _earliest_end_us(period: Period) -> int:
    """The earliest instant any store's window of the period can end at midnight."""
    return (period.first_day + period.days) * US_PER_DAY - _EAST_US


def kept_history_days(db: Database, period: Period,
                      progress: Progress | None = None) -> pd.DataFrame:
    """The period's day totals from kept rows and the edge dates' raw polls."""
    db.create_schema()
    # The reads are separate queries (connectorx opens its own connections): a
    # load committing between them would mix two states, so read again then.
    for _ in range(READ_ATTEMPTS - 1):
        version = db.data_version()
        days = _kept_days(db, period, progress)
        if db.data_version() == version:
            return days
    return _kept_days(db, period, progress)


def _kept_days(db: Database, period: Period, progress: Progress | None) -> pd.DataFrame:
    url = db.url
    if progress:
        progress(0.0, "reading kept day totals and the edge dates' polls")
    with db.read() as conn:
        names = _store_names(url, conn, EVERY_STORE)
        stored = stored_hours(url, conn)
        kept_dates = conn.exec_driver_sql(
            "SELECT MIN(local_date), MAX(local_date) FROM store_days").one()
        every = np.sort(np.fromiter(names, dtype=np.int64, count=len(names)))
        parts = _day_parts(url, conn, period, every, kept_dates, stored)
    if progress:
        progress(0.9, f"putting {len(every):,} stores' dates in order")
    return _stacked(parts, names)


def _day_parts(url: str, conn: Connection, period: Period, every: I64,
               kept_dates: tuple[int | None, int | None],
               stored: tuple[pd.DataFrame, pd.DataFrame]) -> list[Columns]:
    """The day totals of the stores `every` (sorted keys), in parts (_assembled)."""
    first_day = period.first_day
    last_day = first_day + period.days - 1
    start_us, end_us = period_range_us(period)
    as_of_us = microseconds(period.as_of)
    kept = _kept_of_period(url, conn, first_day, last_day, kept_dates, every)
    edges = _edges(kept, as_of_us, int(every.max(initial=0)) + 1, first_day, last_day)
    good = every[edges.good[every]]
    whole = every[~edges.good[every]]
    # A good store's first dates end before the first in-hours poll of its second
    # polled date, its last ones start after the last of its second-to-last: time
    # before (after) a poll depends on no later (earlier) poll. The rule counts no
    # poll outside the window, nor one outside business hours, so what is read is
    # the window's start to the first polled date's last in-hours poll, the last
    # polled date's first one to the window's end, and those two polls between.
    window_start, window_end = _windows_of(good, stored[1], first_day, last_day)
    start_lo = np.maximum(window_start, start_us)
    first_closes = np.minimum(edges.first_closes_us[good], end_us)
    end_hi = np.minimum(window_end, end_us)
    found = polls_in_ranges(
        url, conn, np.concatenate([good, good, whole]),
        np.concatenate([start_lo, edges.last_opens_us[good], np.full(len(whole), start_us)]),
        np.concatenate([first_closes, end_hi, np.full(len(whole), end_us)]),
        at=(np.concatenate([good, good]),
            np.concatenate([edges.second_opens_us[good], edges.second_last_closes_us[good]])))
    # A store is listed when it has a poll by its window's end; one whose polls
    # read might all come after it (a zone furthest east) is also given its
    # newest poll before the range.
    surely_listed = found.store_key[found.ts <= min(end_us, _earliest_end_us(period))]
    quiet = np.setdiff1d(every, surely_listed)
    older = _quiet_stores_newest(url, conn, quiet, start_us)
    found = PollArrays.joined([found, PollArrays(*older)])
    return _assembled(url, conn, found, kept, edges, good, whole, (first_day, last_day),
                      as_of_us, stored)


def _kept_of_period(url: str, conn: Connection, first_day: int, last_day: int,
                    kept_dates: tuple[int | None, int | None], every: I64) -> pd.DataFrame:
    """The kept rows of the stores `every` (sorted keys), sorted by store and date:
    those of local dates first_day … last_day, and perhaps others (`kept_dates`:
    the first and last kept date)."""
    lo, hi = kept_dates
    if lo is None or hi is None:
        return kept_rows(url, conn, "1 = 0")
    if 2 * (min(hi, last_day) - max(lo, first_day) + 1) >= hi - lo + 1:
        # Most kept dates are the period's: the server scans the table a third
        # faster without testing each row's date, and the few rows of other dates
        # are passed over where they are used (_edges), not copied away.
        return kept_rows(url, conn, "1 = 1")
    # Fewer: each store's dates of the period are a range of the primary key, which
    # the server reads for a list of keys (and scans every date of a range of keys).
    return kept_rows_of(url, conn, every,
                        f"local_date >= {first_day} AND local_date <= {last_day}")


def _windows_of(keys: I64, zones: pd.DataFrame, first_day: int, last_day: int
                ) -> tuple[I64, I64]:
    """The UTC instants the stores `keys`' windows of local dates first … last start
    and end at, in their zones (a store without one: the assumed zone)."""
    size = int(max(keys.max(initial=0), zones["store_key"].max() if len(zones) else 0)) + 1
    zone_of = np.full(size, "", dtype=object)
    zone_of[zones["store_key"].to_numpy()] = zones["timezone_str"].to_numpy(dtype=object)
    midnights = local_midnights(zone_of[keys], np.array([first_day, last_day + 1]))
    return midnights[:, 0], midnights[:, 1]


def _assembled(url: str, conn: Connection, found: PollArrays, kept: pd.DataFrame,
               edges: _Edges, good: I64, whole: I64, dates: tuple[int, int], as_of_us: int,
               stored: tuple[pd.DataFrame, pd.DataFrame]) -> list[Columns]:
    """Every store's day totals of the period, in parts: a good store's first dates (to its
    first polled one) computed over a window ending at its second polled date,
    its last dates over one starting at its second-to-last, its interior from
    kept rows; the other stores computed over the whole period.

    A date before a window's last in-hours poll is the same in any window with a
    later end, and one after its first in-hours poll the same in any with an
    earlier start (engine.history.day_totals), so each edge is computed over
    a few dates, not the period's."""
    first_day, last_day = dates
    parts: list[Columns] = []
    if len(good):
        edge_polls = found.rows(edges.good[found.store_key])
        head = Windows(good, np.full(len(good), first_day), edges.second[good])
        tail = Windows(good, edges.second_last[good], np.full(len(good), last_day))
        head_days = engine_days(url, conn, edge_polls, head, as_of_us, stored=stored)
        tail_days = engine_days(url, conn, edge_polls, tail, as_of_us, stored=stored)
        # A store's dates in these parts follow one another in this order.
        parts += [_rows_where(head_days, head_days["local_date"].to_numpy()
                              <= edges.first[head_days["store_key"].to_numpy()]),
                  _kept_interior(kept, edges),
                  _rows_where(tail_days, tail_days["local_date"].to_numpy()
                              >= edges.last[tail_days["store_key"].to_numpy()])]
    if len(whole) or not parts:
        whole_days = engine_days(url, conn, found.rows(~edges.good[found.store_key]),
                                 Windows.every(whole, first_day, last_day), as_of_us,
                                 stored=stored)
        parts.append({c: whole_days[c].to_numpy() for c in _COLUMNS})
    return parts


_COLUMNS = ["store_key", "local_date", *_SUMMED]


def _stacked(parts: list[Columns], names: dict[int, str]) -> pd.DataFrame:
    """The parts' rows as one frame of day totals, in the daily CSV's order (store id
    as text, then date), named by one set of store ids: each column is gathered
    once, where concatenating frames and sorting them copied it three times."""
    arrays = {c: np.concatenate([p[c] for p in parts]).astype(np.int64, copy=False)
              for c in _COLUMNS}
    keys = arrays["store_key"]
    if len(keys):
        ids = _categorical_ids(keys, names)
        codes = np.asarray(ids.cat.codes)  # narrow integers, in text order of the ids
        # Each part holds a store's dates in order, and the parts follow one another:
        # a stable sort by store is enough (a radix sort on narrow codes), unless a
        # part was not in date order.
        order = np.argsort(codes, kind="stable")
        if not in_key_order(codes[order].astype(np.int64), arrays["local_date"][order]):
            order = np.lexsort((arrays["local_date"], codes))
        store_id = pd.Categorical.from_codes(codes[order], categories=ids.cat.categories,
                                             validate=False)
        arrays = {c: values[order] for c, values in arrays.items()}
    else:
        store_id = pd.Categorical([], categories=pd.Index([], dtype=str))
    frame = pd.DataFrame({"store_id": store_id, **arrays}, copy=False)
    frame.insert(3, "date", (arrays["local_date"] * 86_400).astype("datetime64[s]"))
    return frame


def _rows_where(days: pd.DataFrame, chosen: npt.NDArray[np.bool_]) -> Columns:
    return {c: days[c].to_numpy()[chosen] for c in _COLUMNS}


def _kept_interior(kept: pd.DataFrame, edges: _Edges) -> Columns:
    """The kept rows strictly between each good store's first and last polled date."""
    keys, dates = kept["store_key"].to_numpy(), kept["local_date"].to_numpy()
    inside = edges.good[keys] & (dates > edges.first[keys]) & (dates < edges.last[keys])
    return {c: kept[c].to_numpy()[inside] for c in _COLUMNS}


@dataclass(frozen=True)
class _Edges:
    """Per store key: whether kept rows serve its interior, its first, second,
    second-to-last and last polled dates of the period."""

    good: npt.NDArray[np.bool_]
    first: I64
    second: I64
    second_last: I64
    last: I64
    # The first and last in-hours polls: of the first polled date, the last; of the
    # second, the first; of the second-to-last, the last; of the last, the first.
    first_closes_us: I64
    second_opens_us: I64
    second_last_closes_us: I64
    last_opens_us: I64


def _edges(kept: pd.DataFrame, as_of_us: int, size: int, first_day: int,
           last_day: int) -> _Edges:
    """The edges of the period of local dates first_day … last_day: only kept rows of
    its dates count (a row strictly between two of them is one of them too)."""
    keys = kept["store_key"].to_numpy()
    dates = kept["local_date"].to_numpy()
    polled = ((kept["polls"].to_numpy() > 0) & (kept["first_poll_us"].to_numpy() <= as_of_us)
              & (dates >= first_day) & (dates <= last_day))
    p_keys, p_dates = keys[polled], dates[polled]  # sorted by store, then date
    opens = kept["first_poll_us"].to_numpy()[polled]
    closes = kept["last_poll_us"].to_numpy()[polled]
    first = np.zeros(size, dtype=np.int64)
    second, second_last, last = first.copy(), first.copy(), first.copy()
    first_closes, second_opens = first.copy(), first.copy()
    second_last_closes, last_opens = first.copy(), first.copy()
    count = np.bincount(p_keys, minlength=size)
    if len(p_keys):
        starts = np.flatnonzero(np.r_[True, p_keys[1:] != p_keys[:-1]])
        ends = np.r_[starts[1:], len(p_keys)]
        owner = p_keys[starts]
        first[owner], last[owner] = p_dates[starts], p_dates[ends - 1]
        first_closes[owner], last_opens[owner] = closes[starts], opens[ends - 1]
        at_second, at_second_last = np.minimum(starts + 1, ends - 1), np.maximum(ends - 2, starts)
        second[owner], second_opens[owner] = p_dates[at_second], opens[at_second]
        second_last[owner] = p_dates[at_second_last]
        second_last_closes[owner] = closes[at_second_last]
    inside = (dates > first[keys]) & (dates < last[keys])
    interior = np.bincount(keys[inside], minlength=size)
    good = (count >= 2) & (interior == last - first - 1)
    return _Edges(good, first, second, second_last, last, first_closes, second_opens,
                  second_last_closes, last_opens)
