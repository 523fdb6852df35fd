"""Read the three CSV exports into the frames of storemon_core.frames.

A row that cannot be read is set aside with its file, line number and reason;
the rows around it are kept. Only a file that cannot be read at all (empty, or
a header without the needed columns) raises InputError.

Poll exports run to millions of rows, so everything here is vectorised: the
physical lines are found with numpy (line numbers and field counts), pyarrow
splits the fields, and ids, statuses, days, times and zone names are checked on
their unique values only.
"""

from __future__ import annotations

import functools
import os
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from storemon_core.frames import (
    BUSINESS_HOURS_COLUMNS,
    POLL_COLUMNS,
    TIMEZONE_COLUMNS,
    FileSummary,
    Inputs,
    empty_rejected,
)

Source = str | os.PathLike[str] | bytes | IO[bytes] | IO[str]

STATUS_FILE = "store_status.csv"
HOURS_FILE = "menu_hours.csv"
TIMEZONES_FILE = "timezones.csv"

STORE_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")
_DAY_RE = re.compile(r"\d{1,2}")
# Names zoneinfo can load that are not IANA zones (they depend on the machine).
_NOT_ZONES = frozenset({"localtime", "posixrules"})
_BOM = b"\xef\xbb\xbf"


class InputError(ValueError):
    """A file that cannot be read at all: empty, or its header lacks a needed column."""


# --------------------------------------------------------------------------- reading bytes


def _source_bytes(src: Source) -> bytes:
    if isinstance(src, bytes):
        return src
    if isinstance(src, (str, os.PathLike)):
        return Path(src).read_bytes()
    getvalue = getattr(src, "getvalue", None)  # BytesIO, StringIO, Streamlit's UploadedFile
    data: Any = getvalue() if callable(getvalue) else src.read()
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def source_name(src: Source | None, default: str) -> str:
    """The file name to show for a source: its base name, or the default."""
    if isinstance(src, (str, os.PathLike)):
        return Path(src).name
    name = getattr(src, "name", None)
    if isinstance(name, str) and name:
        return os.path.basename(name)
    return default


# --------------------------------------------------------------------------- physical lines


@dataclass
class _Table:
    """The fields of a file's well-formed rows, with where each came from."""

    name: str
    data: bytes
    columns: dict[str, pa.ChunkedArray]  # canonical name -> strings (dictionary-encoded or not)
    read: int  # data rows (non-blank lines after the header)
    shape_rejects: pd.DataFrame
    quoted: bool  # some field may be wrapped in double quotes
    first_row_line: int = 1  # 0-based line of the first row when rows are consecutive lines
    lines: np.ndarray | None = None  # 0-based physical line of each row, when not consecutive
    _bounds: tuple[np.ndarray, np.ndarray] | None = None

    def row_lines(self, rows: np.ndarray) -> np.ndarray:
        """0-based physical line numbers of the given parsed rows."""
        if self.lines is None:
            return rows.astype(np.int64) + self.first_row_line
        return np.asarray(self.lines[rows], dtype=np.int64)

    def line_text(self, lines: np.ndarray) -> list[str]:
        if len(lines) == 0:
            return []
        if self._bounds is None:
            starts, ends, _ = _line_bounds(np.frombuffer(self.data, dtype=np.uint8))
            self._bounds = (starts, ends)
        starts, ends = self._bounds
        return [self.data[starts[i] : ends[i]].decode("utf-8", "replace") for i in lines]


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Start and end (without "\n" or a trailing "\r") of each physical line."""
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    if starts[-1] == len(arr):  # file ends with "\n": no line after it
        starts, ends = starts[:-1], ends[:-1]
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - has_cr, int(np.count_nonzero(has_cr))


def _header_fields(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    return [_clean(f) for f in text.split(",")]


def _match_header(
    name: str, fields: list[str], wanted: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Position of each wanted column; aliases are matched ignoring case."""
    lowered = [f.lower() for f in fields]
    found: dict[str, int] = {}
    missing: list[str] = []
    for canonical, aliases in wanted.items():
        hits = [i for i, f in enumerate(lowered) if f in {a.lower() for a in aliases}]
        if len(hits) != 1:
            missing.append(" or ".join(aliases) + (" (more than once)" if hits else ""))
        else:
            found[canonical] = hits[0]
    if missing:
        expected = ", ".join(" or ".join(a) for a in wanted.values())
        raise InputError(
            f"{name}: the header lacks {'; '.join(missing)}. "
            f"Expected columns: {expected}; found: {', '.join(fields) or '(nothing)'}"
        )
    return found


