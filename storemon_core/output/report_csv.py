"""Report frames and their CSV form (docs/formats.md, "Outputs")."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS
from storemon_core.output.csv_text import (
    csv_of,
    plain_text,
    two_decimals,
    utc_text,
    whole_numbers,
)

# Minutes for the hour window, hours for the others.
NUMBER_COLUMNS = [c for c in EXTENDED_COLUMNS
                  if c.startswith(("uptime", "downtime", "business", "unobserved"))]


def _text_column(report: pd.DataFrame, column: str) -> pa.Array:
    values = report[column]
    if column in NUMBER_COLUMNS:
        return two_decimals(values)
    if column == "last_poll_utc":
        return utc_text(values)
    if pd.api.types.is_integer_dtype(values.dtype):
        return whole_numbers(values)
    return plain_text(values)


def report_csv(report: pd.DataFrame, extended: bool = False) -> str:
    """The report as CSV text: exactly the columns of docs/formats.md, or the extended set."""
    columns = EXTENDED_COLUMNS if extended else REPORT_COLUMNS
    return csv_of(columns, lambda column: _text_column(report, column), len(report))
