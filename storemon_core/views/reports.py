"""The Reports page: the history table and the as-of chosen in its widgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from storemon_core.instants import FIRST_YEAR, LAST_YEAR, as_utc_instant

# The dates the as-of widget offers: every instant in range, and no other.
AS_OF_DATES = (date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31))

@dataclass(frozen=True)
class Outcome:
    """What the Reports page says of one report: no CSVs, which are read on download."""

    report_id: str
    status: str
    error: str | None
    as_of: pd.Timestamp | None
    store_count: int | None
    duration_seconds: float | None


def outcome(recent: pd.DataFrame, report_id: str) -> Outcome | None:
    """The report among ReportService.list_reports rows; None when it is not there."""
    rows = recent[recent["report_id"] == report_id]
    if rows.empty:
        return None
    row = rows.iloc[0]

    def present(value: Any) -> Any:
        return None if pd.isna(value) else value

    count, seconds = present(row["store_count"]), present(row["duration_seconds"])
    return Outcome(
        report_id=str(row["report_id"]),
        status=str(row["status"]),
        error=present(row["error"]),
        as_of=None if present(row["as_of"]) is None else pd.Timestamp(row["as_of"]),
        store_count=None if count is None else int(count),
        duration_seconds=None if seconds is None else float(seconds),
    )


_HISTORY_COLUMNS = [
    "report_id",
    "status",
    "as_of",
    "requested_at",
    "duration_seconds",
    "store_count",
    "error",
]


def history_table(reports: pd.DataFrame) -> pd.DataFrame:
    """Past reports, newest first, with the columns the history table shows."""
    if reports.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _HISTORY_COLUMNS})
    table = reports.copy()
    for column in _HISTORY_COLUMNS:
        if column not in table.columns:
            table[column] = None
    for column in ("as_of", "requested_at"):
        table[column] = pd.to_datetime(table[column], utc=True, errors="coerce")
    table = table.sort_values("requested_at", ascending=False, kind="mergesort")
    table["duration_seconds"] = pd.to_numeric(table["duration_seconds"], errors="coerce").round(2)
    table["error"] = table["error"].fillna("").astype(str)
    return table[_HISTORY_COLUMNS].reset_index(drop=True)


def as_of_from_parts(day: date, clock: time, newest: pd.Timestamp | None = None) -> pd.Timestamp:
    """A UTC as-of instant from the date and time widgets.

    The widgets drop sub-second digits, so leaving them at the newest poll's time
    means that poll itself, not the instant just before it. Raises InstantError
    (its message says why) for an instant outside the range reports accept.
    """
    chosen = as_utc_instant(datetime.combine(day, clock))
    if newest is not None and chosen == newest.floor("s"):
        return newest
    return chosen


def report_as_of(chosen: pd.Timestamp | None, newest: pd.Timestamp) -> pd.Timestamp:
    """The instant a report is asked for: the chosen one, else the newest poll.

    Checked here so that a poll or a choice out of range gets a sentence
    (InstantError), not the overflow of a date library."""
    return as_utc_instant(newest if chosen is None else chosen)


def as_of_default_date(newest: pd.Timestamp) -> date:
    """The newest poll's date, kept inside AS_OF_DATES (the widget refuses others)."""
    first, last = AS_OF_DATES
    return min(max(newest.date(), first), last)
