"""A period's history from the database (docs/counting.md "History").

From kept day totals (storemon_core.db.day_totals): each store's dates strictly
between its first and last in-hours poll of the period are kept rows; its edge
dates (from `first` to its first polled date, from its last polled date to
`last`) are computed by the engine from the raw polls of those dates and of the
next polled date inwards, which is all their spans can reach. A store without
two polled dates, or whose kept rows are incomplete, is computed from all its
raw polls of the period. Either way the numbers equal the direct computation.

Directly (`kept=False`): every store's window lies between local midnight of
`first` and local midnight after `last` in its own zone, so the polls of all
windows lie inside one UTC range: from that first midnight in the zone furthest
east to the last midnight in the zone furthest west. Reading that range (and each
quiet store's newest earlier poll, so that it is listed) gives the engine all it
needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection

from storemon_core.db.columns import Columns
from storemon_core.db.database import READ_ATTEMPTS, Database
from storemon_core.db.day_totals import kept_rows
from storemon_core.db.engine_days import Windows, engine_days, stored_hours
from storemon_core.db.partitions import EVERY_STORE
from storemon_core.db.poll_arrays import PollArrays, polls_in_ranges
from storemon_core.db.reads import _categorical_ids, _quiet_stores_newest, _store_names
from storemon_core.engine.history import History, daily_frame, history, period_frame
from storemon_core.engine.intervals import in_key_order
from storemon_core.engine.period import Period, dates_of, period_of
from storemon_core.engine.zones import local_midnights
from storemon_core.frames import Inputs
from storemon_core.instants import as_utc_instant, microseconds
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


def resolve_period(
    db: Database, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None,
) -> Period | None:
    """The checked period, as of `as_of` or the newest poll; None when there are no polls.

    Raises PeriodError or InstantError (both ValueErrors) with a message for people.
    """
    if as_of is None:
        dates_of(first, last)
        newest = db.newest_poll()
        if newest is None:
            return None
        return period_of(first, last, newest)
    return period_of(first, last, as_utc_instant(as_of))


def read_history(
    db: Database, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None, progress: Progress | None = None,
    kept: bool = True,
) -> History:
    """Every store's period first … last as of `as_of` (default: the newest poll),
    from kept day totals, or `kept=False` directly from the raw polls."""
    period = resolve_period(db, first, last, as_of)
    if period is None:
        nothing = Inputs()
        return history(nothing.polls, nothing.business_hours, nothing.timezones, first, last)
    if kept:
        days = kept_history_days(db, period, progress)
        return History(period, daily_frame(days), period_frame(days))
    if progress:
        progress(0.0, "reading polls")
    start_us, end_us = period_range_us(period)
    inputs = db.read_inputs_between(start_us, end_us)
    return history(inputs.polls, inputs.business_hours, inputs.timezones,
                   period.first, period.last, period.as_of, progress)


def read_store_history(
    db: Database, store_id: str, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None,
) -> History:
    """One store's period, as read_history gives it, from that store's polls alone."""
    period = resolve_period(db, first, last, as_of)
    if period is None:
        nothing = Inputs()
        return history(nothing.polls, nothing.business_hours, nothing.timezones, first, last)
    start_us, end_us = period_range_us(period)
    inputs = db.store_inputs_between(store_id, start_us, end_us)
    return history(inputs.polls, inputs.business_hours, inputs.timezones,
                   period.first, period.last, period.as_of)


def kept_history_days(db: Database, period: Period,
                      progress: Progress | None = None) -> pd.DataFrame:
    """The period's day totals from kept rows and the edge dates' raw polls."""
    db.create_schema()
    # The reads are separate queries (connectorx opens its own connections): a
    # load committing between them would mix two states, so read again then.
    for _ in range(READ_ATTEMPTS - 1):
        version = db.data_version()
        with db.read() as conn:
            days = _kept_days(db.url, conn, period, progress)
        if db.data_version() == version:
            return days
    with db.read() as conn:
        return _kept_days(db.url, conn, period, progress)


def _kept_days(url: str, conn: Connection, period: Period,
               progress: Progress | None) -> pd.DataFrame:
    first_day = period.first_day
    last_day = first_day + period.days - 1
    start_us, end_us = period_range_us(period)
    as_of_us = microseconds(period.as_of)
    if progress:
        progress(0.0, "reading kept day totals")
    kept = _kept_of_period(url, conn, first_day, last_day)
    names = _store_names(url, conn, EVERY_STORE)
    every = np.fromiter(names, dtype=np.int64, count=len(names))
    edges = _edges(kept, as_of_us, int(every.max(initial=0)) + 1)
    good = every[edges.good[every]]
    whole = every[~edges.good[every]]
    # A good store's first dates end before the first in-hours poll of its second
    # polled date, its last ones start after the last of its second-to-last: time
    # before (after) a poll depends on no later (earlier) poll, so those are read,
    # from its own window's start to its end (the rule counts no poll outside).
    stored = stored_hours(url, conn)
    window_start, window_end = _windows_of(good, stored[1], first_day, last_day)
    start_lo = np.maximum(window_start, start_us)
    after_start = np.minimum(edges.second_opens_us[good], end_us)
    before_end = edges.second_last_closes_us[good]
    end_hi = np.minimum(window_end, end_us)
    if progress:
        progress(0.3, "reading the edge dates' polls")
    found = polls_in_ranges(
        url, conn, np.concatenate([good, good, whole]),
        np.concatenate([start_lo, before_end, np.full(len(whole), start_us)]),
        np.concatenate([after_start, end_hi, np.full(len(whole), end_us)]))
    # A store is listed when it has a poll by its window's end; one whose polls
    # read might all come after it (a zone furthest east) is also given its
    # newest poll before the range.
    surely_listed = found.store_key[found.ts <= min(end_us, _earliest_end_us(period))]
    quiet = np.setdiff1d(every, surely_listed)
    older = _quiet_stores_newest(url, conn, quiet, start_us)
    found = PollArrays.joined([found, PollArrays(*older)])
    if progress:
        progress(0.6, f"computing the edge dates of {len(good):,} stores")
    return _assembled(url, conn, found, kept, edges, np.sort(good), np.sort(whole),
                      (first_day, last_day), as_of_us, names, stored)


def _kept_of_period(url: str, conn: Connection, first_day: int, last_day: int) -> pd.DataFrame:
    """The kept rows of local dates first_day … last_day, sorted by store and date."""
    lo, hi, low_key, high_key = conn.exec_driver_sql(
        "SELECT MIN(local_date), MAX(local_date), MIN(store_key), MAX(store_key) "
        "FROM store_days").one()
    if lo is None:
        return kept_rows(url, conn, "1 = 0")
    keys = (int(low_key), int(high_key))
    if 2 * (min(hi, last_day) - max(lo, first_day) + 1) >= hi - lo + 1:
        # Most kept dates are the period's: the server scans the table a third
        # faster without testing each row's date, and the test costs nothing here.
        return kept_rows(url, conn, "1 = 1", local_dates=(first_day, last_day),
                         key_range=keys)
    return kept_rows(url, conn, f"local_date >= {first_day} AND local_date <= {last_day}",
                     key_range=keys)


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
               names: dict[int, str], stored: tuple[pd.DataFrame, pd.DataFrame]
               ) -> pd.DataFrame:
    """Every store's day totals of the period: a good store's first dates (to its
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
        head_days = engine_days(url, conn, edge_polls, head, as_of_us, names, stored=stored)
        tail_days = engine_days(url, conn, edge_polls, tail, as_of_us, names, stored=stored)
        # A store's dates in these parts follow one another in this order.
        parts += [_rows_where(head_days, head_days["local_date"].to_numpy()
                              <= edges.first[head_days["store_key"].to_numpy()]),
                  _kept_interior(kept, edges),
                  _rows_where(tail_days, tail_days["local_date"].to_numpy()
                              >= edges.last[tail_days["store_key"].to_numpy()])]
    if len(whole) or not parts:
        whole_days = engine_days(url, conn, found.rows(~edges.good[found.store_key]),
                                 Windows.every(whole, first_day, last_day), as_of_us, names,
                                 stored=stored)
        parts.append(_rows_where(whole_days, np.ones(len(whole_days), dtype=bool)))
    return _stacked(parts, names)


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
    second_opens_us: I64  # the first in-hours poll of the second polled date
    second_last_closes_us: I64  # the last in-hours poll of the second-to-last


def _edges(kept: pd.DataFrame, as_of_us: int, size: int) -> _Edges:
    keys = kept["store_key"].to_numpy()
    dates = kept["local_date"].to_numpy()
    polled = (kept["polls"].to_numpy() > 0) & (kept["first_poll_us"].to_numpy() <= as_of_us)
    p_keys, p_dates = keys[polled], dates[polled]  # sorted by store, then date
    opens = kept["first_poll_us"].to_numpy()[polled]
    closes = kept["last_poll_us"].to_numpy()[polled]
    first = np.zeros(size, dtype=np.int64)
    second, second_last, last = first.copy(), first.copy(), first.copy()
    second_opens, second_last_closes = first.copy(), first.copy()
    count = np.bincount(p_keys, minlength=size)
    if len(p_keys):
        starts = np.flatnonzero(np.r_[True, p_keys[1:] != p_keys[:-1]])
        ends = np.r_[starts[1:], len(p_keys)]
        owner = p_keys[starts]
        first[owner], last[owner] = p_dates[starts], p_dates[ends - 1]
        at_second, at_second_last = np.minimum(starts + 1, ends - 1), np.maximum(ends - 2, starts)
        second[owner], second_opens[owner] = p_dates[at_second], opens[at_second]
        second_last[owner] = p_dates[at_second_last]
        second_last_closes[owner] = closes[at_second_last]
    inside = (dates > first[keys]) & (dates < last[keys])
    interior = np.bincount(keys[inside], minlength=size)
    good = (count >= 2) & (interior == last - first - 1)
    return _Edges(good, first, second, second_last, last, second_opens, second_last_closes)
