"""A period's CSVs (docs/formats.md "The period report"): day by day, and one row per store.

Rows are written in the order given: `daily_frame` and `period_frame` (engine)
give them in the documented order, by store_id as text, then date. Reading them
back gives the engine's columns with the CSVs' rounding, which is what a page that
shows a stored period report and one that counts the period itself both show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from storemon_core.engine.history import DAILY_COLUMNS, PERIOD_COLUMNS
from storemon_core.output.csv_text import (
    csv_of,
    date_text,
    plain_text,
    two_decimals,
    two_decimals_as_read,
    whole_numbers,
)

_HOURS = ["business_hours", "uptime", "downtime", "unobserved", "uptime_pct"]


def _text_columns(frame: pd.DataFrame, columns: list[str]) -> str:
    def text_of(column: str) -> pa.Array:
        values = frame[column]
        if column in _HOURS:
            return two_decimals(values)
        if column == "polls":
            return whole_numbers(values)
        if column == "date":
            return date_text(values)
        return plain_text(values)

    return csv_of(columns, text_of, len(frame))


def daily_csv(daily: pd.DataFrame) -> str:
    """`store_id,date,business_hours,uptime,downtime,unobserved,polls`, hours to 2 decimals."""
    return _text_columns(daily, DAILY_COLUMNS)


def period_csv(totals: pd.DataFrame) -> str:
    """`store_id,business_hours,uptime,downtime,unobserved,uptime_pct,polls`; uptime_pct is
    empty for a store with neither uptime nor downtime."""
    return _text_columns(totals, PERIOD_COLUMNS)


_TYPES = {"store_id": pa.dictionary(pa.int32(), pa.string()), "date": pa.timestamp("s"),
          "polls": pa.int64()}


def _read(text: str, columns: list[str]) -> pd.DataFrame:
    types = {c: _TYPES.get(c, pa.float64()) for c in columns}
    table = pa_csv.read_csv(
        pa.py_buffer(text.encode()),
        convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
    )
    if table.column_names != columns:
        raise ValueError(f"expected the columns {columns}, got {table.column_names}")
    frame: pd.DataFrame = table.to_pandas()
    return frame


def read_daily_csv(text: str) -> pd.DataFrame:
    """A daily CSV as written by `daily_csv`: DAILY_COLUMNS, store_id categorical, date
    as midnight datetimes (the engine's types)."""
    return _read(text, DAILY_COLUMNS)


def daily_as_read(daily: pd.DataFrame) -> pd.DataFrame:
    """What read_daily_csv gives of daily_csv(daily), without the text: hours as the
    CSV's two decimals read back, the store ids present in text order. A fleet's
    daily CSV costs a tenth of a second to parse back."""
    ids = daily["store_id"].astype("category").cat.remove_unused_categories()
    ids = ids.cat.reorder_categories(sorted(ids.cat.categories, key=str))
    rows = pd.DataFrame({"store_id": ids.array, "date": daily["date"].to_numpy()})
    for column in DAILY_COLUMNS[2:-1]:
        rows[column] = two_decimals_as_read(daily[column])
    rows["polls"] = daily["polls"].to_numpy(dtype=np.int64)
    return rows


def period_as_read(totals: pd.DataFrame) -> pd.DataFrame:
    """What read_period_csv gives of period_csv(totals), without the text (as
    daily_as_read): the rows in their order, hours and uptime % to the hundredth,
    an empty uptime % missing."""
    rows = pd.DataFrame({"store_id": pd.Series(totals["store_id"].astype(str).to_numpy(),
                                               dtype=object)})
    for column in PERIOD_COLUMNS[1:-1]:
        rows[column] = two_decimals_as_read(totals[column])
    rows["polls"] = totals["polls"].to_numpy(dtype=np.int64)
    return rows


def read_period_csv(text: str) -> pd.DataFrame:
    """A period CSV as written by `period_csv`: PERIOD_COLUMNS, uptime_pct NaN where
    empty, store_id as text."""
    totals = _read(text, PERIOD_COLUMNS)
    totals["store_id"] = totals["store_id"].astype(str).astype(object)
    return totals
