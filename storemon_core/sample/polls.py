"""When the sample's stores are polled, and what each poll says.

About one poll an hour per store with a few minutes' jitter, some polls missed,
outages that last several polls, single inactive blips, and stores that join
late, stop early or are never polled. Everything is one (store x hourly slot)
grid of arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from storemon_core.units import US_PER_DAY, US_PER_HOUR, US_PER_SECOND

MISSED_RATE = 0.03  # polls the polling system failed to record
_OUTAGE_START_RATE = 0.004  # chance that an outage begins at a given poll
_FLAKY_SHARE = 0.10  # stores with five times the outage rate
_BLIP_RATE = 0.004  # single inactive polls


def polls(
    rng: np.random.Generator,
    stores: int,
    days: int,
    end_us: int,
    missed_rate: float,
    forced_store: int | None,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Polls of `stores` stores over `days` days up to `end_us`, in time order: each
    poll's store index, instant (microseconds, UTC) and whether it was active.
    `forced_store` (if any) gets an outage of several polls near the end."""
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
