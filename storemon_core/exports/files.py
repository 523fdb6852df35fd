"""The three exports: store_status.csv, menu_hours.csv, timezones.csv -> frames.

Each reader names its columns for the line reader, runs the field checks on them,
sets aside the rows that fail and builds the frame of storemon_core.frames from
the rest. load_exports reads whichever of the three files are given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from storemon_core.exports.fields import (
    check_days,
    check_ids,
    check_status,
    check_times,
    check_zones,
    used_only,
)
from storemon_core.exports.lines import read_table
from storemon_core.exports.rejected import rejected_dtypes, set_aside
from storemon_core.exports.sources import Source, source_name
from storemon_core.exports.timestamps import check_timestamps, in_range
from storemon_core.frames import (
    BUSINESS_HOURS_COLUMNS,
    POLL_COLUMNS,
    TIMEZONE_COLUMNS,
    FileSummary,
    Inputs,
)
from storemon_core.instants import RANGE_TEXT

STATUS_FILE = "store_status.csv"
HOURS_FILE = "menu_hours.csv"
TIMEZONES_FILE = "timezones.csv"


def read_polls(
    src: Source, name: str | None = None, one_chunk: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """store_status.csv -> (polls, rejected, summary); `one_chunk` as in read_table."""
    name = name or source_name(src, STATUS_FILE)
    table = read_table(
        src,
        name,
        {"store_id": ("store_id",), "status": ("status",), "timestamp_utc": ("timestamp_utc",)},
        dictionary={"store_id", "status"},
        one_chunk=one_chunk,
    )
    ids, ids_ok = check_ids(table.columns["store_id"])
    active, status_ok = check_status(table.columns["status"])
    micros, ts_ok = check_timestamps(table.columns["timestamp_utc"], table.quoted)
    keep, rejected, summary = set_aside(
        table,
        [
            (ids_ok, "bad store_id"),
            (status_ok, "unknown status"),
            (ts_ok, "unparseable timestamp_utc"),
            (~ts_ok | in_range(micros), f"timestamp_utc outside {RANGE_TEXT}"),
        ],
    )
    if not keep.all():
        ids, micros, active = ids[keep], micros[keep], active[keep]
    ids = used_only(ids)
    stamps = pd.DatetimeIndex(micros.view("datetime64[us]"), dtype="datetime64[us, UTC]")
    polls = pd.DataFrame(
        {
            "store_id": pd.Series(ids),
            "timestamp_utc": pd.Series(stamps),
            "active": pd.Series(active, dtype=bool),
        },
        columns=POLL_COLUMNS,
    )
    return polls, rejected, summary


def read_business_hours(
    src: Source, name: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """menu_hours.csv -> (business_hours, rejected, summary); the day column may be `day`."""
    name = name or source_name(src, HOURS_FILE)
    table = read_table(
        src,
        name,
        {
            "store_id": ("store_id",),
            "day_of_week": ("dayOfWeek", "day"),
            "start_time_local": ("start_time_local",),
            "end_time_local": ("end_time_local",),
        },
        dictionary={"store_id", "day_of_week", "start_time_local", "end_time_local"},
    )
    ids, ids_ok = check_ids(table.columns["store_id"])
    days, days_ok = check_days(table.columns["day_of_week"])
    starts, starts_ok = check_times(table.columns["start_time_local"])
    ends, ends_ok = check_times(table.columns["end_time_local"])
    keep, rejected, summary = set_aside(
        table,
        [
            (ids_ok, "bad store_id"),
            (days_ok, "day outside 0-6"),
            (starts_ok, "unparseable start_time_local"),
            (ends_ok, "unparseable end_time_local"),
        ],
    )
    hours = pd.DataFrame(
        {
            "store_id": pd.Series(ids[keep], dtype=object),
            "day_of_week": pd.Series(days[keep], dtype="int8"),
            "start_time_local": pd.Series(starts[keep], dtype="timedelta64[us]"),
            "end_time_local": pd.Series(ends[keep], dtype="timedelta64[us]"),
        },
        columns=BUSINESS_HOURS_COLUMNS,
    )
    return hours, rejected, summary


def read_timezones(
    src: Source, name: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """timezones.csv -> (timezones, rejected, summary); a store's last valid row counts."""
    name = name or source_name(src, TIMEZONES_FILE)
    table = read_table(
        src,
        name,
        {"store_id": ("store_id",), "timezone_str": ("timezone_str",)},
        dictionary={"store_id", "timezone_str"},
    )
    ids, ids_ok = check_ids(table.columns["store_id"])
    zones, zones_ok = check_zones(table.columns["timezone_str"])
    keep, rejected, summary = set_aside(
        table, [(ids_ok, "bad store_id"), (zones_ok, "unknown time zone")]
    )
    frame = pd.DataFrame(
        {
            "store_id": pd.Series(ids[keep], dtype=object),
            "timezone_str": pd.Series(zones[keep], dtype=object),
        },
        columns=TIMEZONE_COLUMNS,
    )
    frame = frame.drop_duplicates("store_id", keep="last", ignore_index=True)
    return frame, rejected, summary


def load_exports(
    status: Source | None = None,
    hours: Source | None = None,
    timezones: Source | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Inputs:
    """Read whichever of the three exports are given (paths, bytes or file-like objects).

    `progress(fraction, phase)` hears when each file starts; polls are most of the work.
    """
    inputs = Inputs()
    rejected: list[pd.DataFrame] = []
    steps: list[tuple[Source | None, float, str, Callable[..., Any], str]] = [
        (status, 0.0, STATUS_FILE, read_polls, "polls"),
        (hours, 0.8, HOURS_FILE, read_business_hours, "business_hours"),
        (timezones, 0.95, TIMEZONES_FILE, read_timezones, "timezones"),
    ]
    for src, fraction, default, reader, field_name in steps:
        if src is None:
            continue
        if progress:
            progress(fraction, f"reading {source_name(src, default)}")
        frame, rej, summary = reader(src)
        setattr(inputs, field_name, frame)
        rejected.append(rej)
        inputs.summaries.append(summary)
    nonempty = [r for r in rejected if len(r)]
    if nonempty:
        inputs.rejected = rejected_dtypes(pd.concat(nonempty, ignore_index=True))
    if progress:
        progress(1.0, "read")
    return inputs
