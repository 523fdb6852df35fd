"""Polls as plain arrays (store key, instant, active), read by per-store ranges and
cut into slices of whole stores: what kept day totals and history feed the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from storemon_core.db.columns import read_each
from storemon_core.db.reads import _POLL_NAMES, KEY_CHUNK, _poll_arrays
from storemon_core.engine.intervals import in_key_order
from storemon_core.units import I64, US_PER_DAY, US_PER_HOUR

# Local time runs from UTC-12 to UTC+14: a local date lies within these margins
# of the same UTC date.
EAST_US = 15 * US_PER_HOUR
WEST_US = 13 * US_PER_HOUR
NEVER = np.iinfo(np.int64).max
# What one engine pass is given, in polls plus store-days: the engine's arrays
# grow with both, so a first load of a long history, or a long period, is
# computed a slice of stores at a time and its peak memory stays bounded.
SLICE_WORK = 2_000_000
# A read spanning fewer store-hours than this is small (columns.read_columns).
SMALL_HOURS = 5_000
# A key-listed read's stores start their ranges within this many days of each other,
# and end them so too.
RUN_DAYS = 7
# The share of a range query's stores on each side that are read by key list instead.
OUTLIERS = 0.02


@dataclass(frozen=True)
class PollArrays:
    store_key: I64
    ts: I64
    active: np.ndarray

    def __len__(self) -> int:
        return len(self.store_key)

    @staticmethod
    def empty() -> PollArrays:
        none = np.zeros(0, dtype=np.int64)
        return PollArrays(none, none, np.zeros(0, dtype=bool))

    def is_sorted(self) -> bool:
        """Whether the polls are one per (store, instant), by store, then instant."""
        return in_key_order(self.store_key, self.ts)

    def rows(self, chosen: slice | np.ndarray) -> PollArrays:
        """The polls at `chosen` (a slice, a mask or indexes)."""
        return PollArrays(self.store_key[chosen], self.ts[chosen], self.active[chosen])

    @staticmethod
    def joined(parts: list[PollArrays]) -> PollArrays:
        """The parts' polls, one per (store, instant), sorted; at one instant
        inactive wins, as in a load."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return PollArrays.empty()
        if len(parts) == 1 and parts[0].is_sorted():
            return parts[0]
        keys = np.concatenate([p.store_key for p in parts]).astype(np.int64, copy=False)
        times = np.concatenate([p.ts for p in parts]).astype(np.int64, copy=False)
        active = np.concatenate([p.active for p in parts]).astype(bool)
        packed = _packed(keys, times, active)
        if packed is not None:
            return packed
        order = np.lexsort((times, keys))
        keys, times, active = keys[order], times[order], active[order]
        first = np.r_[True, (keys[1:] != keys[:-1]) | (times[1:] != times[:-1])]
        starts = np.flatnonzero(first)
        return PollArrays(keys[starts], times[starts], np.logical_and.reduceat(active, starts))


def _packed(keys: I64, times: I64, active: np.ndarray) -> PollArrays | None:
    """`joined`'s result by sorting one number per poll, store, instant and status
    in turn, inactive (0) first; None when those do not fit in one: sorting one
    column is several times faster than sorting by two."""
    low_key, low_time = int(keys.min()), int(times.min())
    keys_span = int(keys.max()) - low_key + 1
    times_span = int(times.max()) - low_time + 1
    if keys_span * times_span * 2 >= 1 << 63:
        return None
    packed = np.sort(((keys - low_key) * times_span + (times - low_time)) * 2
                     + active.astype(np.int64))
    at = packed >> 1  # store and instant
    # The first of each store and instant: inactive when any of them was.
    first = packed[np.r_[True, at[1:] != at[:-1]]]
    at = first >> 1
    return PollArrays(at // times_span + low_key, at % times_span + low_time,
                      (first & 1).astype(bool))


def day_us(days: I64) -> tuple[I64, I64]:
    """UTC instants that hold the local dates `days` in every zone: [start, end]."""
    return days * US_PER_DAY - EAST_US, (days + 1) * US_PER_DAY + WEST_US


