"""The Store page: one store's week read on its own, and the words and tables around it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from storemon_core.views.display import to_display_time

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.engine.timeline import StoreTimeline

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WINDOWS = [("hour", "Last hour", "min"), ("day", "Last day", "h"), ("week", "Last week", "h")]
INCIDENT_ORDERS = {
    "Longest first": (["duration_hours", "start"], [False, True]),
    "Newest first": (["start"], [False]),
    "Oldest first": (["start"], [True]),
}


@dataclass(frozen=True)
class StoreWeek:
    """What the Store page draws: the engine's timeline and the hours on file."""

    timeline: StoreTimeline
    business_hours: pd.DataFrame  # the store's rows of menu_hours (local times)


def store_week(db: Database, store_id: str, as_of: pd.Timestamp) -> StoreWeek | None:
    """One store's week read on its own (never the fleet); None when it has no polls."""
    from storemon_core.engine.timeline import UnknownStoreError, store_timeline

    inputs = db.store_inputs(store_id, as_of)
    try:
        timeline = store_timeline(
            inputs.polls, inputs.business_hours, inputs.timezones, store_id, as_of
        )
    except UnknownStoreError:
        return None
    return StoreWeek(timeline, inputs.business_hours)


def matching_ids(store_ids: pd.Series, fragment: str, limit: int = 50) -> list[str]:
    """Ids containing `fragment` (any case, literal text), in text order."""
    ids = store_ids.astype(str)
    found = ids[ids.str.lower().str.contains(fragment.lower(), regex=False)]
    return sorted(found.tolist())[:limit]


def zone_text(timeline: StoreTimeline) -> str:
    """The store's zone and where it comes from."""
    if timeline.timezone_source == "file":
        return f"{timeline.timezone} (from the time-zone file)"
    return f"{timeline.timezone}, assumed: none on file"


def week_text(timeline: StoreTimeline, local: bool) -> str:
    """The week's range in the zone the page shows times in."""
    zone = timeline.timezone if local else "UTC"
    start, end = (s.tz_convert(zone) for s in (timeline.window_start, timeline.as_of))
    return f"Week {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M:%S} ({zone})"


def _clock(offset: pd.Timedelta) -> str:
    seconds = int(offset.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def weekly_hours(business_hours: pd.DataFrame) -> pd.DataFrame | None:
    """Shifts per weekday in local time; None when none are on file (open 24/7)."""
    if business_hours.empty:
        return None
    shifts: list[list[str]] = [[] for _ in DAYS]
    ordered = business_hours.sort_values(["day_of_week", "start_time_local"], kind="mergesort")
    for day, start, end in zip(ordered["day_of_week"], ordered["start_time_local"],
                               ordered["end_time_local"], strict=True):
        if start == end:
            text = "all day"
        else:
            text = f"{_clock(start)}–{_clock(end)}" + (" (next day)" if end < start else "")
        shifts[int(day)].append(text)
    return pd.DataFrame({"day": DAYS, "open": [", ".join(s) or "closed" for s in shifts]})


def windows_table(report_row: pd.DataFrame) -> pd.DataFrame:
    """The store's report row as one line per window (fits a narrow screen), rounded
    like the CSV: minutes for the hour, hours for the day and the week."""
    row = report_row.iloc[0]
    table = pd.DataFrame({
        "window": [f"{label} ({unit})" for _, label, unit in WINDOWS],
        "uptime": [round(float(row[f"uptime_last_{w}"]), 2) for w, _, _ in WINDOWS],
        "downtime": [round(float(row[f"downtime_last_{w}"]), 2) for w, _, _ in WINDOWS],
        "business_hours": [round(float(row[f"business_hours_last_{w}"]), 2)
                           for w, _, _ in WINDOWS],
        "polls": [int(row[f"polls_last_{w}"]) for w, _, _ in WINDOWS],
    })
    if "unobserved_last_week" in report_row.columns:  # reports made before it was counted lack it
        table.insert(4, "unobserved", [round(float(row[f"unobserved_last_{w}"]), 2)
                                       for w, _, _ in WINDOWS])
    return table


def timeline_text(timeline: StoreTimeline) -> str:
    """The timeline chart in words: time per state and the polls."""
    segments = timeline.segments
    hours = (segments["end"] - segments["start"]).dt.total_seconds() / 3600.0
    in_hours = segments["in_business_hours"].astype(bool)
    by_state = hours[in_hours].groupby(segments.loc[in_hours, "status"]).sum()
    names = {"active": "active", "inactive": "inactive", "unknown": "no data"}
    parts = [f"{names.get(str(state), str(state))} {value:.1f} h"
             for state, value in by_state.items() if value > 0]
    unseen = float(hours[in_hours & segments["unobserved"].astype(bool)].sum())
    if unseen > 0:
        parts.append(f"{unseen:.1f} h of it unobserved (no poll within an hour)")
    polls = timeline.polls
    open_polls = int(polls["in_business_hours"].astype(bool).sum())
    said = ", ".join(parts) if parts else "no business hours"
    return (f"In business hours this week: {said}. {len(polls):,} polls, "
            f"{open_polls:,} of them in business hours.")


def daily_table(daily: pd.DataFrame) -> pd.DataFrame:
    """The per-day chart's numbers (hours), for readers who do not see the chart."""
    up = daily["uptime_hours"].astype("float64")
    down = daily["downtime_hours"].astype("float64")
    business = daily["business_hours"].astype("float64")
    return pd.DataFrame({
        "date": pd.to_datetime(daily["local_date"]).dt.strftime("%Y-%m-%d"),
        "business_hours": business.round(2),
        "uptime": up.round(2),
        "downtime": down.round(2),
        "no_data": (business - up - down).clip(lower=0.0).round(2),
    }).reset_index(drop=True)


def incidents_table(incidents: pd.DataFrame, timezone: str | None,
                    order: str = "Longest first") -> pd.DataFrame:
    """Incidents in the chosen order (INCIDENT_ORDERS) with times in the chosen zone."""
    columns, ascending = INCIDENT_ORDERS[order]
    ordered = incidents.sort_values(columns, ascending=ascending, kind="mergesort")
    table = pd.DataFrame(
        {
            "start": to_display_time(ordered["start"], timezone),
            "end": to_display_time(ordered["end"], timezone),
            "duration_hours": ordered["duration_hours"].astype("float64").round(2),
        }
    )
    if "observed_hours" in ordered.columns:  # incidents of older engines lack it
        table["observed_hours"] = ordered["observed_hours"].astype("float64").round(2)
    return table.reset_index(drop=True)


def csv_row(csv_text: str, store_id: str) -> pd.DataFrame:
    """One store's row of a report CSV, parsed with store ids kept as text."""
    frame = pd.read_csv(io.StringIO(csv_text), dtype={"store_id": str})
    return frame[frame["store_id"] == store_id].reset_index(drop=True)

