"""Business hours as UTC intervals on per-store lanes.

Each shift row repeats on every local date of its weekday; shifts are laid on
the dates around the windows, converted from wall-clock to UTC zone by zone, cut
to each store's window and united per store. Stores without rows are open around the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.engine.intervals import IntervalSet
from storemon_core.engine.zones import local_to_utc, zone
from storemon_core.frames import DEFAULT_TIMEZONE
from storemon_core.units import I64, US_PER_DAY

_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday; Monday = 0 as in the exports


@dataclass(frozen=True)
class StoreZones:
    """Each reported store's zone name, and whether it came from the file."""

    names: npt.NDArray[np.object_]
    from_file: npt.NDArray[np.bool_]

    def take(self, stores: npt.NDArray[np.intp] | npt.NDArray[np.int64]) -> StoreZones:
        return StoreZones(self.names[stores], self.from_file[stores])


def store_zones(store_ids: npt.NDArray[np.object_], timezones: pd.DataFrame) -> StoreZones:
    """Zones for the given stores: the last valid row of each, else the default."""
    codes, names = pd.factorize(timezones["timezone_str"].astype(object))
    known = np.array([zone(str(name)) is not None for name in names], dtype=bool)
    valid = timezones.loc[(codes >= 0) & known[np.maximum(codes, 0)]] if len(names) else timezones
    last = valid.drop_duplicates("store_id", keep="last")
    found = pd.Series(last["timezone_str"].to_numpy(dtype=object),
                      index=last["store_id"].astype(object)).reindex(store_ids)
    from_file = found.notna().to_numpy()
    return StoreZones(found.fillna(DEFAULT_TIMEZONE).to_numpy(dtype=object), from_file)


def _microseconds(offsets: pd.Series) -> I64:
    result: I64 = offsets.to_numpy(dtype="timedelta64[us]").astype(np.int64)
    return result


def _shift_dates(weekdays: npt.NDArray[np.int8], first_day: int, last_day: int) -> tuple[I64, I64]:
    """Every (row, local date) pair with the row's weekday, dates in [first, last]."""
    # The first date of each weekday in the range, and how many there are (a
    # period's window can be shorter than a week).
    weekday = np.arange(7, dtype=np.int64)
    first_of = first_day + (weekday - (first_day + _EPOCH_WEEKDAY)) % 7
    count_of = np.maximum((last_day - first_of) // 7 + 1, 0)
    counts = count_of[weekdays]
    rows = np.repeat(np.arange(len(weekdays), dtype=np.int64), counts)
    nth = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, first_of[weekdays[rows]] + 7 * nth


def business_intervals(
    store_ids: npt.NDArray[np.object_],
    business_hours: pd.DataFrame,
    zones: StoreZones,
    window_start_us: I64,
    window_end_us: I64,
    axis_start_us: int,
    lane_width: int,
) -> IntervalSet:
    """Business hours of each store inside its window [start, end], on its lane.

    Lane `i` belongs to `store_ids[i]`: instant t lies at
    `i * lane_width + (t - axis_start_us)`. Intervals are cut to one microsecond
    past the window's end, so that a poll taken exactly at the end can still be in
    hours.
    """
    window_stop_us = window_end_us + 1
    codes = pd.Index(store_ids).get_indexer(pd.Index(business_hours["store_id"], dtype=object))
    rows = business_hours.loc[codes >= 0]
    codes = codes[codes >= 0].astype(np.int64)

    always_open = np.flatnonzero(np.bincount(codes, minlength=len(store_ids)) == 0)
    base = always_open * lane_width - axis_start_us
    starts = [base + window_start_us[always_open]]
    ends = [base + window_stop_us[always_open]]

    if len(rows):
        lo_us, hi_us = int(window_start_us.min()), int(window_end_us.max())
        # Local dates that can hold a shift touching a window, whatever the zone
        # (offsets reach +-14 h) and however far an overnight shift runs.
        first_day = lo_us // US_PER_DAY - 2
        last_day = hi_us // US_PER_DAY + 1
        weekdays = rows["day_of_week"].to_numpy(dtype=np.int8)
        row_of, day = _shift_dates(weekdays, first_day, last_day)
        open_at = _microseconds(rows["start_time_local"])[row_of]
        close_at = _microseconds(rows["end_time_local"])[row_of]
        local_start = day * US_PER_DAY + open_at
        # end < start closes the next day; end == start is a whole day to the same time.
        local_end = day * US_PER_DAY + close_at + np.where(close_at <= open_at, US_PER_DAY, 0)
        lane = codes[row_of]

        # A few dozen zones among thousands of stores: convert zone by zone, with
        # both ends of the shifts in one call so each zone's transitions are found once.
        zone_of_lane, zone_names = pd.factorize(zones.names)
        zone_codes = zone_of_lane[lane]
        local = np.concatenate([local_start, local_end])
        utc = np.empty_like(local)
        for k, name in enumerate(zone_names):
            mask = np.concatenate([zone_codes == k] * 2)
            utc[mask] = local_to_utc(local[mask], str(name), lo_us, hi_us)
        utc_start, utc_end = utc[: len(local_start)], utc[len(local_start):]
        base = lane * lane_width - axis_start_us
        lo, hi = window_start_us[lane], window_stop_us[lane]
        starts.append(base + np.clip(utc_start, lo, hi))
        ends.append(base + np.clip(utc_end, lo, hi))

    return IntervalSet.union(np.concatenate(starts), np.concatenate(ends))
