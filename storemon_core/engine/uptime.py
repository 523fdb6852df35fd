"""The uptime report: one row per store, numbers as docs/counting.md defines them."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from storemon_core.engine.fleet import Fleet, lay_out
from storemon_core.engine.rule import clock, status_spans
from storemon_core.units import US_PER_HOUR, US_PER_MINUTE, Progress

# The report's columns (docs/formats.md, "The report"); the extended ones follow the seven.
REPORT_COLUMNS = [
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
]

EXTENDED_COLUMNS = [
    *REPORT_COLUMNS,
    "business_hours_last_hour",
    "business_hours_last_day",
    "business_hours_last_week",
    "polls_last_hour",
    "polls_last_day",
    "polls_last_week",
    "last_status",
    "last_poll_utc",
    "timezone_str",
    "unobserved_last_hour",
    "unobserved_last_day",
    "unobserved_last_week",
]

WINDOWS = {"hour": US_PER_HOUR, "day": 24 * US_PER_HOUR, "week": 7 * 24 * US_PER_HOUR}
# The hour window is counted in minutes, the others in hours.
UNIT_US = {"hour": US_PER_MINUTE, "day": US_PER_HOUR, "week": US_PER_HOUR}


def uptime_report(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    as_of: str | datetime | pd.Timestamp | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Uptime and downtime of every store with a poll at or before `as_of`.

    `as_of` defaults to the newest poll. The result has EXTENDED_COLUMNS, sorted by
    store_id as text; `attrs["as_of"]` holds the instant used.
    """
    fleet = lay_out(polls, business_hours, timezones, as_of, progress)
    if progress:
        progress(0.8, "counting")
    report = fleet_report(fleet)
    if progress:
        progress(1.0, "done")
    return report


def fleet_report(fleet: Fleet) -> pd.DataFrame:
    """The report of stores already laid out on lanes."""
    spans = status_spans(fleet)
    totals = spans.running_totals()
    lanes = np.arange(len(fleet.store_ids), dtype=np.int64)
    lane_end = fleet.lane_end(lanes)
    at_end = clock(fleet.hours, spans, totals, lane_end)
    # In-hours polls are sorted on the axis, so a window's polls of one store are
    # those between two searches.
    polls_before_end = np.searchsorted(fleet.poll_at, lane_end, side="right")

    columns: dict[str, object] = {"store_id": fleet.store_ids}
    for name, length in WINDOWS.items():
        window_start = lane_end - length
        counted = at_end.since(clock(fleet.hours, spans, totals, window_start))
        unit = UNIT_US[name]
        columns[f"uptime_last_{name}"] = counted.uptime / unit
        columns[f"downtime_last_{name}"] = counted.downtime / unit
        columns[f"business_hours_last_{name}"] = counted.business / unit
        columns[f"unobserved_last_{name}"] = counted.unobserved / unit
        columns[f"polls_last_{name}"] = polls_before_end - np.searchsorted(
            fleet.poll_at, window_start, side="left")
    columns["last_status"] = np.where(fleet.last_active, "active", "inactive")
    columns["last_poll_utc"] = pd.to_datetime(fleet.last_poll_us, unit="us", utc=True)
    columns["timezone_str"] = fleet.zones.names

    report = pd.DataFrame(columns).loc[:, EXTENDED_COLUMNS]
    report.attrs["as_of"] = fleet.as_of
    return report
