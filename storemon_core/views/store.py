"""The Store page: one store's week read on its own, and its tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from storemon_core.views.display import to_display_time

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.engine.timeline import StoreTimeline


def store_view(db: Database, store_id: str, as_of: pd.Timestamp) -> StoreTimeline | None:
    """One store's week read on its own (never the fleet); None when it has no polls."""
    from storemon_core.engine.timeline import UnknownStoreError, store_timeline

    inputs = db.store_inputs(store_id, as_of)
    try:
        return store_timeline(
            inputs.polls, inputs.business_hours, inputs.timezones, store_id, as_of
        )
    except UnknownStoreError:
        return None


def matching_ids(store_ids: pd.Series, fragment: str, limit: int = 50) -> list[str]:
    """Ids containing `fragment` (any case, literal text), in text order."""
    ids = store_ids.astype(str)
    found = ids[ids.str.lower().str.contains(fragment.lower(), regex=False)]
    return sorted(found.tolist())[:limit]


def incidents_table(incidents: pd.DataFrame, timezone: str | None) -> pd.DataFrame:
    """Incidents (longest first) with times in the chosen zone."""
    return pd.DataFrame(
        {
            "start": to_display_time(incidents["start"], timezone),
            "end": to_display_time(incidents["end"], timezone),
            "duration_hours": incidents["duration_hours"].astype("float64").round(2),
        }
    ).reset_index(drop=True)


def report_row_table(report_row: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The store's report row, rounded like the CSV (2 decimals)."""
    row = report_row[list(columns)].copy().reset_index(drop=True)
    row.attrs = {}  # engine metadata (as_of) is not table content
    row["store_id"] = row["store_id"].astype(str)
    numeric = [c for c in columns if c != "store_id"]
    row[numeric] = row[numeric].astype("float64").round(2)
    return row


def csv_row(csv_text: str, store_id: str) -> pd.DataFrame:
    """One store's row of a report CSV, parsed with store ids kept as text."""
    frame = pd.read_csv(io.StringIO(csv_text), dtype={"store_id": str})
    return frame[frame["store_id"] == store_id].reset_index(drop=True)
