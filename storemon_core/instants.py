"""Reading an instant a person typed (an as-of), and the range every instant must lie in.

docs/formats.md, "Inputs": timestamps lie in 1970-01-01 … 2199-12-31 UTC; others are rejected,
and so is an as-of outside that range. Checking here, once, keeps pandas' own
limits (year 2262) and its overflow errors away from every caller.
"""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from storemon_core.units import US_PER_SECOND

# [EARLIEST_US, END_US): microseconds since the epoch, UTC.
EARLIEST_US = 0
_EPOCH = pd.Timestamp(0, tz="UTC")
END_US = 7_258_118_400 * US_PER_SECOND  # 2200-01-01 00:00 UTC
FIRST_YEAR, LAST_YEAR = 1970, 2199
RANGE_TEXT = "1970-01-01 … 2199-12-31 (UTC)"

# pandas reads these words as the clock's time; an as-of must name its instant.
_RELATIVE_WORDS = re.compile(r"\s*(now|today|tomorrow|yesterday)\s*", re.IGNORECASE)


class InstantError(ValueError):
    """Text that is not an instant storemon can use; the message says why."""


def in_range(us: int) -> bool:
    return EARLIEST_US <= us < END_US


def as_utc_instant(value: str | datetime | pd.Timestamp, what: str = "as-of") -> pd.Timestamp:
    """An instant given as ISO text or a datetime, in UTC (naive means UTC), in range."""
    if isinstance(value, str) and _RELATIVE_WORDS.fullmatch(value):
        raise InstantError(f"{what}: give a date and time such as 2024-03-12T15:00:00, "
                           f"not {value.strip()!r}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, OverflowError, TypeError) as exc:
        raise InstantError(f"{what}: not a date and time: {value!r}") from exc
    if pd.isna(stamp):
        raise InstantError(f"{what}: not a date and time: {value!r}")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    stamp = stamp.as_unit("us")
    # Whole years bound the range, so the year alone decides, before any arithmetic
    # that would overflow pandas' nanoseconds.
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise InstantError(f"{what}: {stamp.isoformat()} is outside {RANGE_TEXT}")
    return stamp


def microseconds(stamp: pd.Timestamp) -> int:
    """Microseconds since the epoch of a UTC timestamp (exact, whatever its unit)."""
    # Timestamp.value counts nanoseconds whatever the unit; count microseconds instead.
    return int((stamp - _EPOCH) // pd.Timedelta(microseconds=1))

