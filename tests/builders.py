"""Small frames for engine tests, written the way a person reads an export, and the
shared helpers every layer's tests compare against."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from storemon_core.engine.history import history
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import daily_csv, period_csv
from storemon_core.output.report_csv import report_csv

T = TypeVar("T")


def polls(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Rows of (store_id, 'YYYY-MM-DD HH:MM[:SS]' UTC, 'active' | 'inactive')."""
    return pd.DataFrame({
        "store_id": pd.Series([r[0] for r in rows], dtype=object),
        "timestamp_utc": pd.to_datetime([r[1] for r in rows], utc=True).as_unit("us"),
        "active": [r[2] == "active" for r in rows],
    })


def hours(*rows: tuple[str, int, str, str]) -> pd.DataFrame:
    """Rows of (store_id, day_of_week, 'HH:MM[:SS]', 'HH:MM[:SS]') in local time."""
    def offset(text: str) -> pd.Timedelta:
        return pd.Timedelta(text if text.count(":") == 2 else text + ":00")

    return pd.DataFrame({
        "store_id": pd.Series([r[0] for r in rows], dtype=object),
        "day_of_week": pd.Series([r[1] for r in rows], dtype="int8"),
        "start_time_local": pd.Series([offset(r[2]) for r in rows], dtype="timedelta64[us]"),
        "end_time_local": pd.Series([offset(r[3]) for r in rows], dtype="timedelta64[us]"),
    })


def zones(**by_store: str) -> pd.DataFrame:
    return pd.DataFrame({
        "store_id": pd.Series(list(by_store), dtype=object),
        "timezone_str": pd.Series(list(by_store.values()), dtype=object),
    })


def row(report: pd.DataFrame, store_id: str) -> pd.Series:
    found = report.loc[report["store_id"] == store_id]
    assert len(found) == 1, f"{store_id} appears {len(found)} times"
    return found.iloc[0]


def engine_csv(inputs: Inputs, as_of: Any = None, extended: bool = False) -> str:
    """What the engine says of `inputs`, as report CSV text: the reference for every path."""
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones, as_of=as_of)
    return report_csv(report, extended=extended)


def engine_history_csvs(inputs: Inputs, first: Any, last: Any,
                        as_of: Any = None) -> tuple[str, str]:
    """What the engine says of `inputs` over a period: (daily CSV, period CSV) text."""
    found = history(inputs.polls, inputs.business_hours, inputs.timezones, first, last, as_of)
    return daily_csv(found.daily), period_csv(found.totals)


def newest_dates(inputs: Inputs, days_back: int, length: int) -> tuple[str, str]:
    """The period of `length` dates starting `days_back` days before the newest poll."""
    newest = inputs.polls["timestamp_utc"].max()
    first = (newest - pd.Timedelta(days=days_back)).date()
    return first.isoformat(), (first + pd.Timedelta(days=length - 1)).isoformat()


def wait_until(probe: Callable[[], T | None], timeout: float = 120.0, every: float = 0.05) -> T:
    """Call `probe` until it returns something other than None (a report that ended)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:.0f} s")
        time.sleep(every)
