"""Polls, business hours and zones laid out on per-store lanes for one as-of instant.

This is the single preparation step shared by the fleet report, a store's
timeline and a period's history, so all see exactly the same in-hours polls and
business hours. Each store has its own window: the week before as-of for the
report, its own local dates for a period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.engine.business_hours import StoreZones, business_intervals, store_zones
from storemon_core.engine.intervals import IntervalSet
from storemon_core.instants import as_utc_instant
from storemon_core.units import I64, US_PER_WEEK, Progress


def utc_microseconds(stamps: pd.Series) -> I64:
    """Instants as microseconds since the epoch: a view of the column when it already
    holds them (do not write to it), since a copy of millions costs more than a step."""
    index = pd.DatetimeIndex(stamps)
    if index.unit != "us":
        index = index.as_unit("us")
    result: I64 = index.asi8
    return result


# Each store's window [start, end] in UTC microseconds, chosen from the stores'
# zones and the as-of instant: the report's week, or a period's local dates.
Windows = Callable[[StoreZones, int], tuple[I64, I64]]


def last_week(zones: StoreZones, as_of_us: int) -> tuple[I64, I64]:
    """The report's window, the same for every store: [as_of - 7 d, as_of]."""
    stores = len(zones.names)
    return (np.full(stores, as_of_us - US_PER_WEEK, dtype=np.int64),
            np.full(stores, as_of_us, dtype=np.int64))


@dataclass(frozen=True)
class Fleet:
    """The stores of one report or period and what the rule needs of each, on lanes.

    Lane `i` is `store_ids[i]`; the instant t of its store lies at position
    `i * lane_width + (t - axis_start_us)` in microseconds, and its window
    [window_start_us[i], window_end_us[i]] is the stretch of the lane the rule
    counts. In-hours polls in each store's window are sorted, one per instant
    (conflicts read inactive).
    """

    store_ids: npt.NDArray[np.object_]
    as_of: pd.Timestamp
    as_of_us: int
    axis_start_us: int
    window_start_us: I64
    window_end_us: I64
    lane_width: int
    zones: StoreZones
    hours: IntervalSet
    poll_at: I64
    poll_active: npt.NDArray[np.bool_]
    last_poll_us: I64
    last_active: npt.NDArray[np.bool_]

    @property
    def window_length(self) -> I64:
        result: I64 = self.window_end_us - self.window_start_us
        return result

    def position(self, lanes: I64, instants: I64) -> I64:
        """Lane positions of UTC instants (microseconds) of the given lanes' stores."""
        result: I64 = lanes * self.lane_width + (instants - self.axis_start_us)
        return result

    def lane_start(self, lanes: I64) -> I64:
        """The position of each lane's window start."""
        return self.position(lanes, self.window_start_us[lanes])

    def lane_end(self, lanes: I64) -> I64:
        """The position of each lane's window end."""
        return self.position(lanes, self.window_end_us[lanes])


def _silent(fraction: float, phase: str) -> None:
    return None


Codes = npt.NDArray[np.signedinteger[Any]]


def _store_codes(store_id: pd.Series) -> tuple[Codes, npt.NDArray[np.object_]]:
    """Each poll's store as a code into the distinct ids.

    A categorical column already holds the codes (in the narrowest integers: kept
    so, as widening millions of them is a step of its own); factorizing a string
    column as it is beats hashing Python objects.
    """
    ids: npt.NDArray[np.object_]
    codes: Codes
    if isinstance(store_id.dtype, pd.CategoricalDtype):
        codes = np.asarray(store_id.cat.codes)
        ids = np.asarray(store_id.cat.categories, dtype=object)
        return codes, ids
    codes, uniques = pd.factorize(store_id)
    ids = np.asarray(uniques, dtype=object)
    return codes, ids


def _store_lanes(codes: Codes, ids: npt.NDArray[np.object_],
                 taking_part: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], I64]:
    """The stores taking part (as indices into `ids`) in the order of their ids
    (code-point order for text), and each poll's lane. Only the few thousand
    distinct ids are sorted.

    The polls of the stores left out share one lane past the others, which has no
    business hours: none of them is ever in hours.
    """
    chosen = np.flatnonzero(taking_part)
    chosen = chosen[np.argsort(ids[chosen], kind="stable")]
    lane_of = np.full(len(ids), len(chosen), dtype=np.int64)
    lane_of[chosen] = np.arange(len(chosen), dtype=np.int64)
    return chosen, lane_of[codes]


