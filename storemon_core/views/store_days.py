"""The Store page's days over a period: one store's rows of the period's daily table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from storemon_core.engine.zones import local_midnights
from storemon_core.instants import microseconds
from storemon_core.units import US_PER_HOUR

STORE_DAYS_COLUMNS = ["date", "business_hours", "uptime", "downtime", "unobserved", "closed",
                      "polls"]


def store_days(daily: pd.DataFrame, store_id: str, timezone: str,
               as_of: pd.Timestamp) -> pd.DataFrame:
    """`store_id`'s dates (STORE_DAYS_COLUMNS, hours). `closed` is the rest of the local
    date outside business hours: 23 or 25 hours long when the clocks change, and
    ending at `as_of` on the date it cuts short."""
    rows = daily[daily["store_id"] == store_id]
    days = pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
    # The engine's own midnights (fold=0), so a date is as long here as in its counts.
    zone = np.array([timezone], dtype=object)
    midnight, next_midnight = local_midnights(zone, days)[0], local_midnights(zone, days + 1)[0]
    end = np.minimum(next_midnight, microseconds(as_of))
    length = (end - midnight) / US_PER_HOUR
    frame = pd.DataFrame({
        "date": pd.to_datetime(rows["date"]).dt.date.to_numpy(),
        "business_hours": rows["business_hours"].to_numpy(dtype="float64"),
        "uptime": rows["uptime"].to_numpy(dtype="float64"),
        "downtime": rows["downtime"].to_numpy(dtype="float64"),
        "unobserved": rows["unobserved"].to_numpy(dtype="float64"),
        "closed": np.maximum(length - rows["business_hours"].to_numpy(dtype="float64"), 0.0),
        "polls": rows["polls"].to_numpy(dtype=np.int64),
    })
    return frame.round({c: 2 for c in STORE_DAYS_COLUMNS[1:-1]})
