"""Who the sample's stores are: their ids, business hours and time zones.

Real stores take theirs from a real export folder; synthetic stores carry every
shape docs/counting.md names: split, overnight and whole-day shifts, closed
weekdays, missing hours and missing zones.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.sample.render import (
    HOURS_FILE,
    HOURS_HEADER,
    TIMEZONES_FILE,
    TIMEZONES_HEADER,
    clock_strings,
)

_MIN = 60  # seconds, for the business-hours tables

# Synthetic stores' zones: mostly US (with and without DST) plus a half-hour
# offset zone, which catches code that assumes whole-hour offsets.
_ZONES = np.array(
    [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "America/Denver",
        "America/Phoenix",
        "America/Detroit",
        "America/Indiana/Indianapolis",
        "America/Boise",
        "Pacific/Honolulu",
        "Asia/Kolkata",
        "Asia/Beirut",
    ],
    dtype=object,
)
_ZONE_WEIGHTS = np.array([0.34, 0.22, 0.18, 0.05, 0.05, 0.03, 0.03, 0.02, 0.02, 0.04, 0.02])

# Business-hours shapes of synthetic stores.
NO_HOURS, DAY, SPLIT, OVERNIGHT, WHOLE_DAY, MIDNIGHT_SPLIT, LATE_WEEKEND, OVERLAP = range(8)
PATTERN_NAMES = (
    "no_hours",
    "day",
    "split",
    "overnight",
    "whole_day",
    "midnight_split",
    "late_weekend",
    "overlap",
)
_PATTERN_WEIGHTS = np.array([0.08, 0.34, 0.14, 0.12, 0.06, 0.10, 0.10, 0.06])


def read_real(
    real_dir: Path | None,
) -> tuple[npt.NDArray[np.object_], pd.DataFrame, pd.DataFrame]:
    """The store ids, hours rows and zone rows of a real export folder (none without one)."""
    hours_cols = HOURS_HEADER.split(",")
    zone_cols = TIMEZONES_HEADER.split(",")
    empty = np.array([], dtype=object)
    if real_dir is None:
        return empty, pd.DataFrame(columns=hours_cols), pd.DataFrame(columns=zone_cols)
    hours = pd.read_csv(real_dir / HOURS_FILE, dtype=str, keep_default_na=False)
    hours = hours.rename(columns={"day": "dayOfWeek"})
    hours = hours.apply(lambda col: col.str.strip())[hours_cols]
    zones = pd.read_csv(real_dir / TIMEZONES_FILE, dtype=str, keep_default_na=False)
    zones = zones.apply(lambda col: col.str.strip())[zone_cols]
    ids = np.unique(
        np.concatenate([hours["store_id"].to_numpy(str), zones["store_id"].to_numpy(str)])
    )
    return ids.astype(object), hours, zones


def synthetic_ids(
    rng: np.random.Generator, n: int, taken: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """19-digit numbers like the 2023 export, and some UUIDs like the 2025 one."""
    taken_set = set(taken.tolist())
    numbers = rng.integers(10**18, 2**63 - 1, size=n, dtype=np.int64)
    uuid_bytes = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    is_uuid = rng.random(n) < 0.15
    ids: list[str] = []
    for i in range(n):
        if is_uuid[i]:
            sid = str(uuid.UUID(bytes=uuid_bytes[i].tobytes(), version=4))
        else:
            sid = str(int(numbers[i]))
        while sid in taken_set:  # practically never; keeps ids unique regardless
            sid = str(int(rng.integers(10**18, 2**63 - 1, dtype=np.int64)))
        taken_set.add(sid)
        ids.append(sid)
    return np.array(ids, dtype=object)


def choose_patterns(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """Every shape at least once (when there is room), the rest at random."""
    weights = _PATTERN_WEIGHTS / _PATTERN_WEIGHTS.sum()
    patterns = rng.choice(len(PATTERN_NAMES), size=n, p=weights).astype(np.int64)
    first = np.arange(min(n, len(PATTERN_NAMES)), dtype=np.int64)
    patterns[: first.size] = first
    return patterns


def synthetic_hours(
    rng: np.random.Generator, ids: npt.NDArray[np.object_], patterns: npt.NDArray[np.int64]
) -> pd.DataFrame:
    n = ids.size
    # Per-store times in seconds, drawn for every store and used by its pattern.
    open_day = (6 * 60 + 30 * rng.integers(0, 11, n)) * _MIN  # 06:00-11:00
    close_day = (20 * 60 + 30 * rng.integers(0, 7, n)) * _MIN  # 20:00-23:00
    late_close = rng.random(n)
    close_day = np.where(late_close < 0.12, 23 * 3600 + 59 * 60, close_day)
    close_day = np.where(late_close > 0.92, 23 * 3600 + 59 * 60 + 59, close_day)
    lunch_open = (10 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 10:00-11:00
    lunch_close = (14 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 14:00-15:00
    dinner_open = (17 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 17:00-18:00
    dinner_close = (21 * 60 + 30 * rng.integers(0, 4, n)) * _MIN  # 21:00-22:30
    night_open = (16 * 60 + 60 * rng.integers(0, 5, n)) * _MIN  # 16:00-20:00
    night_close = (60 + 30 * rng.integers(0, 5, n)) * _MIN  # 01:00-03:00
    whole_from = np.where(rng.random(n) < 0.6, 0, (4 * 60 + 60 * rng.integers(0, 4, n)) * _MIN)
    after_midnight = (10 + 10 * rng.integers(0, 9, n)) * _MIN  # 00:10-01:30

    store_parts: list[npt.NDArray[np.int64]] = []
    day_parts: list[npt.NDArray[np.int64]] = []
    start_parts: list[npt.NDArray[np.int64]] = []
    end_parts: list[npt.NDArray[np.int64]] = []

    def add(
        mask: npt.NDArray[np.bool_],
        start: npt.NDArray[np.int64],
        end: npt.NDArray[np.int64],
        weekdays: tuple[int, ...] = tuple(range(7)),
    ) -> None:
        stores = np.flatnonzero(mask)
        for dow in weekdays:
            store_parts.append(stores)
            day_parts.append(np.full(stores.size, dow, dtype=np.int64))
            start_parts.append(start[stores])
            end_parts.append(end[stores])

    weekend_later = np.where(rng.random(n) < 0.5, 3600, 0)
    weekdays, weekend = (0, 1, 2, 3, 4), (5, 6)
    add(patterns == DAY, open_day, close_day, weekdays)
    add(patterns == DAY, open_day + weekend_later, close_day, weekend)
    add(patterns == SPLIT, lunch_open, lunch_close)
    add(patterns == SPLIT, dinner_open, dinner_close)
    add(patterns == OVERNIGHT, night_open, night_close)
    add(patterns == WHOLE_DAY, whole_from, whole_from)
    add(patterns == MIDNIGHT_SPLIT, np.zeros(n, dtype=np.int64), after_midnight)
    add(patterns == MIDNIGHT_SPLIT, open_day + 3 * 3600, np.full(n, 23 * 3600 + 59 * 60))
    add(patterns == LATE_WEEKEND, open_day, close_day, (6, 0, 1, 2, 3))
    add(patterns == LATE_WEEKEND, open_day, night_close, (4, 5))
    add(patterns == OVERLAP, open_day, lunch_close + 3600)
    add(patterns == OVERLAP, lunch_close, close_day)

    store = np.concatenate(store_parts)
    dow = np.concatenate(day_parts)
    start = np.concatenate(start_parts)
    end = np.concatenate(end_parts)

    # About a third of the stores with hours are closed on one or two weekdays
    # (a day off, or Sunday and Monday); the first "day" store always is.
    closed_kind = rng.choice(3, size=n, p=[0.68, 0.22, 0.10])
    closed_kind[np.flatnonzero(patterns == DAY)[:1]] = 1
    day_off = rng.integers(0, 7, n)
    closed = ((closed_kind[store] == 1) & (dow == day_off[store])) | (
        (closed_kind[store] == 2) & ((dow == 6) | (dow == 0))
    )
    keep = ~closed
    store, dow, start, end = store[keep], dow[keep], start[keep], end[keep]

    order = np.lexsort((start, dow, store))
    store, dow, start, end = store[order], dow[order], start[order], end[order]
    return pd.DataFrame(
        {
            "store_id": pd.Series(ids[store], dtype=object),
            "dayOfWeek": pd.Series(dow.astype(str), dtype=object),
            "start_time_local": pd.Series(clock_strings(start), dtype=object),
            "end_time_local": pd.Series(clock_strings(end), dtype=object),
        }
    )


def synthetic_zones(
    rng: np.random.Generator, ids: npt.NDArray[np.object_], patterns: npt.NDArray[np.int64]
) -> pd.DataFrame:
    n = ids.size
    zone_idx = rng.choice(_ZONES.size, size=n, p=_ZONE_WEIGHTS / _ZONE_WEIGHTS.sum())
    has_zone = rng.random(n) >= 0.07
    zones = _ZONES[zone_idx]
    # The example stores get zones that exercise the rules: DST nights for the
    # overnight and whole-day shifts, a half-hour offset, and one store without
    # a zone (the Chicago default).
    fixed = {
        OVERNIGHT: "America/Chicago",
        WHOLE_DAY: "America/New_York",
        OVERLAP: "Asia/Kolkata",
        DAY: "America/Los_Angeles",
    }
    for pattern, zone in fixed.items():
        hit = np.flatnonzero(patterns == pattern)[:1]
        zones[hit] = zone
        has_zone[hit] = True
    has_zone[np.flatnonzero(patterns == SPLIT)[:1]] = False
    return pd.DataFrame(
        {
            "store_id": pd.Series(ids[has_zone], dtype=object),
            "timezone_str": pd.Series(zones[has_zone], dtype=object),
        }
    )
