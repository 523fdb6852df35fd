"""A period's CSVs (docs/formats.md "The period report"): day by day, and one row per store.

Rows are written in the order given: `daily_frame` and `period_frame` (engine)
give them in the documented order, by store_id as text, then date.
"""

from __future__ import annotations

import pandas as pd

from storemon_core.engine.history import DAILY_COLUMNS, PERIOD_COLUMNS
from storemon_core.output.csv_text import (
    csv_text,
    date_text,
    plain_text,
    two_decimals,
    whole_numbers,
)

_HOURS = ["business_hours", "uptime", "downtime", "unobserved", "uptime_pct"]


def _text_columns(frame: pd.DataFrame, columns: list[str]) -> str:
    texts = []
    for column in columns:
        values = frame[column]
        if column in _HOURS:
            texts.append(two_decimals(values))
        elif column == "polls":
            texts.append(whole_numbers(values))
        elif column == "date":
            texts.append(date_text(values))
        else:
            texts.append(plain_text(values))
    return csv_text(columns, texts)


def daily_csv(daily: pd.DataFrame) -> str:
    """`store_id,date,business_hours,uptime,downtime,unobserved,polls`, hours to 2 decimals."""
    return _text_columns(daily, DAILY_COLUMNS)


def period_csv(totals: pd.DataFrame) -> str:
    """`store_id,business_hours,uptime,downtime,unobserved,uptime_pct,polls`; uptime_pct is
    empty for a store with neither uptime nor downtime."""
    return _text_columns(totals, PERIOD_COLUMNS)
