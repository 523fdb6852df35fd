"""The Data page: what the database holds, and how uploaded files fared."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from storemon_core.db import DataSummary
from storemon_core.frames import Inputs
from storemon_core.views.text import value_text


def rejected_table(inputs: Inputs, limit: int = 1000) -> pd.DataFrame:
    """Rejected rows (file, line, reason, row) in file and line order."""
    rejected = inputs.rejected
    if rejected.empty:
        return rejected.reset_index(drop=True)
    ordered = rejected.sort_values(["file", "line"], kind="mergesort").head(limit)
    return ordered.astype({"file": str, "reason": str, "row": str}).reset_index(drop=True)


def file_summary_table(inputs: Inputs) -> pd.DataFrame:
    """How each uploaded file fared: rows read, kept, rejected."""
    return pd.DataFrame(
        [
            {"file": s.file, "read": s.read, "kept": s.kept, "rejected": s.rejected}
            for s in inputs.summaries
        ],
        columns=["file", "read", "kept", "rejected"],
    )


@dataclass(frozen=True)
class Figure:
    """One labelled number of the Data page's summary."""

    label: str
    value: str
    help: str = ""


def summary_figures(summary: DataSummary) -> list[Figure]:
    """What the database holds, as labelled numbers."""
    return [
        Figure("Stores", value_text(summary.stores), "stores with at least one poll"),
        Figure("Polls", value_text(summary.polls)),
        Figure("Oldest poll", value_text(summary.oldest_poll) or "none"),
        Figure("Newest poll", value_text(summary.newest_poll) or "none"),
        Figure("Business-hours rows", value_text(summary.business_hours_rows)),
        Figure("Time-zone rows", value_text(summary.timezone_rows)),
        Figure("Stores without hours", value_text(summary.stores_without_hours),
               "polled stores with no business hours on file: counted as open 24/7"),
        Figure("Stores without a zone", value_text(summary.stores_without_zone),
               "polled stores with no time zone on file: read in America/Chicago"),
        Figure("Rejected rows", value_text(summary.rejected_rows),
               "rows of loaded files that could not be used (listed below)"),
        Figure("Loads", value_text(summary.loads)),
        Figure("Last load", value_text(summary.last_load_at) or "none"),
    ]
