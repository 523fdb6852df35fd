"""Small frames for engine tests, written the way a person reads an export."""

from __future__ import annotations

import pandas as pd


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
