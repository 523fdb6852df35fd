"""Deterministic, realistic export files for demos, tests and benchmarks.

The polling system's full poll exports are not available, so this module makes
polls of the same shape: about one an hour per store with a few minutes' jitter,
some missed polls, outages that last several polls, a few stores that start late,
stop early or are never polled. Business hours and zones come from a real export
folder when one is given (plus synthetic stores that carry every shape the SPEC
names: split, overnight and whole-day shifts, closed weekdays, missing hours and
zones); otherwise everything is synthetic.

Everything is vectorized over a (store x hourly slot) grid, and the poll file is
rendered straight to bytes, because benchmarks need millions of polls in seconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.units import US_PER_DAY, US_PER_HOUR, US_PER_SECOND

# Ends three days after the 2024 US fall-back night (Sunday 2024-11-03), so the
# report's last week always contains a DST change.
DEFAULT_END = pd.Timestamp("2024-11-06 23:55:00", tz="UTC")

STATUS_FILE = "store_status.csv"
HOURS_FILE = "menu_hours.csv"
TIMEZONES_FILE = "timezones.csv"

STATUS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
TIMEZONES_HEADER = "store_id,timezone_str"

_MIN = 60  # seconds, for the business-hours tables

# Synthetic stores' zones: mostly US (with and without DST) plus a half-hour
# offset zone, which catches code that assumes whole-hour offsets.
_ZONES = np.array(
    [
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "America/Denver",
        "America/Phoenix",
        "America/Detroit",
        "America/Indiana/Indianapolis",
        "America/Boise",
        "Pacific/Honolulu",
        "Asia/Kolkata",
        "Asia/Beirut",
    ],
    dtype=object,
)
_ZONE_WEIGHTS = np.array([0.34, 0.22, 0.18, 0.05, 0.05, 0.03, 0.03, 0.02, 0.02, 0.04, 0.02])

# Business-hours shapes of synthetic stores.
NO_HOURS, DAY, SPLIT, OVERNIGHT, WHOLE_DAY, MIDNIGHT_SPLIT, LATE_WEEKEND, OVERLAP = range(8)
PATTERN_NAMES = (
    "no_hours",
    "day",
    "split",
    "overnight",
    "whole_day",
    "midnight_split",
    "late_weekend",
    "overlap",
)
_PATTERN_WEIGHTS = np.array([0.08, 0.34, 0.14, 0.12, 0.06, 0.10, 0.10, 0.06])

_MISSED_RATE = 0.03  # polls the polling system failed to record
_OUTAGE_START_RATE = 0.004  # chance that an outage begins at a given poll
_FLAKY_SHARE = 0.10  # stores with five times the outage rate
_BLIP_RATE = 0.004  # single inactive polls
_SYNTHETIC_SHARE = 0.10  # with real hours, this share of stores is synthetic anyway


@dataclass(frozen=True)
class Exports:
    """A generated data set: polls in compact typed form, hours and zones as export text.

    Polls stay as arrays because a production-sized set has millions of them; use
    `polls_frame()` for the typed frame (as the loader would return it) and
    `write_exports` for the CSV files.
    """

    store_ids: npt.NDArray[np.object_]  # every store in the set, str
    poll_store: npt.NDArray[np.int32]  # index into store_ids, per poll
    poll_time_us: npt.NDArray[np.int64]  # microseconds since the epoch, UTC, ascending
    poll_active: npt.NDArray[np.bool_]
    menu_hours: pd.DataFrame  # HOURS_HEADER columns, all str
    timezones: pd.DataFrame  # TIMEZONES_HEADER columns, all str
    patterns: pd.DataFrame  # store_id, pattern (PATTERN_NAMES or "real"), for tests and demos

    @property
    def poll_count(self) -> int:
        return int(self.poll_time_us.size)

    def polls_frame(self) -> pd.DataFrame:
        """Polls as `frames.POLL_COLUMNS` (store_id, timestamp_utc, active)."""
        times = pd.DatetimeIndex(self.poll_time_us.astype("datetime64[us]"), tz="UTC")
        return pd.DataFrame(
            {
                "store_id": pd.Series(self.store_ids[self.poll_store], dtype=object),
                "timestamp_utc": pd.Series(times),
                "active": pd.Series(self.poll_active, dtype=bool),
            }
        )

    def status_csv(self, chunk_rows: int = 1_000_000) -> bytes:
        """The whole poll export as bytes (small sets; files use `write_exports`)."""
        parts = [(STATUS_HEADER + "\n").encode()]
        parts.extend(_status_chunks(self, chunk_rows))
        return b"".join(parts)


def generate_exports(
    stores: int = 200,
    days: int = 9,
    seed: int = 0,
    end: pd.Timestamp = DEFAULT_END,
    real_dir: Path | None = None,
    *,
    missed_rate: float = _MISSED_RATE,
) -> Exports:
    """Make a data set of `stores` stores polled for `days` days up to `end`.

    `real_dir` is an export folder with menu_hours.csv and timezones.csv (e.g. the
    2023 exports); most stores then take their ids, hours and zones from it.
    `missed_rate` is the share of hourly polls that are missing.
    The same arguments always give the same data.
    """
    if stores < 1 or days < 1:
        raise ValueError("stores and days must be at least 1")
    rng = np.random.default_rng(seed)
    end_us = _timestamp_us(end)

    real_ids, real_hours, real_zones = _read_real(real_dir)
    n_syn = stores
    if real_ids.size:
        n_syn = max(int(np.ceil(stores * _SYNTHETIC_SHARE)), len(PATTERN_NAMES))
        n_syn = min(stores, max(n_syn, stores - real_ids.size))
    n_real = stores - n_syn
    chosen_real = (
        np.sort(rng.choice(real_ids, size=n_real, replace=False)) if n_real else real_ids[:0]
    )

    syn_ids = _synthetic_ids(rng, n_syn, taken=real_ids)
    patterns = _choose_patterns(rng, n_syn)
    syn_hours = _synthetic_hours(rng, syn_ids, patterns)
    syn_zones = _synthetic_zones(rng, syn_ids, patterns)

    store_ids = np.concatenate([chosen_real.astype(object), syn_ids.astype(object)])
    hours = pd.concat(
        [real_hours[real_hours["store_id"].isin(chosen_real)], syn_hours], ignore_index=True
    )
    zones = pd.concat(
        [real_zones[real_zones["store_id"].isin(chosen_real)], syn_zones], ignore_index=True
    )
    pattern_frame = pd.DataFrame(
        {
            "store_id": pd.Series(store_ids, dtype=object),
            "pattern": pd.Series(
                ["real"] * n_real + [PATTERN_NAMES[p] for p in patterns], dtype=object
            ),
        }
    )

    # The overnight example store gets an outage late in the set, so every set,
    # however small, has an inactive run of several polls.
    forced_store = (
        n_real + int(np.flatnonzero(patterns == OVERNIGHT)[0])
        if ((patterns == OVERNIGHT).any())
        else None
    )
    poll_store, poll_time, poll_active = _polls(
        rng, stores, days, end_us, missed_rate, forced_store
    )
    return Exports(
        store_ids=store_ids,
        poll_store=poll_store,
        poll_time_us=poll_time,
        poll_active=poll_active,
        menu_hours=hours.reset_index(drop=True),
        timezones=zones.reset_index(drop=True),
        patterns=pattern_frame,
    )


def write_exports(out_dir: Path, exports: Exports) -> dict[str, Path]:
    """Write store_status.csv, menu_hours.csv and timezones.csv into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "status": out_dir / STATUS_FILE,
        "hours": out_dir / HOURS_FILE,
        "timezones": out_dir / TIMEZONES_FILE,
    }
    with paths["status"].open("wb") as fh:
        fh.write((STATUS_HEADER + "\n").encode())
        for chunk in _status_chunks(exports, 1_000_000):
            fh.write(chunk)
    paths["hours"].write_text(_csv_text(HOURS_HEADER, exports.menu_hours), encoding="utf-8")
    paths["timezones"].write_text(_csv_text(TIMEZONES_HEADER, exports.timezones), encoding="utf-8")
    return paths


