"""Polls, business hours and zones laid out on per-store lanes for one as-of instant.

This is the single preparation step shared by the fleet report and a store's
timeline, so both see exactly the same in-hours polls and business hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.engine.business_hours import StoreZones, business_intervals, store_zones
from storemon_core.engine.intervals import IntervalSet
from storemon_core.instants import as_utc_instant
from storemon_core.units import I64, US_PER_WEEK, Progress


def utc_microseconds(stamps: pd.Series) -> I64:
    result: I64 = pd.DatetimeIndex(stamps).as_unit("us").asi8
    return result


@dataclass(frozen=True)
class Fleet:
    """The stores of one report and what the rule needs of each, on lanes.

    Lane `i` is `store_ids[i]`; a lane position is `i * lane_width + (t - window_start)`
    in microseconds. In-hours polls are sorted, one per instant (conflicts read inactive).
    """

    store_ids: npt.NDArray[np.object_]
    as_of: pd.Timestamp
    window_start_us: int
    as_of_us: int
    lane_width: int
    zones: StoreZones
    hours: IntervalSet
    poll_at: I64
    poll_active: npt.NDArray[np.bool_]
    last_poll_us: I64
    last_active: npt.NDArray[np.bool_]

    @property
    def span(self) -> int:
        return self.as_of_us - self.window_start_us

    @property
    def poll_lane(self) -> I64:
        result: I64 = self.poll_at // self.lane_width
        return result

    def lane_start(self, lanes: I64) -> I64:
        result: I64 = lanes * self.lane_width
        return result

    def lane_end(self, lanes: I64) -> I64:
        """The position of each lane's window end (as_of)."""
        result: I64 = lanes * self.lane_width + self.span
        return result


def _silent(fraction: float, phase: str) -> None:
    return None


def _store_lanes(store_id: pd.Series, kept: npt.NDArray[np.bool_] | None) -> tuple[
        npt.NDArray[np.object_], I64]:
    """Sorted ids of the stores of the kept polls (None: all), and each one's lane.

    A categorical column already holds the codes; factorizing a string column as it
    is beats hashing Python objects. Only the few thousand distinct ids are sorted.
    """
    if isinstance(store_id.dtype, pd.CategoricalDtype):
        codes = store_id.cat.codes.to_numpy(dtype=np.int64)
        uniques = store_id.cat.categories
    else:
        codes, uniques = pd.factorize(store_id)
    if kept is not None:
        codes = codes[kept]
    present = np.flatnonzero(np.bincount(codes, minlength=len(uniques)) > 0)
    ids = np.asarray(uniques, dtype=object)[present]
    order = np.argsort(ids, kind="stable")  # Python str order is code-point order
    lane_of = np.empty(len(uniques), dtype=np.int64)
    lane_of[present[order]] = np.arange(len(present), dtype=np.int64)
    return ids[order], lane_of[codes]


def lay_out(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    as_of: str | datetime | pd.Timestamp | None = None,
    progress: Progress | None = None,
) -> Fleet:
    """Prepare the report's stores: every store with a poll at or before `as_of`."""
    report = progress or _silent
    report(0.05, "laying out polls")
    at = utc_microseconds(polls["timestamp_utc"])
    if as_of is None:
        as_of_stamp = pd.Timestamp(int(at.max()) if len(at) else 0, unit="us", tz="UTC")
    else:
        as_of_stamp = as_utc_instant(as_of)
    as_of_us = int(as_of_stamp.value // 1000)
    window_start_us = as_of_us - US_PER_WEEK
    lane_width = US_PER_WEEK + 2  # room for a poll exactly at as_of and an hour ending after it

    seen = at <= as_of_us
    active = polls["active"].to_numpy(dtype=bool)
    # The usual case, as_of at the newest poll, drops nothing: skip the copies.
    kept = None if seen.all() else seen
    if kept is not None:
        at, active = at[kept], active[kept]
    store_ids, lanes = _store_lanes(polls["store_id"], kept)

    # The newest poll of each store; several at that instant read as inactive.
    last_poll_us = np.full(len(store_ids), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_poll_us, lanes, at)
    at_last = at == last_poll_us[lanes]
    last_active = np.bincount(lanes[at_last & ~active], minlength=len(store_ids)) == 0

    report(0.2, "business hours")
    zones = store_zones(store_ids, timezones)
    hours = business_intervals(store_ids, business_hours, zones, window_start_us, as_of_us,
                               lane_width)

    report(0.6, "polls in business hours")
    in_week = at >= window_start_us
    # One sort key: position, then inactive before active among polls at one
    # instant. Sorting the keys themselves needs no gather, and sorting first
    # makes the lookups below walk the intervals in order. Built in place: each
    # temporary the size of the polls costs as much as the arithmetic.
    key = lanes[in_week]
    key *= lane_width
    key += at[in_week]
    key -= window_start_us
    key <<= 1
    key += active[in_week]
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
        window_start_us=window_start_us,
        as_of_us=as_of_us,
        lane_width=lane_width,
        zones=zones,
        hours=hours,
        poll_at=position[first],
        poll_active=status[first],
        last_poll_us=last_poll_us,
        last_active=last_active,
    )
