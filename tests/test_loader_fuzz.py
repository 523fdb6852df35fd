"""Fuzzing the three loaders against a reference reader written from SPEC.md "Inputs".

The reference below reads a file line by line in plain Python, the slow and
obvious way. Given real rows of the polling system's exports (tests/real_data.py),
random mutations of them and random bytes, the loader must

- raise nothing but InputError, and that only when the header cannot be read;
- keep exactly the rows the reference keeps, and reject exactly the others, each
  with its line number and reason;
- give the same frames, and the same report, as the file of the good rows alone.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storemon_core.exports import (
    MAX_LINE_BYTES,
    ROW_TEXT_CHARS,
    InputError,
    is_timezone,
    read_business_hours,
    read_polls,
    read_timezones,
)
from storemon_core.frames import FileSummary, Inputs
from tests.builders import engine_csv
from tests.real_data import REAL_2023, REAL_2025, needs_real_data

pytestmark = needs_real_data

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --------------------------------------------------------------------------- the reference


class Unreadable(Exception):
    """The reference's InputError: no header with the needed columns."""


ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
DAY_RE = re.compile(r"[0-9]{1,2}")
TIME_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?")
STAMP_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,6}))?(?: UTC|Z)?"
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
END = datetime(2200, 1, 1, tzinfo=UTC)
TOO_LONG = f"line too long (over {MAX_LINE_BYTES:,} bytes)"
Row = tuple[Any, ...]
Field = str | None  # None: not UTF-8


def ref_clean(text: str) -> str:
    text = text.strip(" \t")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip(" \t")
    return text


def ref_id(value: Field) -> str | None:
    return value if value is not None and ID_RE.fullmatch(value) else None


def ref_time(value: Field) -> int | None:
    match = TIME_RE.fullmatch(value or "")
    if match is None:
        return None
    h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
    if h > 23 or m > 59 or s > 59:
        return None
    return ((h * 60 + m) * 60 + s) * 1_000_000 + int((match[4] or "").ljust(6, "0"))


def check_poll(f: dict[str, Field]) -> tuple[Row | None, str]:
    store = ref_id(f["store_id"])
    if store is None:
        return None, "bad store_id"
    status = f["status"]
    if status is None or not status.isascii() or status.lower() not in ("active", "inactive"):
        return None, "unknown status"
    match = STAMP_RE.fullmatch(f["timestamp_utc"] or "")
    if match is None:
        return None, "unparseable timestamp_utc"
    try:
        when = datetime(*(int(match[i]) for i in range(1, 7)),
                        microsecond=int((match[7] or "").ljust(6, "0")), tzinfo=UTC)
    except ValueError:  # no such day, or year 0
        return None, "unparseable timestamp_utc"
    if not EPOCH <= when < END:
        return None, "timestamp_utc outside 1970-01-01 … 2199-12-31 (UTC)"
    micros = (when - EPOCH) // timedelta(microseconds=1)
    return (store, micros, status.lower() == "active"), ""


def check_hours(f: dict[str, Field]) -> tuple[Row | None, str]:
    store = ref_id(f["store_id"])
    if store is None:
        return None, "bad store_id"
    day = f["day_of_week"] or ""
    if DAY_RE.fullmatch(day) is None or int(day) > 6:
        return None, "day outside 0-6"
    start, end = ref_time(f["start_time_local"]), ref_time(f["end_time_local"])
    if start is None:
        return None, "unparseable start_time_local"
    if end is None:
        return None, "unparseable end_time_local"
    return (store, int(day), start, end), ""


def check_zone(f: dict[str, Field]) -> tuple[Row | None, str]:
    store = ref_id(f["store_id"])
    if store is None:
        return None, "bad store_id"
    zone = f["timezone_str"]
    if zone is None or not is_timezone(zone):  # the zone list itself is tested elsewhere
        return None, "unknown time zone"
    return (store, zone), ""


