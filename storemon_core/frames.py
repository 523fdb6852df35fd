"""The frames that flow between loaders, the engine and the outputs.

Every source (CSV exports, the database) produces these frames; the engine only
ever sees them. Keeping the contract in one place lets each side be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DEFAULT_TIMEZONE = "America/Chicago"

# polls: one row per poll.
#   store_id       str, or a categorical of str (loaders use one: grouping is then free)
#   timestamp_utc  datetime64[us, UTC]
#   active         bool  (False = inactive)
POLL_COLUMNS = ["store_id", "timestamp_utc", "active"]

# business_hours: one row per shift, local wall-clock times as offsets from midnight.
#   store_id          str
#   day_of_week       int8, 0 = Monday ... 6 = Sunday
#   start_time_local  timedelta64[us], in [0, 24h)
#   end_time_local    timedelta64[us], in [0, 24h)
BUSINESS_HOURS_COLUMNS = ["store_id", "day_of_week", "start_time_local", "end_time_local"]

# timezones: at most one row per store.
#   store_id      str
#   timezone_str  str, a valid IANA name
TIMEZONE_COLUMNS = ["store_id", "timezone_str"]

# rejected: one row per input row that could not be used.
#   file    str  (e.g. "store_status.csv")
#   line    int  (1-based line number in the file, header is line 1)
#   reason  str
#   row     str  (the raw text of the row, for showing to a person)
REJECTED_COLUMNS = ["file", "line", "reason", "row"]


def empty_polls() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "store_id": pd.Series([], dtype=object),
            "timestamp_utc": pd.Series([], dtype="datetime64[us, UTC]"),
            "active": pd.Series([], dtype=bool),
        }
    )


def empty_business_hours() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "store_id": pd.Series([], dtype=object),
            "day_of_week": pd.Series([], dtype="int8"),
            "start_time_local": pd.Series([], dtype="timedelta64[us]"),
            "end_time_local": pd.Series([], dtype="timedelta64[us]"),
        }
    )


def empty_timezones() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "store_id": pd.Series([], dtype=object),
            "timezone_str": pd.Series([], dtype=object),
        }
    )


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype=object),
            "line": pd.Series([], dtype="int64"),
            "reason": pd.Series([], dtype=object),
            "row": pd.Series([], dtype=object),
        }
    )


@dataclass
class FileSummary:
    """How one input file fared: rows read, kept and rejected."""

    file: str
    read: int
    kept: int
    rejected: int


@dataclass
class Inputs:
    """Everything the engine needs, plus what the loader set aside."""

    polls: pd.DataFrame = field(default_factory=empty_polls)
    business_hours: pd.DataFrame = field(default_factory=empty_business_hours)
    timezones: pd.DataFrame = field(default_factory=empty_timezones)
    rejected: pd.DataFrame = field(default_factory=empty_rejected)
    summaries: list[FileSummary] = field(default_factory=list)
