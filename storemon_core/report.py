"""Report frames and their CSV form (SPEC.md "Output")."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
]

# Minutes for the hour window, hours for the others.
NUMBER_COLUMNS = [c for c in EXTENDED_COLUMNS if c.startswith(("uptime", "downtime", "business"))]


def _two_decimals(values: pd.Series) -> pd.Series:
    """Non-negative numbers as text with two decimals.

    Whole hundredths formatted as integers: pandas' float_format calls Python's
    formatter per value, which cost more than computing the report.
    """
    hundredths = np.rint(values.to_numpy(dtype=np.float64) * 100).astype(np.int64)
    whole = pd.Series(hundredths // 100, index=values.index).astype(str)
    cents = pd.Series(hundredths % 100, index=values.index).astype(str).str.zfill(2)
    return whole + "." + cents


def report_csv(report: pd.DataFrame, extended: bool = False) -> str:
    """The report as CSV text: exactly SPEC.md's columns, or the extended set."""
    columns = EXTENDED_COLUMNS if extended else REPORT_COLUMNS
    frame = report.loc[:, columns].copy()
    for column in columns:
        if column in NUMBER_COLUMNS:
            frame[column] = _two_decimals(frame[column])
    if "last_poll_utc" in frame:
        frame["last_poll_utc"] = frame["last_poll_utc"].dt.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text
