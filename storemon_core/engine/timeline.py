"""One store's week: status timeline, incidents and per-day totals.

Built from the same lay-out and rule as the fleet report, restricted to one
store, so a drawing never disagrees with the CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from storemon_core.engine.fleet import Fleet, lay_out, utc_microseconds
from storemon_core.engine.rule import StatusSpans, status_spans
from storemon_core.engine.uptime import fleet_report
from storemon_core.engine.zones import local_to_utc
from storemon_core.instants import as_utc_instant
from storemon_core.units import I64, US_PER_DAY, US_PER_HOUR


class UnknownStoreError(KeyError):
    """The store has no poll at or before the as-of instant."""

    def __str__(self) -> str:
        return f"No store {self.args[0]!r} with polls at or before the report instant"


@dataclass(frozen=True)
class StoreTimeline:
    store_id: str
    timezone: str
    timezone_source: str  # "file" or "default"
    as_of: pd.Timestamp
    window_start: pd.Timestamp
    # start, end, in_business_hours, status (the rule's: active, inactive, unknown when
    # the week has no in-hours poll, closed), unobserved (business time farther than
    # an hour from every poll: still counted by its status)
    segments: pd.DataFrame
    polls: pd.DataFrame  # timestamp_utc, active, in_business_hours
    incidents: pd.DataFrame  # start, end, duration_hours, observed_hours; longest first
    # local_date, uptime_hours, downtime_hours, business_hours, unobserved_hours
    daily: pd.DataFrame
    report_row: pd.DataFrame  # the store's row of the extended report


def _utc(us: I64) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(us, unit="us", utc=True))


def _segments(fleet: Fleet, spans: StatusSpans) -> pd.DataFrame:
    """Maximal spans of equal (in hours, status, unobserved) over the week, in lane offsets."""
    observed_lo, observed_hi = spans.observed_bounds(np.arange(len(spans.starts)))
    span = int(fleet.window_length[0])
    cuts = np.unique(np.clip(np.concatenate(
        [[0, span], fleet.hours.starts, fleet.hours.ends, spans.starts, spans.ends,
         observed_lo, observed_hi]
    ), 0, span))
    lo, hi = cuts[:-1], cuts[1:]
    probe = lo + (hi - lo) // 2
    in_hours = fleet.hours.contains(probe)
    if len(spans.starts):
        speaking = np.searchsorted(spans.starts, probe, side="right") - 1
        status = np.where(spans.active[speaking], "active", "inactive").astype(object)
        observed = (observed_lo[speaking] <= probe) & (probe < observed_hi[speaking])
    else:
        status = np.full(len(probe), "unknown", dtype=object)
        observed = np.zeros(len(probe), dtype=bool)
    status[~in_hours] = "closed"
    unobserved = in_hours & ~observed
    changes = np.r_[True, (status[1:] != status[:-1]) | (unobserved[1:] != unobserved[:-1])]
    first = np.flatnonzero(changes)
    last = np.r_[first[1:] - 1, len(lo) - 1]
    return pd.DataFrame({
        "start": _utc(lo[first] + fleet.axis_start_us),
        "end": _utc(hi[last] + fleet.axis_start_us),
        "in_business_hours": in_hours[first],
        "status": status[first],
        "unobserved": unobserved[first],
    })


def _incidents(segments: pd.DataFrame) -> pd.DataFrame:
    """Runs of inactive business time, longest first, with how much of each was observed.

    A run may cross observed and unobserved segments: it is one incident either way.
    """
    status = segments["status"].to_numpy()
    run = np.cumsum(np.r_[True, status[1:] != status[:-1]])
    hours = (segments["end"] - segments["start"]).dt.total_seconds() / 3600
    inactive = segments.assign(run=run, hours=hours,
                               observed=hours.where(~segments["unobserved"], 0.0))
    inactive = inactive.loc[status == "inactive"]
    incidents = inactive.groupby("run", sort=True).agg(
        start=("start", "first"), end=("end", "last"),
        duration_hours=("hours", "sum"), observed_hours=("observed", "sum"))
    longest_first: pd.DataFrame = incidents.sort_values(
        ["duration_hours", "start"], ascending=[False, True], ignore_index=True)
    return longest_first


def _daily(segments: pd.DataFrame, zone_name: str, fleet: Fleet) -> pd.DataFrame:
    """Uptime, downtime and business hours per local calendar day of the week."""
    week = pd.DatetimeIndex([fleet.as_of - pd.Timedelta(days=7), fleet.as_of])
    local = week.tz_convert(zone_name)
    first_day = local[0].tz_localize(None).normalize().value // 1000 // US_PER_DAY
    last_day = local[1].tz_localize(None).normalize().value // 1000 // US_PER_DAY
    days = np.arange(first_day, last_day + 2, dtype=np.int64)
    week_start = int(fleet.window_start_us[0])
    bounds = local_to_utc(days * US_PER_DAY, zone_name, week_start, fleet.as_of_us)
    day_lo = np.clip(bounds[:-1], week_start, fleet.as_of_us)[:, None]
    day_hi = np.clip(bounds[1:], week_start, fleet.as_of_us)[:, None]
    seg_lo = utc_microseconds(segments["start"])[None, :]
    seg_hi = utc_microseconds(segments["end"])[None, :]
    overlap = np.clip(np.minimum(seg_hi, day_hi) - np.maximum(seg_lo, day_lo), 0, None)
    status = segments["status"].to_numpy()
    in_hours = segments["in_business_hours"].to_numpy(dtype=bool)
    unobserved = segments["unobserved"].to_numpy(dtype=bool)
    return pd.DataFrame({
        "local_date": pd.to_datetime(days[:-1] * US_PER_DAY, unit="us").date,
        "uptime_hours": overlap[:, status == "active"].sum(axis=1) / US_PER_HOUR,
        "downtime_hours": overlap[:, status == "inactive"].sum(axis=1) / US_PER_HOUR,
        "business_hours": overlap[:, in_hours].sum(axis=1) / US_PER_HOUR,
        "unobserved_hours": overlap[:, unobserved].sum(axis=1) / US_PER_HOUR,
    })


def store_timeline(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    store_id: str,
    as_of: str | datetime | pd.Timestamp | None = None,
) -> StoreTimeline:
    """The store's last week as of `as_of` (default: the newest of all given polls)."""
    if as_of is None and len(polls):
        as_of = polls["timestamp_utc"].max()
    mine = polls.loc[polls["store_id"] == store_id]
    fleet = lay_out(mine, business_hours.loc[business_hours["store_id"] == store_id],
                    timezones.loc[timezones["store_id"] == store_id], as_of)
    if len(fleet.store_ids) != 1:
        raise UnknownStoreError(store_id)
    spans = status_spans(fleet)
    segments = _segments(fleet, spans)
    zone_name = str(fleet.zones.names[0])

    at = utc_microseconds(mine["timestamp_utc"])
    week_start = int(fleet.window_start_us[0])
    in_week = (at >= week_start) & (at <= fleet.as_of_us)
    week_polls = pd.DataFrame({
        "timestamp_utc": _utc(at[in_week]),
        "active": mine["active"].to_numpy(dtype=bool)[in_week],
        "in_business_hours": fleet.hours.contains(at[in_week] - fleet.axis_start_us),
    }).sort_values("timestamp_utc", ignore_index=True)

    return StoreTimeline(
        store_id=store_id,
        timezone=zone_name,
        timezone_source="file" if fleet.zones.from_file[0] else "default",
        as_of=fleet.as_of,
        window_start=as_utc_instant(pd.Timestamp(week_start, unit="us")),
        segments=segments,
        polls=week_polls,
        incidents=_incidents(segments),
        daily=_daily(segments, zone_name, fleet),
        report_row=fleet_report(fleet),
    )