@dataclass(frozen=True)
class Export:
    name: str
    read: Callable[..., tuple[pd.DataFrame, pd.DataFrame, FileSummary]]
    columns: dict[str, tuple[str, ...]]
    check: Callable[[dict[str, Field]], tuple[Row | None, str]]
    last_row_per_store: bool = False


POLLS = Export("polls", read_polls, {"store_id": ("store_id",), "status": ("status",),
                                     "timestamp_utc": ("timestamp_utc",)}, check_poll)
HOURS = Export("hours", read_business_hours, {
    "store_id": ("store_id",), "day_of_week": ("dayOfWeek", "day"),
    "start_time_local": ("start_time_local",), "end_time_local": ("end_time_local",),
}, check_hours)
ZONES = Export("zones", read_timezones, {"store_id": ("store_id",),
                                         "timezone_str": ("timezone_str",)}, check_zone,
               last_row_per_store=True)


@dataclass
class Expected:
    kept: list[Row]
    rejected: dict[int, str]
    texts: dict[int, bytes]  # the bytes of each rejected line
    good_lines: list[bytes]  # the header and the good rows, as written
    read: int


def physical_lines(data: bytes) -> list[bytes]:
    """Lines end at LF or CRLF; nothing else ends one."""
    pieces = data.split(b"\n")
    terminated = [True] * (len(pieces) - 1) + [False]
    if data.endswith(b"\n") or not data:
        pieces, terminated = pieces[:-1], terminated[:-1]
    return [p[:-1] if t and p.endswith(b"\r") else p
            for p, t in zip(pieces, terminated, strict=True)]


def reference(data: bytes, export: Export) -> Expected:
    if data.startswith(b"\xef\xbb\xbf"):
        data = b"   " + data[3:]  # the loader's own way: line lengths stay as written
    numbered = [(n, line) for n, line in enumerate(physical_lines(data), 1)
                if line.strip(b" \t")]
    if not numbered:
        raise Unreadable("empty")
    (_, header), *rows = numbered
    if len(header) > MAX_LINE_BYTES:
        raise Unreadable("header too long")
    names = [ref_clean(f) for f in header.decode("utf-8", "replace").split(",")]
    positions: dict[str, int] = {}
    for canonical, aliases in export.columns.items():
        hits = [i for i, n in enumerate(names)
                if n.isascii() and n.lower() in {a.lower() for a in aliases}]
        if len(hits) != 1:
            raise Unreadable(canonical)
        positions[canonical] = hits[0]
    kept: list[Row] = []
    rejected: dict[int, str] = {}
    texts: dict[int, bytes] = {}
    good_lines = [header]
    for n, line in rows:
        fields = line.split(b",")
        if len(line) > MAX_LINE_BYTES:
            reason = TOO_LONG
        elif len(fields) != len(names):
            reason = f"expected {len(names)} fields but found {len(fields)}"
        else:
            values: dict[str, Field] = {}
            for canonical, at in positions.items():
                try:
                    values[canonical] = ref_clean(fields[at].decode("utf-8"))
                except UnicodeDecodeError:
                    values[canonical] = None
            row, reason = export.check(values)
            if row is not None:
                kept.append(row)
                good_lines.append(line)
                continue
        rejected[n] = reason
        texts[n] = line
    if export.last_row_per_store:
        last = {row[0]: i for i, row in enumerate(kept)}
        kept = [row for i, row in enumerate(kept) if last[row[0]] == i]
    return Expected(kept, rejected, texts, good_lines, len(rows))


def expected_text(line: bytes) -> str:
    """The copy of a rejected line SPEC asks for: bounded, with its length when cut."""
    text = line.decode("utf-8", "replace")
    if len(line) <= 4 * ROW_TEXT_CHARS and len(text) <= ROW_TEXT_CHARS:
        return text
    return f"{text[:ROW_TEXT_CHARS]} … ({len(line):,} bytes)"


# --------------------------------------------------------------------------- the loader's answer


