"""How instants are shown to a person: wall-clock time in the zone they chose."""

from __future__ import annotations

import pandas as pd


def to_display_time(values: pd.Series, timezone: str | None) -> pd.Series:
    """UTC instants as naive wall-clock times in `timezone` (UTC when None)."""
    stamps = pd.to_datetime(values, utc=True)
    if timezone:
        stamps = stamps.dt.tz_convert(timezone)
    return stamps.dt.tz_localize(None)