def polls_in_ranges(url: str, conn: Connection, keys: I64, lo_us: I64,
                    hi_us: I64, at: tuple[I64, I64] | None = None) -> PollArrays:
    """Stored polls of store `keys[i]` with lo_us[i] <= ts <= hi_us[i], and with
    `at` (keys, instants) the polls at those instants.

    Stores with alike ranges (the same UTC days), when they are many, are read
    by range queries over the instant index, the others by key lists over the
    key index; the rows are then cut to each store's own range here. Instants
    are looked up in the key index, a few thousand per query."""
    point_queries = _point_queries(url, *at) if at is not None else []
    if len(keys) == 0 and not point_queries:
        return PollArrays.empty()
    queries = [(_POLLS_SQL + where, small, members)
               for where, small, members in _range_queries(keys, lo_us, hi_us)]
    found = read_each(url, conn, [(sql, small) for sql, small, _ in queries + point_queries],
                      _POLL_NAMES)
    ranged = [cut_to(PollArrays(*_poll_arrays(cols)), keys[members], lo_us[members],
                     hi_us[members])
              for cols, (_, _, members) in zip(found[:len(queries)], queries, strict=True)]
    return PollArrays.joined(ranged + [PollArrays(*_poll_arrays(cols))
                                       for cols in found[len(queries):]])


# Instants per point query: a list of (key, instant) pairs the server joins by key.
POINTS_CHUNK = 10_000


def _point_queries(url: str, keys: I64, at_us: I64) -> list[tuple[str, bool, I64]]:
    # MySQL and MariaDB look a list of pairs up in the primary key; SQLite scans the
    # table for one, and looks each pair up only when they are joined as a table.
    by_list = make_url(url).get_backend_name() != "sqlite"
    queries: list[tuple[str, bool, I64]] = []
    for first in range(0, len(keys), POINTS_CHUNK):
        pairs = ",".join(f"({k},{t})" for k, t in zip(
            keys[first:first + POINTS_CHUNK].tolist(),
            at_us[first:first + POINTS_CHUNK].tolist(), strict=True))
        sql = (f"{_POLLS_SQL}(store_key, ts) IN ({pairs})" if by_list else
               f"SELECT p.store_key, p.ts, p.active FROM (VALUES {pairs}) v "
               "JOIN polls p ON p.store_key = v.column1 AND p.ts = v.column2")
        queries.append((sql, False, np.arange(first, min(first + POINTS_CHUNK, len(keys)))))
    return queries


def _range_queries(keys: I64, lo_us: I64, hi_us: I64) -> list[tuple[str, bool, I64]]:
    """Each query's condition, whether it is small, and the stores (by index) whose
    ranges it holds."""
    lo_day, hi_day = lo_us // US_PER_DAY, hi_us // US_PER_DAY
    groups, group_of = np.unique(np.stack([lo_day, hi_day]), axis=1, return_inverse=True)
    group_of = group_of.ravel()
    sizes = np.bincount(group_of)
    many = sizes[group_of] > KEY_CHUNK
    queries: list[tuple[str, bool, I64]] = []
    # Overlapping groups (an append's all end at the newest poll) are read as one,
    # but for the few stores that start or end it furthest out: a range query reads
    # every store's polls, so those few would stretch it for all.
    for low, high in _union(lo_us[many], hi_us[many]):
        members = np.flatnonzero(many & (lo_us >= low) & (hi_us <= high))
        low_cut, high_cut = np.quantile(lo_us[members], OUTLIERS), np.quantile(
            hi_us[members], 1 - OUTLIERS)
        outside = (lo_us[members] < low_cut) | (hi_us[members] > high_cut)
        if outside.all():  # quantiles of a handful of stores can leave none inside
            outside[:] = False
        many[members[outside]] = False
        members = members[~outside]
        low, high = int(lo_us[members].min()), int(hi_us[members].max())
        queries.append((f"ts >= {low} AND ts <= {high}", False, members))
    rest = np.flatnonzero(~many)
    # The others by key list, in runs whose ranges start within RUN_DAYS of each
    # other and end so too, so that a query's range (its stores' earliest start to
    # their latest end) holds little more than theirs: long ranges (a store read
    # whole, one whose first polls come late) would otherwise stretch the query of
    # short ones to their ends.
    runs: list[I64] = []
    for by_start in _runs(rest[np.argsort(lo_us[rest], kind="stable")], lo_us):
        by_end = by_start[np.argsort(hi_us[by_start], kind="stable")]
        runs += _runs(by_end, hi_us)
    for members in runs:
        low, high = int(lo_us[members].min()), int(hi_us[members].max())
        listed = ",".join(map(str, keys[members].tolist()))
        # Hours spanned bound the rows at the usual hourly polling (in floats: a
        # store read whole spans the whole int64 range).
        hours = (hi_us[members].astype(float) - low) / US_PER_HOUR
        queries.append((f"store_key IN ({listed}) AND ts >= {low} AND ts <= {high}",
                        int(hours.sum()) < SMALL_HOURS, members))
    return queries