def lay_out(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    as_of: str | datetime | pd.Timestamp | None = None,
    progress: Progress | None = None,
    windows: Windows = last_week,
) -> Fleet:
    """Prepare the stores with a poll at or before the end of their window.

    A store whose window starts at or after `as_of` has none and is left out.
    The default window is the report's week, whose end is `as_of` for every store.
    """
    report = progress or _silent
    report(0.05, "laying out polls")
    at = utc_microseconds(polls["timestamp_utc"])
    if as_of is None:
        as_of_stamp = pd.Timestamp(int(at.max()) if len(at) else 0, unit="us", tz="UTC")
    else:
        as_of_stamp = as_utc_instant(as_of)
    as_of_us = int(as_of_stamp.value // 1000)

    codes, ids = _store_codes(polls["store_id"])
    seen = at <= as_of_us
    active = polls["active"].to_numpy(dtype=bool)
    # The usual case, as_of at the newest poll, drops nothing: skip the copies.
    if not seen.all():
        at, active, codes = at[seen], active[seen], codes[seen]
    zones = store_zones(ids, timezones)
    window_start, window_end = windows(zones, as_of_us)
    window_end = np.minimum(window_end, as_of_us)
    window_start = np.minimum(window_start, window_end)
    # docs/counting.md: a store takes part when its window has begun by as_of and it has a
    # poll at or before the window's end.
    if bool((window_end == as_of_us).all()):
        polled = np.bincount(codes, minlength=len(ids)) > 0
    else:
        earliest = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(earliest, codes, at)
        polled = earliest <= window_end
    chosen, lanes = _store_lanes(codes, ids, polled & (window_start < window_end))
    stores = len(chosen)
    store_ids, zones = ids[chosen], zones.take(chosen)
    window_start, window_end = window_start[chosen], window_end[chosen]
    axis_start = int(window_start.min()) if stores else as_of_us
    axis_end = int(window_end.max()) if stores else as_of_us
    # Room for a poll exactly at the window's end and an hour ending after it.
    lane_width = axis_end - axis_start + 2
    if 2 * lane_width * (stores + 1) >= 2**62:
        raise ValueError(f"{stores} stores over windows of {lane_width} µs do not fit "
                         "the lanes of one axis")

    # The newest poll of each store; several at that instant read as inactive.
    last_poll_us = np.full(stores + 1, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_poll_us, lanes, at)
    at_last = at == last_poll_us[lanes]
    last_active = np.bincount(lanes[at_last & ~active], minlength=stores + 1)[:stores] == 0

    report(0.2, "business hours")
    hours = business_intervals(store_ids, business_hours, zones, window_start, window_end,
                               axis_start, lane_width)

    report(0.6, "polls in business hours")
    # Polls outside a store's own window lie outside its business hours, which are
    # cut to the window: only the axis' ends need a test here.
    on_axis = (at >= axis_start) & (at <= axis_end)
    if not on_axis.all():
        lanes, at, active = lanes[on_axis], at[on_axis], active[on_axis]
    # One sort key: position, then inactive before active among polls at one
    # instant. Sorting the keys themselves needs no gather, and sorting first
    # makes the lookups below walk the intervals in order. Built in place: each
    # temporary the size of the polls costs as much as the arithmetic.
    key = lanes
    key *= lane_width
    key += at
    key -= axis_start
    key <<= 1
    key += active
    key.sort()
    # key = 2 * position + status, so the hours scaled by two hold a key exactly
    # when the hours hold its position: filter before splitting the key.
    doubled = IntervalSet(hours.starts * 2, hours.ends * 2)
    key = key[doubled.contains(key)]
    position, status = key >> 1, (key & 1).astype(bool)
    first = np.r_[True, position[1:] != position[:-1]] if len(position) else np.zeros(0, bool)

    return Fleet(
        store_ids=store_ids,
        as_of=as_of_stamp,
        as_of_us=as_of_us,
        axis_start_us=axis_start,
        window_start_us=window_start,
        window_end_us=window_end,
        lane_width=lane_width,
        zones=zones,
        hours=hours,
        poll_at=position[first],
        poll_active=status[first],
        last_poll_us=last_poll_us[:stores],
        last_active=last_active,
    )
