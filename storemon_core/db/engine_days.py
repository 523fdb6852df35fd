"""The engine's day totals of stores read from the database, over windows of dates.

Both users of kept day totals compute days from stored polls: a load's upkeep
(the dates around new polls, or a store's every date) and a period's history
(its edge dates). Here the polls, hours and zones read by key become the frames
the engine takes, a slice of stores at a time, and its rows come back keyed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from storemon_core.db.poll_arrays import PollArrays, store_slices
from storemon_core.db.reads import _hours_frame, _zones_frame
from storemon_core.engine.history import day_totals
from storemon_core.engine.period import Period
from storemon_core.units import I64

_EPOCH_DAY = np.datetime64("1970-01-01", "D")
# Windows starting and ending within this many days of most stores' are computed
# together.
ALIKE_DAYS = 3


@dataclass(frozen=True)
class Replaced:
    """Business hours and zones a load writes, keyed by store (as reads give them):
    they replace what the read of the stored ones found for those stores, which
    on MySQL is what was committed before the load."""

    business_hours: pd.DataFrame
    timezones: pd.DataFrame

    def over(self, stored: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
        kept = stored[~stored["store_key"].isin(new["store_key"])]
        return pd.concat([kept, new], ignore_index=True) if len(new) else stored


def engine_days(url: str, conn: Connection, found: PollArrays, window: Windows,
                as_of_us: int, replaced: Replaced | None = None,
                stored: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The engine's day totals of the stores in `found` (sorted) over the local dates
    of their `window`, by their keys (`store_key`) and dates (`local_date`).

    Computed a slice of stores at a time (poll_arrays.SLICE_WORK), each slice over
    the dates its stores' windows span. The engine is given the stores named by
    their integer keys: callers go by key, the engine only compares and orders
    ids, and naming thousands of stores as text, then reading keys back from the
    text, cost a third as much as the engine itself."""
    hours, zones = stored or stored_hours(url, conn, replaced)
    stores = np.unique(found.store_key)
    first, last = window.of(stores)
    # A slice is computed over every date any of its stores needs: stores whose
    # windows start or end far from most stores' (those polled rarely) go in
    # slices of their own.
    alike = np.ones(len(stores), dtype=bool)
    if len(stores):
        alike = ((np.abs(first - np.median(first)) <= ALIKE_DAYS)
                 & (np.abs(last - np.median(last)) <= ALIKE_DAYS))
    parts = []
    for group in (alike, ~alike):
        if not group.any():
            continue
        polls = found if group.all() else found.rows(np.isin(found.store_key, stores[group]))
        for rows in store_slices(polls, (last - first + 1)[group]):
            part = polls.rows(rows)
            keys = np.unique(part.store_key)
            lo, hi = window.of(keys)
            parts.append(_slice_days(part, int(lo.min()), int(hi.max()), as_of_us,
                                     hours[hours["store_key"].isin(keys)],
                                     zones[zones["store_key"].isin(keys)]))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _slice_days(found, 0, 0, as_of_us, hours.iloc[:0], zones.iloc[:0])
    return pd.concat(parts, ignore_index=True)


def stored_hours(url: str, conn: Connection,
                 replaced: Replaced | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every store's business hours and zone, keyed by store, as a load leaves them."""
    hours = _hours_frame(url, conn, "business_hours h")
    zones = _zones_frame(url, conn, "timezones h")
    if replaced is not None:
        hours = replaced.over(hours, replaced.business_hours)
        zones = replaced.over(zones, replaced.timezones)
    return hours, zones


@dataclass(frozen=True)
class Windows:
    """Per store key (sorted), the first and last local date to compute (both included)."""

    keys: I64
    first: I64
    last: I64

    @staticmethod
    def every(keys: I64, first_day: int, last_day: int) -> Windows:
        return Windows(np.sort(keys), np.full(len(keys), first_day), np.full(len(keys), last_day))

    def of(self, keys: I64) -> tuple[I64, I64]:
        """The windows of `keys`, each in self.keys."""
        at = np.searchsorted(self.keys, keys)
        return self.first[at], self.last[at]


def _slice_days(found: PollArrays, first_day: int, last_day: int, as_of_us: int,
                hours: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    period = Period((_EPOCH_DAY + first_day).item(), (_EPOCH_DAY + last_day).item(),
                    pd.Timestamp(as_of_us, unit="us", tz="UTC"))
    days = day_totals(_keyed_polls(found), _keyed(hours), _keyed(zones), period)
    keys = np.asarray(days["store_id"].cat.categories, dtype=np.int64)
    days["store_key"] = keys[days["store_id"].cat.codes.to_numpy()]
    days["local_date"] = (days["date"].to_numpy().astype("datetime64[D]")
                          - _EPOCH_DAY).astype(np.int64)
    return days.drop(columns="store_id")


def _keyed_polls(found: PollArrays) -> pd.DataFrame:
    """The polls as the engine takes them, each store named by its key: a categorical
    whose categories are the keys in order. `found` is sorted by key (as every
    PollArrays read or joined is); keys out of order would repeat a category,
    which pandas refuses."""
    keys = found.store_key
    new_store = keys[1:] != keys[:-1]
    starts = np.flatnonzero(np.r_[True, new_store]) if len(keys) else keys
    codes = np.cumsum(np.r_[False, new_store]) if len(keys) else keys
    code_type = np.int16 if len(starts) < 2**15 else np.int32
    ids = pd.Categorical.from_codes(codes.astype(code_type), validate=False,
                                    categories=pd.Index(keys[starts], dtype=np.int64))
    instants = np.ascontiguousarray(found.ts, dtype=np.int64).view("datetime64[us]")
    return pd.DataFrame({
        "store_id": ids,
        "timestamp_utc": pd.DatetimeIndex(instants, dtype="datetime64[us, UTC]"),
        "active": np.asarray(found.active, dtype=bool),
    })


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored hours or zones with each store named by its key, as in _keyed_polls."""
    return frame.rename(columns={"store_key": "store_id"}).reset_index(drop=True)