# --- real exports -------------------------------------------------------------


def _read_real(
    real_dir: Path | None,
) -> tuple[npt.NDArray[np.object_], pd.DataFrame, pd.DataFrame]:
    hours_cols = HOURS_HEADER.split(",")
    zone_cols = TIMEZONES_HEADER.split(",")
    empty = np.array([], dtype=object)
    if real_dir is None:
        return empty, pd.DataFrame(columns=hours_cols), pd.DataFrame(columns=zone_cols)
    hours = pd.read_csv(real_dir / HOURS_FILE, dtype=str, keep_default_na=False)
    hours = hours.rename(columns={"day": "dayOfWeek"})
    hours = hours.apply(lambda col: col.str.strip())[hours_cols]
    zones = pd.read_csv(real_dir / TIMEZONES_FILE, dtype=str, keep_default_na=False)
    zones = zones.apply(lambda col: col.str.strip())[zone_cols]
    ids = np.unique(
        np.concatenate([hours["store_id"].to_numpy(str), zones["store_id"].to_numpy(str)])
    )
    return ids.astype(object), hours, zones


# --- synthetic stores ---------------------------------------------------------


def _synthetic_ids(
    rng: np.random.Generator, n: int, taken: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """19-digit numbers like the 2023 export, and some UUIDs like the 2025 one."""
    taken_set = set(taken.tolist())
    numbers = rng.integers(10**18, 2**63 - 1, size=n, dtype=np.int64)
    uuid_bytes = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    is_uuid = rng.random(n) < 0.15
    ids: list[str] = []
    for i in range(n):
        if is_uuid[i]:
            sid = str(uuid.UUID(bytes=uuid_bytes[i].tobytes(), version=4))
        else:
            sid = str(int(numbers[i]))
        while sid in taken_set:  # practically never; keeps ids unique regardless
            sid = str(int(rng.integers(10**18, 2**63 - 1, dtype=np.int64)))
        taken_set.add(sid)
        ids.append(sid)
    return np.array(ids, dtype=object)


def _choose_patterns(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """Every shape at least once (when there is room), the rest at random."""
    weights = _PATTERN_WEIGHTS / _PATTERN_WEIGHTS.sum()
    patterns = rng.choice(len(PATTERN_NAMES), size=n, p=weights).astype(np.int64)
    first = np.arange(min(n, len(PATTERN_NAMES)), dtype=np.int64)
    patterns[: first.size] = first
    return patterns


def _synthetic_hours(
    rng: np.random.Generator, ids: npt.NDArray[np.object_], patterns: npt.NDArray[np.int64]
) -> pd.DataFrame:
    n = ids.size
    # Per-store times in seconds, drawn for every store and used by its pattern.
    open_day = (6 * 60 + 30 * rng.integers(0, 11, n)) * _MIN  # 06:00-11:00
    close_day = (20 * 60 + 30 * rng.integers(0, 7, n)) * _MIN  # 20:00-23:00
    late_close = rng.random(n)
    close_day = np.where(late_close < 0.12, 23 * 3600 + 59 * 60, close_day)
    close_day = np.where(late_close > 0.92, 23 * 3600 + 59 * 60 + 59, close_day)
    lunch_open = (10 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 10:00-11:00
    lunch_close = (14 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 14:00-15:00
    dinner_open = (17 * 60 + 30 * rng.integers(0, 3, n)) * _MIN  # 17:00-18:00
    dinner_close = (21 * 60 + 30 * rng.integers(0, 4, n)) * _MIN  # 21:00-22:30
    night_open = (16 * 60 + 60 * rng.integers(0, 5, n)) * _MIN  # 16:00-20:00
    night_close = (60 + 30 * rng.integers(0, 5, n)) * _MIN  # 01:00-03:00
    whole_from = np.where(rng.random(n) < 0.6, 0, (4 * 60 + 60 * rng.integers(0, 4, n)) * _MIN)
    after_midnight = (10 + 10 * rng.integers(0, 9, n)) * _MIN  # 00:10-01:30

    store_parts: list[npt.NDArray[np.int64]] = []
    day_parts: list[npt.NDArray[np.int64]] = []
    start_parts: list[npt.NDArray[np.int64]] = []
    end_parts: list[npt.NDArray[np.int64]] = []

    def add(
        mask: npt.NDArray[np.bool_],
        start: npt.NDArray[np.int64],
        end: npt.NDArray[np.int64],
        weekdays: tuple[int, ...] = tuple(range(7)),
    ) -> None:
        stores = np.flatnonzero(mask)
        for dow in weekdays:
            store_parts.append(stores)
            day_parts.append(np.full(stores.size, dow, dtype=np.int64))
            start_parts.append(start[stores])
            end_parts.append(end[stores])

    weekend_later = np.where(rng.random(n) < 0.5, 3600, 0)
    weekdays, weekend = (0, 1, 2, 3, 4), (5, 6)
    add(patterns == DAY, open_day, close_day, weekdays)
    add(patterns == DAY, open_day + weekend_later, close_day, weekend)
    add(patterns == SPLIT, lunch_open, lunch_close)
    add(patterns == SPLIT, dinner_open, dinner_close)
    add(patterns == OVERNIGHT, night_open, night_close)
    add(patterns == WHOLE_DAY, whole_from, whole_from)
    add(patterns == MIDNIGHT_SPLIT, np.zeros(n, dtype=np.int64), after_midnight)
    add(patterns == MIDNIGHT_SPLIT, open_day + 3 * 3600, np.full(n, 23 * 3600 + 59 * 60))
    add(patterns == LATE_WEEKEND, open_day, close_day, (6, 0, 1, 2, 3))
    add(patterns == LATE_WEEKEND, open_day, night_close, (4, 5))
    add(patterns == OVERLAP, open_day, lunch_close + 3600)
    add(patterns == OVERLAP, lunch_close, close_day)

    store = np.concatenate(store_parts)
    dow = np.concatenate(day_parts)
    start = np.concatenate(start_parts)
    end = np.concatenate(end_parts)

    # About a third of the stores with hours are closed on one or two weekdays
    # (a day off, or Sunday and Monday); the first "day" store always is.
    closed_kind = rng.choice(3, size=n, p=[0.68, 0.22, 0.10])
    closed_kind[np.flatnonzero(patterns == DAY)[:1]] = 1
    day_off = rng.integers(0, 7, n)
    closed = ((closed_kind[store] == 1) & (dow == day_off[store])) | (
        (closed_kind[store] == 2) & ((dow == 6) | (dow == 0))
    )
    keep = ~closed
    store, dow, start, end = store[keep], dow[keep], start[keep], end[keep]

    order = np.lexsort((start, dow, store))
    store, dow, start, end = store[order], dow[order], start[order], end[order]
    return pd.DataFrame(
        {
            "store_id": pd.Series(ids[store], dtype=object),
            "dayOfWeek": pd.Series(dow.astype(str), dtype=object),
            "start_time_local": pd.Series(_clock_strings(start), dtype=object),
            "end_time_local": pd.Series(_clock_strings(end), dtype=object),
        }
    )


def _synthetic_zones(
    rng: np.random.Generator, ids: npt.NDArray[np.object_], patterns: npt.NDArray[np.int64]
) -> pd.DataFrame:
    n = ids.size
    zone_idx = rng.choice(_ZONES.size, size=n, p=_ZONE_WEIGHTS / _ZONE_WEIGHTS.sum())
    has_zone = rng.random(n) >= 0.07
    zones = _ZONES[zone_idx]
    # The example stores get zones that exercise the rules: DST nights for the
    # overnight and whole-day shifts, a half-hour offset, and one store without
    # a zone (the Chicago default).
    fixed = {
        OVERNIGHT: "America/Chicago",
        WHOLE_DAY: "America/New_York",
        OVERLAP: "Asia/Kolkata",
        DAY: "America/Los_Angeles",
    }
    for pattern, zone in fixed.items():
        hit = np.flatnonzero(patterns == pattern)[:1]
        zones[hit] = zone
        has_zone[hit] = True
    has_zone[np.flatnonzero(patterns == SPLIT)[:1]] = False
    return pd.DataFrame(
        {
            "store_id": pd.Series(ids[has_zone], dtype=object),
            "timezone_str": pd.Series(zones[has_zone], dtype=object),
        }
    )


def _clock_strings(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """'HH:MM:SS' for seconds since midnight."""
    return np.char.decode(_clock_table()[seconds], "ascii").astype(object)


# --- polls --------------------------------------------------------------------


def _polls(
    rng: np.random.Generator,
    stores: int,
    days: int,
    end_us: int,
    missed_rate: float,
    forced_store: int | None,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    slots = days * 24 + 1
    start_us = end_us - days * US_PER_DAY
    phase = rng.integers(0, US_PER_HOUR, size=stores, dtype=np.int64)
    jitter = np.clip(rng.normal(0.0, 100.0, size=(stores, slots)), -300, 300) * US_PER_SECOND
    times = (
        start_us
        + phase[:, None]
        + np.arange(slots, dtype=np.int64)[None, :] * US_PER_HOUR
        + jitter.astype(np.int64)
    )

    inactive = _outages(rng, stores, slots, forced_store)
    inactive |= rng.random((stores, slots)) < _BLIP_RATE

    present = rng.random((stores, slots)) >= missed_rate
    present &= (times >= start_us) & (times <= end_us)
    # Some stores join late, some stop being polled (closed for good, possibly
    # before the last week), and a few are never polled: they exist only in the
    # hours and zone files, and a report leaves them out.
    fate = rng.random(stores)
    cut = rng.integers(0, slots, size=stores)
    slot_idx = np.arange(slots)[None, :]
    present &= ~((fate[:, None] < 0.02) & (slot_idx < cut[:, None]))
    present &= ~((fate[:, None] >= 0.02) & (fate[:, None] < 0.03) & (slot_idx > cut[:, None]))
    present &= ~(fate[:, None] >= 0.995)
    if forced_store is not None:
        present[forced_store, slots - 40 : slots - 34] = True

    store_idx, _ = np.nonzero(present)
    flat_times = times[present]
    flat_active = ~inactive[present]
    # The polling system appends polls as they happen: the export is in time order.
    order = np.argsort(flat_times, kind="stable")
    return (
        store_idx[order].astype(np.int32),
        flat_times[order],
        flat_active[order],
    )


def _outages(
    rng: np.random.Generator, stores: int, slots: int, forced_store: int | None
) -> npt.NDArray[np.bool_]:
    """Runs of consecutive inactive polls: mostly a few hours, sometimes a day or more."""
    rate = np.where(rng.random(stores) < _FLAKY_SHARE, 5 * _OUTAGE_START_RATE, _OUTAGE_START_RATE)
    starts = rng.random((stores, slots)) < rate[:, None]
    rows, cols = np.nonzero(starts)
    kind = rng.random(rows.size)
    length = np.where(
        kind < 0.80,
        rng.integers(2, 7, rows.size),
        np.where(kind < 0.95, rng.integers(7, 13, rows.size), rng.integers(13, 37, rows.size)),
    )
    if forced_store is not None:
        rows = np.append(rows, forced_store)
        cols = np.append(cols, slots - 40)
        length = np.append(length, 5)
    width = slots + 40  # room for runs that spill past the last slot
    begin = rows * width + cols
    finish = rows * width + np.minimum(cols + length, width - 1)
    size = stores * width
    depth = np.bincount(begin, minlength=size) - np.bincount(finish, minlength=size)
    return (np.cumsum(depth.reshape(stores, width), axis=1)[:, :slots] > 0).astype(np.bool_)


# --- rendering ----------------------------------------------------------------


def _status_chunks(exports: Exports, chunk_rows: int) -> list[bytes]:
    ids = exports.store_ids.astype(str)
    width = max(int(np.char.str_len(ids).max()) if ids.size else 1, 1)
    id_bytes = np.char.encode(ids, "ascii").astype(f"S{width}")
    status_bytes = np.array([b"inactive", b"active"], dtype="S8")
    chunks = []
    for lo in range(0, exports.poll_count, chunk_rows):
        hi = min(lo + chunk_rows, exports.poll_count)
        chunks.append(
            _render_polls(
                id_bytes[exports.poll_store[lo:hi]],
                status_bytes[exports.poll_active[lo:hi].astype(np.intp)],
                exports.poll_time_us[lo:hi],
            )
        )
    return chunks


def _digit_bytes(values: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.uint8]:
    powers = 10 ** np.arange(count - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers % 10 + ord("0")).astype(np.uint8)


@cache
def _clock_table() -> npt.NDArray[np.bytes_]:
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
    rows["clock"] = _clock_table()[seconds]
    rows["fraction"] = _fraction_table()[of_day - seconds * US_PER_SECOND]
    rows["tail"] = b" UTC\n"
    flat: npt.NDArray[np.uint8] = rows.view(np.uint8)
    lines: bytes = flat[flat != 0].tobytes()
    return lines


def _csv_text(header: str, frame: pd.DataFrame) -> str:
    # Ids, weekdays, clock times and zone names never need CSV quoting.
    columns = [frame[c].astype(str).tolist() for c in header.split(",")]
    lines = [",".join(row) for row in zip(*columns, strict=True)]
    return header + "\n" + "".join(line + "\n" for line in lines)


def _timestamp_us(ts: pd.Timestamp) -> int:
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1))
