"""The counting rule of SPEC.md: each in-hours poll speaks for the time nearest to it.

This module owns the rule. Everything else lays data out for it (fleet) or draws
what it decides (report, timeline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from storemon_core.fleet import Fleet

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class StatusSpans:
    """Consecutive spans [starts, ends) per lane, each with the status of its poll.

    For a store with at least one in-hours poll they tile its lane from the week's
    start to as_of; a store without one has no spans.
    """

    lanes: I64
    starts: I64
    ends: I64
    active: npt.NDArray[np.bool_]


def status_spans(fleet: Fleet) -> StatusSpans:
    """A poll reaches halfway to its neighbours; the first and last reach the edges."""
    at, active = fleet.poll_at, fleet.poll_active
    lanes = fleet.poll_lane
    lane_start = fleet.lane_start(lanes)
    starts = lane_start.copy()
    ends = lane_start + fleet.span
    if len(at) > 1:
        same_store = lanes[1:] == lanes[:-1]
        midpoint = (at[:-1] + at[1:]) // 2
        starts[1:] = np.where(same_store, midpoint, starts[1:])
        ends[:-1] = np.where(same_store, midpoint, ends[:-1])
    return StatusSpans(lanes, starts, ends, active)


def window_time(fleet: Fleet, spans: StatusSpans, length_us: int) -> tuple[I64, I64, I64]:
    """Business time, uptime and downtime per store in [as_of - length, as_of], in µs."""
    stores = len(fleet.store_ids)
    every_lane = np.arange(stores, dtype=np.int64)
    offset = fleet.span - length_us
    business = fleet.hours.measure(fleet.lane_start(every_lane) + offset,
                                   fleet.lane_start(every_lane) + fleet.span)
    # Only spans reaching into the window count; for the hour that is one or two a store.
    window_start = fleet.lane_start(spans.lanes) + offset
    reaching = spans.ends > window_start
    lanes, active = spans.lanes[reaching], spans.active[reaching]
    lo = np.maximum(spans.starts[reaching], window_start[reaching])
    covered = fleet.hours.measure(lo, spans.ends[reaching]).astype(np.float64)
    uptime = np.bincount(lanes, weights=covered * active, minlength=stores)
    downtime = np.bincount(lanes, weights=covered * ~active, minlength=stores)
    return business, uptime.astype(np.int64), downtime.astype(np.int64)
