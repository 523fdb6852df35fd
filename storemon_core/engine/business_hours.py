"""Business hours as UTC intervals on per-store lanes.

Each shift row repeats on every local date of its weekday; shifts are laid on
the dates around the window, converted from wall-clock to UTC zone by zone, cut
to the window and united per store. Stores without rows are open around the clock.
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
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    day_weekdays = (days + _EPOCH_WEEKDAY) % 7
    first_of = np.array([days[day_weekdays == w][0] for w in range(7)], dtype=np.int64)
    count_of = np.array([(day_weekdays == w).sum() for w in range(7)], dtype=np.int64)
    counts = count_of[weekdays]
    rows = np.repeat(np.arange(len(weekdays), dtype=np.int64), counts)
    nth = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, first_of[weekdays[rows]] + 7 * nth


def business_intervals(
    store_ids: npt.NDArray[np.object_],
    business_hours: pd.DataFrame,
    zones: StoreZones,
    window_start_us: int,
    as_of_us: int,
    lane_width: int,
) -> IntervalSet:
    """Business hours of the stores inside [window_start, as_of], on their lanes.

    Lane `i` belongs to `store_ids[i]`. Intervals are cut to one microsecond past
    `as_of`, so that a poll taken exactly at `as_of` can still be in hours.
    """
    span = as_of_us - window_start_us + 1
    codes = pd.Index(store_ids).get_indexer(pd.Index(business_hours["store_id"], dtype=object))
    rows = business_hours.loc[codes >= 0]
    codes = codes[codes >= 0].astype(np.int64)

    always_open = np.flatnonzero(np.bincount(codes, minlength=len(store_ids)) == 0)
    starts = [always_open * lane_width]
    ends = [always_open * lane_width + span]

    if len(rows):
        # Local dates that can hold a shift touching the window, whatever the zone
        # (offsets reach +-14 h) and however far an overnight shift runs.
        first_day = window_start_us // US_PER_DAY - 2
        last_day = as_of_us // US_PER_DAY + 1
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
            utc[mask] = local_to_utc(local[mask], str(name), window_start_us, as_of_us)
        utc_start, utc_end = utc[: len(local_start)], utc[len(local_start):]
        base = lane * lane_width
        starts.append(base + np.clip(utc_start - window_start_us, 0, span))
        ends.append(base + np.clip(utc_end - window_start_us, 0, span))

    return IntervalSet.union(np.concatenate(starts), np.concatenate(ends))
