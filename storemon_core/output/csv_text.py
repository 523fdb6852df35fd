"""Columns as CSV text, shared by every CSV storemon writes (reports, history).

Arrow formats whole columns and writes them far faster than pandas, which calls
a formatter per value; only values that need quoting fall back to pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]


def two_decimals(values: pd.Series) -> pa.Array:
    """Non-negative numbers as text with two decimals; a missing number is empty.

    Whole hundredths formatted as integers: a formatter called per value (as
    pandas' float_format does) cost more than computing the report.
    """
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(numbers)
    hundredths = np.rint(np.where(missing, 0.0, numbers) * 100).astype(np.int64)
    top = int(hundredths.max(initial=0))
    if len(hundredths) > 0 and hundredths.min() >= 0 and top < max(4 * len(hundredths), 10_000):
        # Hours of a day are at most 2,500 hundredths: each text is made once and
        # picked by index, a gather instead of formatting every value.
        text = pc.take(_hundredths_text(np.arange(top + 1)), pa.array(hundredths))
    else:
        text = _hundredths_text(hundredths)
    if missing.any():
        text = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)
    return text


def two_decimals_as_read(values: pd.Series) -> np.ndarray:
    """What reading `two_decimals` text back gives, without the text: a whole number of
    hundredths over 100 is the double nearest that decimal, which is what parsing it
    gives; a missing number stays missing."""
    numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    read: np.ndarray = np.rint(numbers * 100) / 100
    return read


def _hundredths_text(hundredths: np.ndarray) -> pa.Array:
    whole = pa.array(hundredths // 100).cast(pa.string())
    cents = pc.utf8_lpad(pa.array(hundredths % 100).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, cents, ".")


def whole_numbers(values: pd.Series) -> pa.Array:
    return pa.array(values.to_numpy(dtype=np.int64)).cast(pa.string())


def utc_text(values: pd.Series) -> pa.Array:
    """Instants as "YYYY-MM-DD HH:MM:SS.ffffff UTC"."""
    stamps = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).as_unit("us")
    text = np.char.add(np.datetime_as_string(stamps.to_numpy(), unit="us"), " UTC")
    return pc.replace_substring(pa.array(text, mask=stamps.isna()), "T", " ", max_replacements=1)


def date_text(values: pd.Series) -> pa.Array:
    """Dates (naive midnights) as "YYYY-MM-DD"."""
    return pa.array(values).cast(pa.date32()).cast(pa.string())


def plain_text(values: pd.Series) -> pa.Array:
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Each distinct id is converted once (a period has a row per store and date).
        return pa.array(values).dictionary_decode().cast(pa.string())
    return pa.array(values.astype(object).to_numpy(), type=pa.string(), from_pandas=True)


# From this many rows a CSV's columns are formatted, and its rows written, THREADS at
# once: Arrow does both outside Python's lock, and a fleet's daily CSV of a period is
# a million rows and more.
PARALLEL_ROWS = 100_000
THREADS = 2
_UNQUOTED = pacsv.WriteOptions(include_header=False, quoting_style="none")


def csv_of(columns: list[str], text_of: Callable[[str], pa.Array], rows: int) -> str:
    """csv_text of the columns `text_of` formats: side by side for `rows` of many."""
    if rows < PARALLEL_ROWS:
        return csv_text(columns, [text_of(c) for c in columns])
    with ThreadPoolExecutor(THREADS) as pool:
        return csv_text(columns, list(pool.map(text_of, columns)))


def csv_text(columns: list[str], texts: list[pa.Array]) -> str:
    """A header and one line per row of already formatted text columns."""
    table = pa.table(texts, names=columns)
    header = (",".join(columns) + "\n").encode()
    step = -(-table.num_rows // THREADS) if table.num_rows >= PARALLEL_ROWS else table.num_rows
    parts = [table.slice(at, step) for at in range(0, table.num_rows, step or 1)] or [table]
    # Unquoted, each part's text has a known size: the values, a comma or line end after
    # each. Each part is written into its own place of one buffer of the whole size,
    # which spares a growing buffer's copies (the CSV is tens of megabytes).
    sizes = [part.num_rows * len(columns) + sum(
        pc.sum(pc.binary_length(column)).as_py() or 0 for column in part.columns)
        for part in parts]
    starts = np.cumsum([len(header), *sizes])
    out = bytearray(int(starts[-1]))
    out[: len(header)] = header
    view = memoryview(out)

    def write(i: int) -> int:
        place = pa.FixedSizeBufferWriter(pa.py_buffer(view[starts[i]:starts[i + 1]]))
        pacsv.write_csv(parts[i], place, _UNQUOTED)
        return int(place.tell())

    try:
        if len(parts) == 1:
            written = [write(0)]
        else:
            with ThreadPoolExecutor(len(parts)) as pool:
                written = list(pool.map(write, range(len(parts))))
    except pa.ArrowInvalid:
        # Arrow can only leave every value unquoted; for a value holding a comma,
        # quote or line break, pandas quotes just those.
        text: str = table.to_pandas().to_csv(index=False, lineterminator="\n")
        return text
    finally:
        view.release()
    if written != sizes:
        raise AssertionError(f"CSV parts of {sizes} bytes were written as {written}")
    return out.decode("utf-8")
