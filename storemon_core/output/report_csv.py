"""Report frames and their CSV form (SPEC.md "Output")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS

# Minutes for the hour window, hours for the others.
NUMBER_COLUMNS = [c for c in EXTENDED_COLUMNS
                  if c.startswith(("uptime", "downtime", "business", "unobserved"))]


def _two_decimals(values: pd.Series) -> pa.Array:
    """Non-negative numbers as text with two decimals.

    Whole hundredths formatted as integers: a formatter called per value (as
    pandas' float_format does) cost more than computing the report.
    """
    hundredths = np.rint(values.to_numpy(dtype=np.float64) * 100).astype(np.int64)
    whole = pa.array(hundredths // 100).cast(pa.string())
    cents = pc.utf8_lpad(pa.array(hundredths % 100).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, cents, ".")


def _utc_text(values: pd.Series) -> pa.Array:
    """Instants as "YYYY-MM-DD HH:MM:SS.ffffff UTC"."""
    stamps = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).as_unit("us")
    text = np.char.add(np.datetime_as_string(stamps.to_numpy(), unit="us"), " UTC")
    return pc.replace_substring(pa.array(text, mask=stamps.isna()), "T", " ", max_replacements=1)


def _text_column(report: pd.DataFrame, column: str) -> pa.Array:
    values = report[column]
    if column in NUMBER_COLUMNS:
        return _two_decimals(values)
    if column == "last_poll_utc":
        return _utc_text(values)
    if pd.api.types.is_integer_dtype(values.dtype):
        return pa.array(values.to_numpy(dtype=np.int64)).cast(pa.string())
    return pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)


def report_csv(report: pd.DataFrame, extended: bool = False) -> str:
    """The report as CSV text: exactly SPEC.md's columns, or the extended set."""
    columns = EXTENDED_COLUMNS if extended else REPORT_COLUMNS
    table = pa.table([_text_column(report, c) for c in columns], names=columns)
    header = ",".join(columns) + "\n"
    out = pa.BufferOutputStream()
    try:
        # Arrow writes the text columns far faster than pandas, but can only
        # leave every value unquoted.
        pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False,
                                                       quoting_style="none"))
    except pa.ArrowInvalid:
        # A value holding a comma, quote or line break: pandas quotes just those.
        text: str = table.to_pandas().to_csv(index=False, lineterminator="\n")
        return text
    body: bytes = out.getvalue().to_pybytes()
    return header + body.decode("utf-8")
