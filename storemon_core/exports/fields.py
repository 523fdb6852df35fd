"""Checking the fields of a column: store ids, statuses, days, times of day, zone names.

Columns arrive dictionary-encoded from the line reader, so each check runs once
per distinct value and its answer is spread to the rows through the codes.
Every check returns (values, valid mask), one entry per row.

A field is trimmed of spaces and tabs only: any other control or non-ASCII
character is part of the value, and no valid value has one (digits are ASCII
digits, ids and zone names ASCII), so such a field is invalid.
"""

from __future__ import annotations

import functools
import re
import zoneinfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A first character that is a letter or digit: no id can start a spreadsheet formula.
STORE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?")
_DAY_RE = re.compile(r"[0-9]{1,2}")
# IANA names: parts of ASCII letters, digits, "_", "-" and "+", each starting with a letter.
_ZONE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z][A-Za-z0-9_+-]*)*")
# Names zoneinfo can load that are no place's zone: copies with leap seconds (right/)
# or without them (posix/), the machine's own zone, and tzdata's placeholder.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_NOT_ZONE_FOLDERS = ("right/", "posix/")
_PADDING = " \t"


def clean(text: str) -> str:
    """Trimmed of spaces and tabs and of one pair of wrapping quotes (spreadsheets
    quote fields)."""
    text = text.strip(_PADDING)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip(_PADDING)
    return text


def clean_values(values: pa.Array) -> pa.Array:
    """`clean` of every value, in Arrow's kernels: a poll export's block holds
    hundreds of thousands of distinct ids, too many for a Python call each."""
    text = pc.utf8_trim(values, _PADDING)
    wrapped = pc.and_(pc.and_(pc.starts_with(text, '"'), pc.ends_with(text, '"')),
                      pc.greater_equal(pc.utf8_length(text), 2))
    if not pc.any(wrapped).as_py():
        return text
    return pc.if_else(wrapped, pc.utf8_trim(pc.utf8_slice_codeunits(text, 1, -1), _PADDING),
                      text)


# STORE_ID_RE for Arrow's regular expressions, which search unless anchored.
_STORE_ID_PATTERN = f"^(?:{STORE_ID_RE.pattern})$"


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """A dictionary-encoded column as (codes, trimmed distinct values), so checks run once
    per distinct value. Two codes may share a value after trimming; that is harmless."""
    if col.num_chunks == 0:
        return np.array([], dtype=np.intp), []
    col = col.unify_dictionaries()
    uniques = [clean(u) for u in col.chunk(0).dictionary.to_pylist()]
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks])
    return codes.astype(np.intp, copy=False), uniques


def check_ids(col: pa.ChunkedArray) -> tuple[pd.Categorical, np.ndarray]:
    """(store ids as a categorical, mask of valid ids).

    Categorical because everything downstream groups polls by store: the codes
    come free from the file's dictionary, where hashing millions of strings does not.
    """
    if col.num_chunks == 0 or len(col) == 0:
        # Categories of the same dtype as when there are ids (pandas infers str).
        no_ids = pd.Categorical.from_codes([], categories=pd.Index([], dtype=str))
        return no_ids, np.array([], dtype=bool)
    col = col.unify_dictionaries()
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in col.chunks])
    raw = col.chunk(0).dictionary
    uniques = clean_values(raw)
    ok = np.asarray(pc.match_substring_regex(uniques, _STORE_ID_PATTERN), dtype=bool)
    # Sorted as text: UTF-8 bytes sort in code-point order.
    if pc.sum(pc.binary_length(uniques)) == pc.sum(pc.binary_length(raw)):
        # Nothing was trimmed (trimming only shortens), so the entries are still
        # distinct: a block of a poll export holds most of the fleet's ids, and
        # hashing them twice more cost a fifth of checking them.
        order = np.asarray(pc.sort_indices(uniques), dtype=np.intp)
        distinct = uniques.take(order)
        merged = np.empty(len(order), dtype=np.intp)
        merged[order] = np.arange(len(order), dtype=np.intp)
    else:
        # Trimming made some entries equal: they are one store.
        distinct = pc.unique(uniques)
        distinct = distinct.take(pc.sort_indices(distinct))
        merged = np.asarray(pc.index_in(uniques, distinct), dtype=np.intp)
    categories = pd.Index(np.array(distinct.to_pylist(), dtype=object))
    return (pd.Categorical.from_codes(merged[codes], categories=categories, validate=False),
            ok[codes])


def used_only(ids: pd.Categorical) -> pd.Categorical:
    """Drop ids seen only on rejected rows (pandas' own way sorts every code)."""
    used = np.bincount(ids.codes, minlength=len(ids.categories)) > 0
    if used.all():
        return ids
    renumbered = np.cumsum(used) - 1
    return pd.Categorical.from_codes(renumbered[ids.codes], categories=ids.categories[used],
                                     validate=False)


def check_status(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(active mask, valid mask): statuses are few, so lower-case the distinct ones."""
    codes, uniques = _codes(col)
    lowered = [u.lower() if u.isascii() else "" for u in uniques]
    active = np.array([u == "active" for u in lowered], dtype=bool)
    ok = active | np.array([u == "inactive" for u in lowered], dtype=bool)
    return active[codes], ok[codes]


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


def check_times(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    parsed = [_parse_time(u) for u in uniques]
    ok = np.array([p is not None for p in parsed], dtype=bool)
    micros = np.array([p or 0 for p in parsed], dtype=np.int64)
    return micros[codes].astype("timedelta64[us]"), ok[codes]


def _parse_day(text: str) -> int | None:
    if _DAY_RE.fullmatch(text) is None or int(text) > 6:
        return None
    return int(text)


def check_days(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    parsed = [_parse_day(u) for u in uniques]
    ok = np.array([p is not None for p in parsed], dtype=bool)
    days = np.array([p or 0 for p in parsed], dtype=np.int8)
    return days[codes], ok[codes]


@functools.cache
def _zone_names() -> frozenset[str]:
    """Every zone name this machine's tz database has: one set, so that a file of
    a million made-up names costs a million look-ups, not a million file opens."""
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=4096)
def is_timezone(name: str) -> bool:
    """Whether the name is a portable IANA zone name that zoneinfo can load."""
    if (_ZONE_RE.fullmatch(name) is None or name in _NOT_ZONES
            or name.startswith(_NOT_ZONE_FOLDERS) or name not in _zone_names()):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_zones(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = _codes(col)
    ok = np.array([is_timezone(u) for u in uniques], dtype=bool)
    values = np.array(uniques, dtype=object)
    if len(codes) == 0:
        return np.array([], dtype=object), np.array([], dtype=bool)
    return values[codes], ok[codes]
