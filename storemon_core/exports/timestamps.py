"""Checking the timestamp_utc column of a poll export: ISO 8601 text to microseconds.

Poll exports have millions of distinct timestamps, so this column is not
dictionary-encoded: Arrow's strict cast reads it in one go, and the few checks
the cast does not make look at single bytes of every value straight from the
column's buffers. A timestamp must also lie in the range of storemon.instants
(1970-01-01 … 2199-12-31 UTC).
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from storemon_core.instants import EARLIEST_US, END_US

_PADDING = " \t"


def _strip_zone(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Without a final " UTC" or "Z": one of the two, never both ("Z UTC" is no ISO 8601)."""
    text = col
    for suffix in (" UTC", "Z"):
        has = pc.ends_with(col, suffix)  # of the values as given: the two never overlap
        if not pc.any(has).as_py():
            continue
        cut = pc.utf8_slice_codeunits(col, 0, -len(suffix))
        text = cut if pc.all(has).as_py() else pc.if_else(has, cut, text)
    return text


def string_bytes(col: pa.ChunkedArray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per chunk of a string column: its bytes, and each value's start and end in them.

    Checks of a byte or two at fixed places of every value read these directly;
    Arrow's string kernels would build a new string per value first."""
    parts = []
    for chunk in col.chunks:
        n = len(chunk)
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=n + 1,
                                offset=chunk.offset * 4).astype(np.int64)
        data = (np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None
                else np.zeros(0, dtype=np.uint8))
        parts.append((data, offsets[:-1], offsets[1:]))
    return parts


def _byte_at(data: np.ndarray, at: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """data[at] where `inside`, else 0 (a byte no check looks for)."""
    picked = np.zeros(len(at), dtype=np.uint8)
    picked[inside] = data[at[inside]]
    return picked


def padded(text: pa.ChunkedArray) -> bool:
    """Whether any value starts or ends with a space or tab (trimming copies every
    string, so it is done only when needed)."""
    for data, start, end in string_bytes(text):
        some = end > start
        edges = np.concatenate([_byte_at(data, start, some), _byte_at(data, end - 1, some)])
        if ((edges == ord(" ")) | (edges == ord("\t"))).any():
            return True
    return False


def shaped(text: pa.ChunkedArray) -> np.ndarray:
    """Whether each value (suffix already cut) has the length of a full timestamp:
    seconds, then nothing or a dot and 1 to 6 fraction digits (Arrow's cast also
    takes shorter forms, and more digits)."""
    masks = []
    for data, start, end in string_bytes(text):
        length = end - start
        long = (length >= 21) & (length <= 26)
        dotted = _byte_at(data, start + 19, long) == ord(".")
        masks.append((length == 19) | (long & dotted))
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def check_timestamps(col: pa.ChunkedArray, quoted: bool) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds since the epoch, valid mask) for ISO 8601 UTC timestamps.

    Arrow's cast is strict ISO 8601 and fast; the length check keeps out the shorter
    forms it also takes (a date alone, no seconds) and anything past 6 fraction digits.
    Whether the instant is in range is `in_range`'s question.
    """
    text = col
    if padded(text):
        text = pc.utf8_trim(text, _PADDING)
    if quoted:
        wrapped = pc.and_(pc.starts_with(text, '"'), pc.ends_with(text, '"'))
        wrapped = pc.and_(wrapped, pc.greater_equal(pc.utf8_length(text), 2))
        inner = pc.utf8_trim(pc.utf8_slice_codeunits(text, 1, -1), _PADDING)
        text = pc.if_else(wrapped, inner, text)
    text = _strip_zone(text)
    ok = shaped(text)
    micros = np.zeros(len(text), dtype=np.int64)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return micros, ok
    candidates = text if len(idx) == len(text) else text.take(pa.array(idx))
    micros[idx], ok[idx] = _cast_timestamps(candidates)
    return micros, ok


def _cast_timestamps(texts: pa.ChunkedArray, small: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Arrow's strict cast; when a value fails (month 13, 30 February...) halve the
    range until the culprits are found, so a few bad rows cost little in a big file."""
    try:
        stamps = pc.cast(texts, pa.timestamp("us"))
    except pa.ArrowInvalid:
        pass
    else:
        values = np.asarray(stamps.cast(pa.int64()).to_numpy(zero_copy_only=False))
        # The cast reads year 0000, which one_timestamp (Python's datetime) cannot: it
        # is unreadable either way, so a value's answer does not depend on its neighbours.
        return values, values >= _YEAR_ONE_US
    if len(texts) <= small:
        pairs = [one_timestamp(t) for t in texts.to_pylist()]
        return (
            np.array([v for v, _ in pairs], dtype=np.int64),
            np.array([ok for _, ok in pairs], dtype=bool),
        )
    half = len(texts) // 2
    head_values, head_ok = _cast_timestamps(texts.slice(0, half), small)
    tail_values, tail_ok = _cast_timestamps(texts.slice(half), small)
    return np.concatenate([head_values, tail_values]), np.concatenate([head_ok, tail_ok])


def in_range(micros: np.ndarray) -> np.ndarray:
    """Whether each instant lies in 1970-01-01 … 2199-12-31 UTC."""
    return (micros >= EARLIEST_US) & (micros < END_US)


_ISO_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")
_EPOCH = datetime(1970, 1, 1)
_YEAR_ONE_US = -62_135_596_800 * 1_000_000  # 0001-01-01 00:00


def one_timestamp(text: str) -> tuple[int, bool]:
    """(microseconds since the epoch, valid) of one timestamp, suffix already cut."""
    if _ISO_RE.fullmatch(text) is None:
        return 0, False
    try:
        delta = datetime.fromisoformat(text) - _EPOCH
    except ValueError:
        return 0, False
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds, True
