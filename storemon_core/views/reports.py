"""The Reports page: the history table and the as-of chosen in its widgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from storemon_core.engine.period import PeriodError
from storemon_core.instants import FIRST_YEAR, LAST_YEAR, as_utc_instant
from storemon_core.service import ReportState

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
    period: str = ""  # "first … last" of a period report; empty for the standard one

    @property
    def is_period(self) -> bool:
        return bool(self.period)


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
        period=period_text(row.get("first"), row.get("last")),
    )


def period_text(first: Any, last: Any) -> str:
    """A period report's dates as the page shows them; empty for a standard report."""
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return ""
    return f"{pd.Timestamp(first):%Y-%m-%d} … {pd.Timestamp(last):%Y-%m-%d}"


# What the Reports page can make: the standard report, or a period's history.
KINDS = ("Last hour, day and week", "A period, day by day")


def picked_period(picked: Any) -> tuple[date, date]:
    """The two dates of the period widget; PeriodError while only one is picked."""
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        raise PeriodError("pick the period's last date too")
    return picked[0], picked[1]


def downloads(period: bool) -> list[tuple[str, bool, str, str]]:
    """(label, the second CSV?, file-name suffix, button kind) of a report's downloads."""
    if period:
        return [("Download period CSV", False, "_period", "primary"),
                ("Download daily CSV", True, "_daily", "secondary")]
    return [("Download report CSV", False, "", "primary"),
            ("Download extended CSV", True, "_extended", "secondary")]


def csv_bytes(state: ReportState | None, second: bool) -> bytes:
    """A report's CSV for download: the report or period CSV, or the second one
    (extended, or daily for a period report)."""
    if state is None:
        return b""
    text = (state.daily_csv if state.is_period else state.extended_csv) if second else state.csv
    return (text or "").encode()


_HISTORY_COLUMNS = [
    "report_id",
    "status",
    "period",
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
    table["period"] = [period_text(f, la) or "hour, day, week" for f, la in zip(
        table.get("first", pd.Series([None] * len(table))),
        table.get("last", pd.Series([None] * len(table))), strict=True)]
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