_DICT = pa.dictionary(pa.int32(), pa.string())


def _parse(
    data: bytes | memoryview, ncols: int, positions: dict[str, int], dictionary: set[str]
) -> pa.Table:
    """Split rows with pyarrow; raises pa.ArrowInvalid on a row with a wrong field count."""
    names = [f"c{i}" for i in range(ncols)]
    wanted = {
        f"c{pos}": (_DICT if c in dictionary else pa.string()) for c, pos in positions.items()
    }
    try:
        table = _parse_utf8(data, names, wanted)
    except pa.ArrowInvalid as exc:
        if "utf8" not in str(exc).lower():
            raise
        # Bytes that are not UTF-8 are shown replaced; validation then rejects such rows.
        fixed = bytes(data).decode("utf-8", "replace").encode("utf-8")
        table = _parse_utf8(fixed, names, wanted)
    return table.rename_columns(list(positions))


def _parse_utf8(data: bytes | memoryview, names: list[str], types: dict[str, Any]) -> pa.Table:
    if len(data) == 0:
        return pa.table({c: pa.array([], t) for c, t in types.items()})
    return pcsv.read_csv(
        pa.py_buffer(data),
        # Large blocks: each block brings its own dictionary of store ids, and
        # unifying hundreds of them grew faster than the file.
        read_options=pcsv.ReadOptions(column_names=names, block_size=16 << 20),
        parse_options=pcsv.ParseOptions(
            delimiter=",", quote_char=False, escape_char=False, ignore_empty_lines=True
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _read_table(
    src: Source, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str]
) -> _Table:
    """The file's rows, split into the wanted columns; malformed rows set aside."""
    data = _source_bytes(src)
    if data.startswith(_BOM):
        # Keep byte offsets and line numbers: blank the mark out instead of cutting it.
        data = b"   " + data[3:]
    quoted = b'"' in data
    first_end = data.find(b"\n")
    head = data if first_end < 0 else data[:first_end]
    if head.strip():
        # The common case: header on line 1, no blank lines, every row well formed, CRLF or
        # LF. Then parsed row k is line k + 2 and no line model is needed.
        positions = _match_header(name, _header_fields(head), wanted)
        ncols = len(_header_fields(head))
        start = len(data) if first_end < 0 else first_end + 1
        arr = np.frombuffer(data, dtype=np.uint8)
        if data.find(b"\r", start) < 0 or _only_crlf(arr, start):
            try:
                table = _parse(memoryview(data)[start:], ncols, positions, dictionary)
            except pa.ArrowInvalid:
                table = None
            if table is not None:
                common = _Table(
                    name=name,
                    data=data,
                    columns={c: table.column(c) for c in positions},
                    read=table.num_rows,
                    shape_rejects=empty_rejected(),
                    quoted=quoted,
                )
                unterminated = int(len(data) > start and data[-1:] != b"\n")
                if table.num_rows == data.count(b"\n", start) + unterminated:
                    return common
                # pyarrow skipped empty lines: rows are the non-empty lines after the header.
                starts, ends, _ = _line_bounds(arr)
                rows = np.flatnonzero(ends > starts)
                rows = rows[rows > 0]
                if len(rows) == table.num_rows:
                    common.lines, common._bounds = rows, (starts, ends)
                    return common
    return _read_table_lines(data, name, wanted, dictionary, quoted)


def _only_crlf(arr: np.ndarray, start: int) -> bool:
    """Whether every "\r" after `start` ends a line (pyarrow takes a lone one as a line end)."""
    returns = np.flatnonzero(arr[start:] == 13) + start
    following = returns + 1
    return bool(
        np.all(following < len(arr)) and np.all(arr[np.minimum(following, len(arr) - 1)] == 10)
    )


def _read_table_lines(
    data: bytes, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str], quoted: bool
) -> _Table:
    """The careful path: model every physical line, set aside rows with a wrong field count."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends, _ = _line_bounds(arr)
    commas = np.flatnonzero(arr == 44)
    counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    blank = ends == starts
    # Lines of spaces only are blank too; only comma-free lines can be.
    for i in np.flatnonzero(~blank & (counts == 0)):
        blank[i] = not data[starts[i] : ends[i]].strip()
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        expected = ", ".join(" or ".join(a) for a in wanted.values())
        raise InputError(f"{name} is empty: expected a header with columns {expected}")
    header = int(nonblank[0])
    fields = _header_fields(data[starts[header] : ends[header]])
    positions = _match_header(name, fields, wanted)
    ncols = len(fields)

    data_lines = nonblank[1:]
    good = counts[data_lines] == ncols - 1
    row_lines = data_lines[good]
    bad_lines = data_lines[~good]
    shape_rejects = pd.DataFrame(
        {
            "file": name,
            "line": bad_lines + 1,
            "reason": [f"expected {ncols} fields but found {n + 1}" for n in counts[bad_lines]],
            "row": [data[starts[i] : ends[i]].decode("utf-8", "replace") for i in bad_lines],
        }
    )
    # A clean copy of exactly the well-formed rows, "\n"-ended and without any "\r" (which
    # pyarrow would take as a line end), so parsed row k is row_lines[k].
    keep = np.zeros(len(starts), dtype=bool)
    keep[row_lines] = True
    mask = np.repeat(keep, np.diff(np.append(starts, len(arr)))) & (arr != 13)
    table = _parse(arr[mask].tobytes(), ncols, positions, dictionary)
    if table.num_rows != len(row_lines):  # pragma: no cover - the clean copy always maps
        raise InputError(f"{name}: could not split the file into rows")
    return _Table(
        name=name,
        data=data,
        columns={c: table.column(c) for c in positions},
        read=len(data_lines),
        shape_rejects=shape_rejects,
        quoted=quoted,
        lines=row_lines,
        _bounds=(starts, ends),
    )


# --------------------------------------------------------------------------- field checks


def _clean(text: str) -> str:
    """Trimmed of spaces and of one pair of wrapping quotes (spreadsheets quote fields)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """A dictionary-encoded column as (codes, trimmed distinct values), so checks run once
    per distinct value. Two codes may share a value after trimming; that is harmless."""
    if col.num_chunks == 0:
        return np.array([], dtype=np.intp), []
    col = col.unify_dictionaries()
    uniques = [_clean(u) for u in col.chunk(0).dictionary.to_pylist()]
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks])
    return codes.astype(np.intp, copy=False), uniques


