"""The sample's bytes: export files written as the polling system writes them.

Poll files run to millions of lines, so lines are assembled from lookup tables
of bytes (clock times, fractions) instead of formatting numbers one by one.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.units import US_PER_DAY, US_PER_SECOND

STATUS_FILE = "store_status.csv"
HOURS_FILE = "menu_hours.csv"
TIMEZONES_FILE = "timezones.csv"

STATUS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
TIMEZONES_HEADER = "store_id,timezone_str"


def status_chunks(
    store_ids: npt.NDArray[np.object_],
    poll_store: npt.NDArray[np.int32],
    poll_active: npt.NDArray[np.bool_],
    poll_time_us: npt.NDArray[np.int64],
    chunk_rows: int,
) -> list[bytes]:
    """The poll export's lines (without the header), `chunk_rows` lines a chunk."""
    ids = store_ids.astype(str)
    width = max(int(np.char.str_len(ids).max()) if ids.size else 1, 1)
    id_bytes = np.char.encode(ids, "ascii").astype(f"S{width}")
    status_bytes = np.array([b"inactive", b"active"], dtype="S8")
    chunks = []
    for lo in range(0, poll_time_us.size, chunk_rows):
        hi = min(lo + chunk_rows, poll_time_us.size)
        chunks.append(
            _render_polls(
                id_bytes[poll_store[lo:hi]],
                status_bytes[poll_active[lo:hi].astype(np.intp)],
                poll_time_us[lo:hi],
            )
        )
    return chunks


def _digit_bytes(values: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.uint8]:
    powers = 10 ** np.arange(count - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


@cache
def clock_table() -> npt.NDArray[np.bytes_]:
    """b'HH:MM:SS' for every second of a day, indexable by seconds."""
    s = np.arange(86400, dtype=np.int64)
    table = np.full((s.size, 8), ord(":"), dtype=np.uint8)
    table[:, 0:2] = _digit_bytes(s // 3600, 2)
    table[:, 3:5] = _digit_bytes(s // 60 % 60, 2)
    table[:, 6:8] = _digit_bytes(s % 60, 2)
    return table.view("S8").ravel()


@cache
def _fraction_table() -> npt.NDArray[np.bytes_]:
    """b'.ffffff' for every microsecond count, trailing zeros (and a bare dot) left out."""
    table = np.full((US_PER_SECOND, 7), ord("."), dtype=np.uint8)
    table[:, 1:] = _digit_bytes(np.arange(US_PER_SECOND, dtype=np.int64), 6)
    trailing = np.logical_and.accumulate(table[:, :0:-1] == ord("0"), axis=1)[:, ::-1]
    table[:, 1:][trailing] = 0
    table[trailing[:, 0], 0] = 0
    return table.view("S7").ravel()


def clock_strings(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """'HH:MM:SS' for seconds since midnight."""
    return np.char.decode(clock_table()[seconds], "ascii").astype(object)


def _render_polls(
    ids: npt.NDArray[np.bytes_], status: npt.NDArray[np.bytes_], times_us: npt.NDArray[np.int64]
) -> bytes:
    """Lines like `123,active,2023-01-22 12:09:39.388884 UTC`, as the export writes them.

    Each line is a fixed-width record whose byte-string fields are NUL-padded;
    dropping the NULs leaves the lines. Like the real export, trailing zeros of
    the fraction are left out. Fields come from lookup tables because gathering
    bytes is far cheaper than formatting numbers.
    """
    days = times_us // US_PER_DAY
    unique_days, day_of_row = np.unique(days, return_inverse=True)
    dates = np.char.add(unique_days.astype("datetime64[D]").astype(str), " ")
    of_day = times_us - days * US_PER_DAY
    seconds = of_day // US_PER_SECOND
    record = np.dtype(
        [
            ("id", ids.dtype),
            ("c1", "S1"),
            ("status", "S8"),
            ("c2", "S1"),
            ("date", "S11"),
            ("clock", "S8"),
            ("fraction", "S7"),
            ("tail", "S5"),
        ]
    )
    rows = np.empty(times_us.size, dtype=record)
    rows["id"] = ids
    rows["c1"] = b","
    rows["status"] = status
    rows["c2"] = b","
    rows["date"] = np.char.encode(dates, "ascii").astype("S11")[day_of_row]
    rows["clock"] = clock_table()[seconds]
    rows["fraction"] = _fraction_table()[of_day - seconds * US_PER_SECOND]
    rows["tail"] = b" UTC\n"
    flat: npt.NDArray[np.uint8] = rows.view(np.uint8)
    lines: bytes = flat[flat != 0].tobytes()
    return lines


def csv_text(header: str, frame: pd.DataFrame) -> str:
    # Ids, weekdays, clock times and zone names never need CSV quoting.
    columns = [frame[c].astype(str).tolist() for c in header.split(",")]
    lines = [",".join(row) for row in zip(*columns, strict=True)]
    return header + "\n" + "".join(line + "\n" for line in lines)


