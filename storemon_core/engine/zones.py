"""Local wall-clock time to UTC, read the way zoneinfo reads a naive time (fold=0).

Business hours are wall-clock times; polls are UTC instants. docs/counting.md fixes the
reading of ambiguous and non-existent wall times to zoneinfo's default, which
always applies the offset in force *before* a transition. Asking zoneinfo per
shift would be a Python call per row, so each zone's transitions near the windows
are found once (and kept, day by day) and every shift is converted with one `searchsorted`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.frames import DEFAULT_TIMEZONE
from storemon_core.units import I64, US_PER_DAY, US_PER_HOUR, US_PER_SECOND

_PROBE_STEP_US = US_PER_HOUR  # transitions in modern tzdata are hours apart at least


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The zone for an IANA name, or None when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def is_valid_timezone(name: str) -> bool:
    return zone(name) is not None


def _offset_us(tz: ZoneInfo, utc_us: int) -> int:
    instant = datetime.fromtimestamp(utc_us / US_PER_SECOND, tz=UTC).astimezone(tz)
    offset = instant.utcoffset()
    assert offset is not None
    return int(offset.total_seconds() * US_PER_SECOND)


def _transitions(tz: ZoneInfo, lo_us: int, hi_us: int) -> tuple[I64, I64]:
    """Offset changes between two UTC instants: (instants, offsets).

    `offsets` has one more element than `instants`: offsets[k] is in force before
    instants[k], offsets[k + 1] after it. Found by probing hourly, then bisecting
    each change down to the second.
    """
    grid = list(range(lo_us - lo_us % _PROBE_STEP_US, hi_us + _PROBE_STEP_US, _PROBE_STEP_US))
    offsets = [_offset_us(tz, t) for t in grid]
    instants: list[int] = []
    kept = [offsets[0]]
    for i in range(1, len(grid)):
        if offsets[i] == offsets[i - 1]:
            continue
        before, after = grid[i - 1], grid[i]  # offset changes in (before, after]
        while after - before > US_PER_SECOND:
            mid = (before + after) // 2
            mid -= mid % US_PER_SECOND
            if mid <= before:
                break
            if _offset_us(tz, mid) == offsets[i - 1]:
                before = mid
            else:
                after = mid
        instants.append(after)
        kept.append(offsets[i])
    return np.asarray(instants, dtype=np.int64), np.asarray(kept, dtype=np.int64)


@lru_cache(maxsize=1 << 16)
def _day_transitions(name: str, day: int) -> tuple[I64, I64]:
    """`_transitions` over the UTC day (day, day + 1], kept for the next asker.

    The same zones are asked about the same days again and again (a report, a
    store's timeline, a period's hours and then its midnights), and probing is
    a Python call per hour.
    """
    tz = zone(name)
    assert tz is not None
    instants, offsets = _transitions(tz, day * US_PER_DAY, (day + 1) * US_PER_DAY - 1)
    instants.setflags(write=False)
    offsets.setflags(write=False)
    return instants, offsets


def _zone_transitions(name: str, lo_us: int, hi_us: int) -> tuple[I64, I64]:
    """Offset changes between two UTC instants, as `_transitions`, day by day."""
    parts = [_day_transitions(name, day) for day in range(lo_us // US_PER_DAY,
                                                         hi_us // US_PER_DAY + 1)]
    instants = np.concatenate([part[0] for part in parts])
    # Each day starts with the offset the day before ended with.
    offsets = np.concatenate([parts[0][1][:1], *(part[1][1:] for part in parts)])
    return instants, offsets


def local_to_utc(local_us: I64, name: str, lo_us: int, hi_us: int) -> I64:
    """Convert naive local times (microseconds since the epoch, as if UTC) to UTC.

    `lo_us`/`hi_us` bound the UTC range the times fall in (a day of slack is
    added). Ambiguous times take their first occurrence, skipped times the
    offset before the change, exactly like `datetime(..., tzinfo=zone)` with fold=0.
    """
    known = name if zone(name) is not None else DEFAULT_TIMEZONE
    instants, offsets = _zone_transitions(known, lo_us - US_PER_DAY, hi_us + US_PER_DAY)
    # A wall time reads with the new offset only once it is past the transition
    # under both offsets; that boundary, in wall time, is T + max(before, after).
    wall = instants + np.maximum(offsets[:-1], offsets[1:])
    which = np.searchsorted(wall, local_us, side="right")
    result: I64 = local_us - offsets[which]
    return result


def local_midnights(zone_names: npt.NDArray[np.object_], days: I64) -> I64:
    """UTC instants of the local midnights starting the given dates, per store.

    `days` counts local dates from 1970-01-01; the result has one row per store
    (its zone in `zone_names`) and one column per date. fold=0 as everywhere: a
    midnight skipped by a spring change reads with the offset before it.
    """
    codes, names = pd.factorize(zone_names)
    local = days * US_PER_DAY
    if len(local) == 0:
        return np.zeros((len(zone_names), 0), dtype=np.int64)
    lo_us, hi_us = int(local.min()), int(local.max())
    table = np.empty((len(names), len(days)), dtype=np.int64)
    for k, name in enumerate(names):
        table[k] = local_to_utc(local, str(name), lo_us, hi_us)
    result: I64 = table[codes]
    return result