def _check_ids(col: pa.ChunkedArray) -> tuple[pd.Categorical, np.ndarray]:
    """(store ids as a categorical, mask of valid ids).

    Categorical because everything downstream groups polls by store: the codes
    come free from the file's dictionary, where hashing millions of strings does not.
    """
    codes, uniques = _codes(col)
    ok = np.array([STORE_ID_RE.fullmatch(u) is not None for u in uniques], dtype=bool)
    if len(codes) == 0:
        return pd.Categorical(np.array([], dtype=object)), np.array([], dtype=bool)
    # Trimming can make two dictionary entries equal; they are one store.
    categories, merged = np.unique(np.array(uniques, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(merged[codes], categories=pd.Index(categories)), ok[codes]


def _used_only(ids: pd.Categorical) -> pd.Categorical:
    """Drop ids seen only on rejected rows (pandas' own way sorts every code)."""
    used = np.bincount(ids.codes, minlength=len(ids.categories)) > 0
    renumbered = np.cumsum(used) - 1
    return pd.Categorical.from_codes(renumbered[ids.codes], categories=ids.categories[used])


def _parse_time(text: str) -> int | None:
    """Microseconds after midnight, or None when not a time of day."""
    m = _TIME_RE.fullmatch(text)
    if m is None:
        return None
    hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    micros = int((m[4] or "").ljust(6, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros


def _check_times(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    parsed = [_parse_time(u) for u in uniques]
    ok = np.array([p is not None for p in parsed], dtype=bool)
    micros = np.array([p or 0 for p in parsed], dtype=np.int64)
    return micros[codes].astype("timedelta64[us]"), ok[codes]


def _parse_day(text: str) -> int | None:
    if _DAY_RE.fullmatch(text) is None or int(text) > 6:
        return None
    return int(text)


def _check_days(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    parsed = [_parse_day(u) for u in uniques]
    ok = np.array([p is not None for p in parsed], dtype=bool)
    days = np.array([p or 0 for p in parsed], dtype=np.int8)
    return days[codes], ok[codes]


@functools.lru_cache(maxsize=4096)
def is_timezone(name: str) -> bool:
    """Whether zoneinfo knows the name as a zone (machine-specific aliases excluded)."""
    if not name or name in _NOT_ZONES:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_zones(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    ok = np.array([is_timezone(u) for u in uniques], dtype=bool)
    values = np.array(uniques, dtype=object)
    if len(codes) == 0:
        return np.array([], dtype=object), np.array([], dtype=bool)
    return values[codes], ok[codes]


def _check_status(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(active mask, valid mask): statuses are few, so lower-case the distinct ones."""
    codes, uniques = _codes(col)
    lowered = [u.lower() for u in uniques]
    active = np.array([u == "active" for u in lowered], dtype=bool)
    ok = active | np.array([u == "inactive" for u in lowered], dtype=bool)
    return active[codes], ok[codes]


def _strip_suffix(col: pa.Array, suffix: str) -> pa.Array:
    has = pc.ends_with(col, suffix)
    if not pc.any(has).as_py():
        return col
    cut = pc.utf8_slice_codeunits(col, 0, -len(suffix))
    return cut if pc.all(has).as_py() else pc.if_else(has, cut, col)


def _string_bytes(col: pa.ChunkedArray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
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


def _padded(text: pa.ChunkedArray) -> bool:
    """Whether any value starts or ends with a space, tab or no-break space
    (trimming copies every string)."""
    for data, start, end in _string_bytes(text):
        some = end > start
        first, last = _byte_at(data, start, some), _byte_at(data, end - 1, some)
        edges = np.concatenate([first, last])
        if ((edges == ord(" ")) | (edges == ord("\t"))).any():
            return True
        # U+00A0 is the bytes C2 A0 in UTF-8.
        two = end - start >= 2
        if (((first == 0xC2) & (_byte_at(data, start + 1, two) == 0xA0)).any()
                or ((last == 0xA0) & (_byte_at(data, end - 2, two) == 0xC2)).any()):
            return True
    return False


def _shaped(text: pa.ChunkedArray) -> np.ndarray:
    """Whether each value (suffix already cut) has the length of a full timestamp:
    seconds, then nothing or a dot and 1 to 6 fraction digits (Arrow's cast also
    takes shorter forms, and more digits)."""
    masks = []
    for data, start, end in _string_bytes(text):
        length = end - start
        long = (length >= 21) & (length <= 26)
        dotted = _byte_at(data, start + 19, long) == ord(".")
        masks.append((length == 19) | (long & dotted))
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def _check_timestamps(col: pa.ChunkedArray, quoted: bool) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds since the epoch, valid mask) for ISO 8601 UTC timestamps.

    Arrow's cast is strict ISO 8601 and fast; the length check keeps out the shorter
    forms it also takes (a date alone, no seconds) and anything past 6 fraction digits.
    """
    text = col
    if _padded(text):
        text = pc.utf8_trim_whitespace(text)
    if quoted:
        wrapped = pc.and_(pc.starts_with(text, '"'), pc.ends_with(text, '"'))
        wrapped = pc.and_(wrapped, pc.greater_equal(pc.utf8_length(text), 2))
        inner = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(text, 1, -1))
        text = pc.if_else(wrapped, inner, text)
    text = _strip_suffix(_strip_suffix(text, " UTC"), "Z")
    ok = _shaped(text)
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
        return values, np.ones(len(texts), dtype=bool)
    if len(texts) <= small:
        pairs = [_one_timestamp(t) for t in texts.to_pylist()]
        return (
            np.array([v for v, _ in pairs], dtype=np.int64),
            np.array([ok for _, ok in pairs], dtype=bool),
        )
    half = len(texts) // 2
    head_values, head_ok = _cast_timestamps(texts.slice(0, half), small)
    tail_values, tail_ok = _cast_timestamps(texts.slice(half), small)
    return np.concatenate([head_values, tail_values]), np.concatenate([head_ok, tail_ok])


_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?")
_EPOCH = datetime(1970, 1, 1)


def _one_timestamp(text: str) -> tuple[int, bool]:
    if _ISO_RE.fullmatch(text) is None:
        return 0, False
    try:
        delta = datetime.fromisoformat(text) - _EPOCH
    except ValueError:
        return 0, False
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds, True


# --------------------------------------------------------------------------- the three files


def _set_aside(
    table: _Table, checks: list[tuple[np.ndarray, str]]
) -> tuple[np.ndarray, pd.DataFrame, FileSummary]:
    """Mask of usable rows, the rejected frame (first failing check names the reason)."""
    keep = np.ones(len(checks[0][0]), dtype=bool)
    for ok, _ in checks:
        keep &= ok
    bad = np.flatnonzero(~keep)
    reason = np.full(len(bad), "", dtype=object)
    for ok, why in reversed(checks):
        reason[~ok[bad]] = why
    lines = table.row_lines(bad)
    content = pd.DataFrame(
        {
            "file": table.name,
            "line": lines + 1,
            "reason": reason,
            "row": table.line_text(lines),
        }
    )
    parts = [f for f in (table.shape_rejects, content) if len(f)]
    rejected = (
        pd.concat(parts, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)
        if parts
        else empty_rejected()
    )
    rejected = _rejected_dtypes(rejected)
    summary = FileSummary(
        file=table.name,
        read=table.read,
        kept=table.read - len(rejected),
        rejected=len(rejected),
    )
    return keep, rejected, summary


def _rejected_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": frame["file"].astype(object),
            "line": frame["line"].astype("int64"),
            "reason": frame["reason"].astype(object),
            "row": frame["row"].astype(object),
        }
    )


def read_polls(
    src: Source, name: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """store_status.csv -> (polls, rejected, summary)."""
    name = name or source_name(src, STATUS_FILE)
    table = _read_table(
        src,
        name,
        {"store_id": ("store_id",), "status": ("status",), "timestamp_utc": ("timestamp_utc",)},
        dictionary={"store_id", "status"},
    )
    ids, ids_ok = _check_ids(table.columns["store_id"])
    active, status_ok = _check_status(table.columns["status"])
    micros, ts_ok = _check_timestamps(table.columns["timestamp_utc"], table.quoted)
    keep, rejected, summary = _set_aside(
        table,
        [
            (ids_ok, "bad store_id"),
            (status_ok, "unknown status"),
            (ts_ok, "unparseable timestamp_utc"),
        ],
    )
    if not keep.all():
        ids, micros, active = ids[keep], micros[keep], active[keep]
    ids = _used_only(ids)
    stamps = pd.DatetimeIndex(micros.view("datetime64[us]"), dtype="datetime64[us, UTC]")
    polls = pd.DataFrame(
        {
            "store_id": pd.Series(ids),
            "timestamp_utc": pd.Series(stamps),
            "active": pd.Series(active, dtype=bool),
        },
        columns=POLL_COLUMNS,
    )
    return polls, rejected, summary


def read_business_hours(
    src: Source, name: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """menu_hours.csv -> (business_hours, rejected, summary); the day column may be `day`."""
    name = name or source_name(src, HOURS_FILE)
    table = _read_table(
        src,
        name,
        {
            "store_id": ("store_id",),
            "day_of_week": ("dayOfWeek", "day"),
            "start_time_local": ("start_time_local",),
            "end_time_local": ("end_time_local",),
        },
        dictionary={"store_id", "day_of_week", "start_time_local", "end_time_local"},
    )
    ids, ids_ok = _check_ids(table.columns["store_id"])
    days, days_ok = _check_days(table.columns["day_of_week"])
    starts, starts_ok = _check_times(table.columns["start_time_local"])
    ends, ends_ok = _check_times(table.columns["end_time_local"])
    keep, rejected, summary = _set_aside(
        table,
        [
            (ids_ok, "bad store_id"),
            (days_ok, "day outside 0-6"),
            (starts_ok, "unparseable start_time_local"),
            (ends_ok, "unparseable end_time_local"),
        ],
    )
    hours = pd.DataFrame(
        {
            "store_id": pd.Series(ids[keep], dtype=object),
            "day_of_week": pd.Series(days[keep], dtype="int8"),
            "start_time_local": pd.Series(starts[keep], dtype="timedelta64[us]"),
            "end_time_local": pd.Series(ends[keep], dtype="timedelta64[us]"),
        },
        columns=BUSINESS_HOURS_COLUMNS,
    )
    return hours, rejected, summary


def read_timezones(
    src: Source, name: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, FileSummary]:
    """timezones.csv -> (timezones, rejected, summary); a store's last valid row counts."""
    name = name or source_name(src, TIMEZONES_FILE)
    table = _read_table(
        src,
        name,
        {"store_id": ("store_id",), "timezone_str": ("timezone_str",)},
        dictionary={"store_id", "timezone_str"},
    )
    ids, ids_ok = _check_ids(table.columns["store_id"])
    zones, zones_ok = _check_zones(table.columns["timezone_str"])
    keep, rejected, summary = _set_aside(
        table, [(ids_ok, "bad store_id"), (zones_ok, "unknown time zone")]
    )
    frame = pd.DataFrame(
        {
            "store_id": pd.Series(ids[keep], dtype=object),
            "timezone_str": pd.Series(zones[keep], dtype=object),
        },
        columns=TIMEZONE_COLUMNS,
    )
    frame = frame.drop_duplicates("store_id", keep="last", ignore_index=True)
    return frame, rejected, summary


def load_exports(
    status: Source | None = None,
    hours: Source | None = None,
    timezones: Source | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Inputs:
    """Read whichever of the three exports are given (paths, bytes or file-like objects).

    `progress(fraction, phase)` hears when each file starts; polls are most of the work.
    """
    inputs = Inputs()
    rejected: list[pd.DataFrame] = []
    steps: list[tuple[Source | None, float, str, Callable[..., Any], str]] = [
        (status, 0.0, STATUS_FILE, read_polls, "polls"),
        (hours, 0.8, HOURS_FILE, read_business_hours, "business_hours"),
        (timezones, 0.95, TIMEZONES_FILE, read_timezones, "timezones"),
    ]
    for src, fraction, default, reader, field_name in steps:
        if src is None:
            continue
        if progress:
            progress(fraction, f"reading {source_name(src, default)}")
        frame, rej, summary = reader(src)
        setattr(inputs, field_name, frame)
        rejected.append(rej)
        inputs.summaries.append(summary)
    nonempty = [r for r in rejected if len(r)]
    if nonempty:
        inputs.rejected = _rejected_dtypes(pd.concat(nonempty, ignore_index=True))
    if progress:
        progress(1.0, "read")
    return inputs


def format_rejections(inputs: Inputs, first: int = 5) -> str:
    """Per file: how many rows were rejected and why, with the first few line numbers.

    Empty when nothing was rejected.
    """
    lines: list[str] = []
    rejected = inputs.rejected
    for summary in inputs.summaries:
        if summary.rejected == 0:
            continue
        rows = rejected[rejected["file"] == summary.file]
        reasons = rows["reason"].value_counts(sort=True)
        why = "; ".join(f"{n:,} {reason}" for reason, n in reasons.items())
        lines.append(
            f"{summary.file}: {summary.rejected:,} of {summary.read:,} rows rejected ({why})"
        )
        for _, row in rows.head(first).iterrows():
            text = str(row["row"])
            if len(text) > 80:
                text = text[:77] + "..."
            lines.append(f"  line {row['line']}: {row['reason']}: {text}")
        if len(rows) > first:
            lines.append(f"  ... and {len(rows) - first:,} more")
    return "\n".join(lines)