def _runs(members: I64, at_us: I64) -> list[I64]:
    """`members` (sorted by their instants `at_us[members]`) in runs of at most
    KEY_CHUNK whose instants lie within RUN_DAYS of the run's first."""
    runs: list[I64] = []
    instants = at_us[members]
    first = 0
    while first < len(members):
        # A store read whole ends at the last instant there is: no overflow past it.
        reach = min(int(instants[first]) + RUN_DAYS * US_PER_DAY, NEVER)
        end = int(np.searchsorted(instants, reach, side="right"))
        end = min(end, first + KEY_CHUNK)
        runs.append(members[first:end])
        first = end
    return runs


def _union(lo: I64, hi: I64) -> list[tuple[int, int]]:
    """The ranges [lo[i], hi[i]] merged where they overlap."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(set(zip(lo.tolist(), hi.tolist(), strict=True))):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


_POLLS_SQL = f"SELECT {', '.join(_POLL_NAMES)} FROM polls WHERE "


def cut_to(found: PollArrays, keys: I64, lo_us: I64, hi_us: I64) -> PollArrays:
    """The polls of `found` within one of their store's ranges (a store may have
    several: a period's first and last dates; stores not in `keys`: none)."""
    if len(found) == 0 or len(keys) == 0:
        return PollArrays.empty() if len(keys) == 0 else found
    size = int(max(keys.max(), found.store_key.max())) + 1
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    # The n-th range of each store goes in layer n: within a layer keys are unique.
    layer_of = np.arange(len(ranked)) - np.searchsorted(ranked, ranked)
    inside = np.zeros(len(found), dtype=bool)
    for layer in range(int(layer_of.max()) + 1):
        chosen = order[layer_of == layer]
        low = np.full(size, NEVER, dtype=np.int64)
        high = np.full(size, -NEVER, dtype=np.int64)
        low[keys[chosen]], high[keys[chosen]] = lo_us[chosen], hi_us[chosen]
        inside |= (found.ts >= low[found.store_key]) & (found.ts <= high[found.store_key])
    if inside.all():
        return found  # a first load's polls: no copy of millions of rows
    return found.rows(inside)


def store_slices(found: PollArrays, days: I64, work: int | None = None) -> list[slice]:
    """Slices of `found` (sorted by store), each whole stores, of about `work` polls
    plus store-days; `days[i]` is the window's length in days of the i-th store of
    `found` in key order."""
    if len(found) == 0:
        return []
    work = work or SLICE_WORK
    starts = np.flatnonzero(np.r_[True, found.store_key[1:] != found.store_key[:-1]])
    ends = np.r_[starts[1:], len(found)]
    done = np.cumsum((ends - starts) + days)
    if done[-1] <= work:
        return [slice(0, len(found))]
    # The store that crosses each multiple of `work` ends its slice.
    last = np.unique(np.searchsorted(done, np.arange(work, done[-1], work)))
    bounds = np.r_[0, ends[last[last < len(ends) - 1]], len(found)]
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