def frame_rows(export: Export, frame: pd.DataFrame) -> list[Row]:
    ids = frame["store_id"].astype(str).tolist()
    if export is POLLS:
        micros = (frame["timestamp_utc"] - EPOCH) // pd.Timedelta(microseconds=1)
        return list(zip(ids, micros.tolist(), frame["active"].tolist(), strict=True))
    if export is HOURS:
        return list(zip(
            ids, frame["day_of_week"].astype(int).tolist(),
            (frame["start_time_local"] // pd.Timedelta(microseconds=1)).tolist(),
            (frame["end_time_local"] // pd.Timedelta(microseconds=1)).tolist(), strict=True))
    return list(zip(ids, frame["timezone_str"].tolist(), strict=True))


def check_against_reference(data: bytes, export: Export) -> tuple[pd.DataFrame, Expected] | None:
    """Load `data` and compare with the reference; the frame and expectation, or None
    when both found the file unreadable."""
    try:
        expected = reference(data, export)
    except Unreadable:
        with pytest.raises(InputError):
            export.read(io.BytesIO(data))
        return None
    frame, rejected, summary = export.read(io.BytesIO(data))
    assert frame_rows(export, frame) == expected.kept
    got = dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))
    assert got == expected.rejected
    for line, text in zip(rejected["line"], rejected["row"], strict=True):
        assert text == expected_text(expected.texts[line])
    assert summary.read == expected.read
    assert summary.rejected == len(expected.rejected)
    return frame, expected


# --------------------------------------------------------------------------- real rows


@dataclass(frozen=True)
class RealExport:
    header: bytes
    rows: list[bytes]
    by_store: dict[str, list[bytes]]


def _real(path: Path) -> RealExport:
    header, *rows = physical_lines(path.read_bytes())
    by_store: dict[str, list[bytes]] = {}
    for row in rows:
        by_store.setdefault(row.split(b",")[0].decode(), []).append(row)
    return RealExport(header, rows, by_store)


@functools.cache
def real(year: str, export: str) -> RealExport:
    folder = {"2023": REAL_2023, "2025": REAL_2025}[year]
    file = {"polls": "store_status_head.csv", "hours": "menu_hours.csv",
            "zones": "timezones.csv"}[export]
    return _real(folder / file)


@functools.cache
def stores_of(year: str, export: str) -> list[str]:
    return sorted(real(year, export).by_store)


@functools.cache
def as_of(year: str) -> pd.Timestamp:
    polls, _, _ = read_polls(REAL_2023 / "store_status_head.csv" if year == "2023"
                             else REAL_2025 / "store_status_head.csv")
    return polls["timestamp_utc"].max() + pd.Timedelta(hours=1)


def good_file(year: str, export: str, stores: list[str]) -> bytes:
    source = real(year, export)
    rows = [row for store in stores for row in source.by_store.get(store, [])]
    return b"\n".join([source.header, *rows]) + b"\n"


def polls_of(stores: list[str], until: pd.Timestamp) -> pd.DataFrame:
    """Polls every 5 hours over the last 8 days, some inactive, for each store."""
    times = [until - pd.Timedelta(hours=5 * k) for k in range(1, 40)]
    return pd.DataFrame({
        "store_id": pd.Series([s for s in stores for _ in times], dtype=object),
        "timestamp_utc": pd.Series([t for _ in stores for t in times],
                                   dtype="datetime64[us, UTC]"),
        "active": [(i * 7 + k) % 5 != 0 for i, _ in enumerate(stores) for k in range(len(times))],
    })


# --------------------------------------------------------------------------- strategies

TOKENS = [
    b",", b"\r", b"\n", b"\r\n", b" ", b"\t", b'"', b"\x00", b"\x0b", b"\x0c", b"\x1c",
    b"\x1f", b"\x7f", b"\xff", b"\xc3", b"\xe2\x80", b"-", b"_", b".", b":", b"Z", b" UTC",
    b"T", b"0", b"9", b"+", b"=", b"@", b"/", *(c.encode() for c in (
        "\u00a0", "\u2003", "\ufeff", "\u0663", "\uff13", "\u212a", "é", "\u2028", "\x85",
    )),
]
FIELDS = [
    "", " ", "-A1", "_a", "a" * 64, "a" * 65, "ACTIVE", "Inactive", "actİve", "open", "24:00",
    "23:59:59.999999", "00:00", "9:5", "9:05:07", "7", "-1", "06", " 3 ", "2262-04-12 00:00:00",
    "1969-12-31 23:59:59.999999 UTC", "1970-01-01 00:00:00Z", "2199-12-31T23:59:59.999999",
    "2200-01-01 00:00:00", "0000-01-01 00:00:00", "0000-02-29 12:00:00", "2023-02-29 00:00:00",
    "2024-02-29 00:00:00", "2023-01-22 12:00:00.1234567", "2023-01-22 12:00", "2023-01-22",
    "2023-01-22 12:00:00Z UTC", "right/UTC", "posix/America/Chicago", "localtime", "Factory",
    "UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires", '"s1"', '" active "', '"', '""',
]


@st.composite
def mutated(draw: st.DrawFn, line: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        fields = line.split(b",")
        what = draw(st.sampled_from(
            ["insert", "insert", "delete", "byte", "field", "text", "pad", "swap", "drop", "case",
             "long"]))
        at = draw(st.integers(0, len(line)))
        k = draw(st.integers(0, len(fields) - 1))
        if what == "insert":
            line = line[:at] + draw(st.sampled_from(TOKENS)) + line[at:]
        elif what == "delete":
            line = line[:at] + line[at + draw(st.integers(1, 4)):]
        elif what == "byte":
            line = line[:at] + bytes([draw(st.integers(0, 255))]) + line[at + 1:]
        elif what in ("field", "text"):
            value = (draw(st.sampled_from(FIELDS)) if what == "field"
                     else draw(st.text(max_size=12)))
            fields[k] = value.encode()
            line = b",".join(fields)
        elif what == "pad":
            fields[k] = (draw(st.sampled_from([b" ", b"\t", b" \t"])) + fields[k]
                         + draw(st.sampled_from([b"", b" ", b"\t "])))
            line = b",".join(fields)
        elif what == "swap" and len(fields) > 1:
            j = draw(st.integers(0, len(fields) - 1))
            fields[k], fields[j] = fields[j], fields[k]
            line = b",".join(fields)
        elif what == "drop":
            line = b",".join(fields[:k] + fields[k + 1:])
        elif what == "case":
            line = line.swapcase() if draw(st.booleans()) else line.upper()
        elif what == "long":  # right at the longest line kept, or just past it
            room = MAX_LINE_BYTES - len(line) + draw(st.sampled_from([0, 1, 2, 5000]))
            fields[k] = fields[k] + b" " * max(room, 0)
            line = b",".join(fields)
    return line


def assemble(draw: st.DrawFn, header: bytes, rows: list[bytes]) -> bytes:
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    lines = [header]
    for row in rows:
        lines.extend(draw(st.sampled_from([[], [], [], [b""], [b" \t"], [b"\r"]])))
        lines.append(row)
    data = eol.join(lines) + draw(st.sampled_from([eol, b""]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@st.composite
def fuzzed(draw: st.DrawFn, good: list[bytes], header: bytes) -> bytes:
    """The good rows in order, each maybe mutated, with random lines between."""
    rows: list[bytes] = []
    for row in good:
        kind = draw(st.sampled_from(["keep", "keep", "mutate", "mutate", "random"]))
        if kind == "random":
            rows.append(draw(st.binary(max_size=60)))
        rows.append(draw(mutated(row)) if kind == "mutate" else row)
    return assemble(draw, header, rows)


# --------------------------------------------------------------------------- the tests


def _same_report(inputs: Inputs, good: Inputs, when: pd.Timestamp) -> None:
    assert engine_csv(inputs, as_of=when, extended=True) == engine_csv(good, as_of=when,
                                                                        extended=True)


@FUZZ
@given(year=st.sampled_from(["2023", "2025"]), data=st.data())
def test_fuzzed_polls_keep_every_good_row_and_the_report(year: str, data: st.DataObject) -> None:
    source = real(year, "polls")
    rows = data.draw(st.lists(st.sampled_from(source.rows), min_size=1, max_size=12))
    raw = data.draw(fuzzed(rows, source.header))
    loaded, expected = check_against_reference(raw, POLLS) or pytest.fail("header lost")
    alone, _, _ = read_polls(io.BytesIO(b"\n".join(expected.good_lines)))
    pd.testing.assert_frame_equal(loaded, alone)
    stores = sorted({row.split(b",")[0].decode() for row in rows})
    hours, _, _ = read_business_hours(io.BytesIO(good_file(year, "hours", stores)))
    zones, _, _ = read_timezones(io.BytesIO(good_file(year, "zones", stores)))
    _same_report(Inputs(loaded, hours, zones), Inputs(alone, hours, zones), as_of(year))


@settings(FUZZ, max_examples=10)
@given(year=st.sampled_from(["2023", "2025"]), data=st.data())
def test_a_few_bad_rows_in_a_longer_poll_file(year: str, data: st.DataObject) -> None:
    # Past 64 timestamps a failed cast is split in halves to find its culprits.
    source = real(year, "polls")
    start = data.draw(st.integers(0, len(source.rows) - 300))
    rows = source.rows[start : start + 300]
    for at in data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=6)):
        rows[at] = data.draw(mutated(rows[at]))
    raw = b"\n".join([source.header, *rows])
    loaded, expected = check_against_reference(raw, POLLS) or pytest.fail("header lost")
    alone, _, _ = read_polls(io.BytesIO(b"\n".join(expected.good_lines)))
    pd.testing.assert_frame_equal(loaded, alone)


@FUZZ
@given(year=st.sampled_from(["2023", "2025"]), export=st.sampled_from(["hours", "zones"]),
       data=st.data())
def test_fuzzed_hours_and_zones_keep_every_good_row_and_the_report(
    year: str, export: str, data: st.DataObject
) -> None:
    source = real(year, export)
    stores = data.draw(st.lists(st.sampled_from(stores_of(year, export)), min_size=1,
                                max_size=3, unique=True))
    rows = [row for store in stores for row in source.by_store[store]]
    raw = data.draw(fuzzed(rows, source.header))
    spec = HOURS if export == "hours" else ZONES
    loaded, expected = check_against_reference(raw, spec) or pytest.fail("header lost")
    alone, _, _ = spec.read(io.BytesIO(b"\n".join(expected.good_lines)))
    pd.testing.assert_frame_equal(loaded, alone)
    other = "zones" if export == "hours" else "hours"
    other_frame, _, _ = (read_timezones if other == "zones" else read_business_hours)(
        io.BytesIO(good_file(year, other, stores)))
    polls = polls_of(stores, as_of(year))
    if export == "hours":
        _same_report(Inputs(polls, loaded, other_frame), Inputs(polls, alone, other_frame),
                     as_of(year))
    else:
        _same_report(Inputs(polls, other_frame, loaded), Inputs(polls, other_frame, alone),
                     as_of(year))


@FUZZ
@given(export=st.sampled_from([POLLS, HOURS, ZONES]), year=st.sampled_from(["2023", "2025"]),
       lines=st.lists(st.binary(max_size=80), max_size=8), data=st.data())
def test_random_bytes_after_a_real_header_agree_with_the_reference(
    export: Export, year: str, lines: list[bytes], data: st.DataObject
) -> None:
    header = real(year, {"polls": "polls", "hours": "hours", "zones": "zones"}[export.name]).header
    check_against_reference(assemble(data.draw, header, lines), export)


@FUZZ
@given(export=st.sampled_from([POLLS, HOURS, ZONES]), raw=st.binary(max_size=300))
def test_a_file_of_random_bytes_raises_nothing_but_input_error(export: Export,
                                                               raw: bytes) -> None:
    check_against_reference(raw, export)
