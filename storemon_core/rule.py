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
    start to as_of; a store without one has no spans. `hours_at_start` and
    `hours_at_end` read the spans' edges on a business-hours clock (business time
    before each edge on the axis), so the business time in any part of a span is
    a difference of two readings.
    """

    lanes: I64
    starts: I64
    ends: I64
    active: npt.NDArray[np.bool_]
    hours_at_start: I64
    hours_at_end: I64


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
        hours_at_start = fleet.hours.measure_before(starts)  # sorted, as the polls are
        # Spans tile each lane: a span ends where the next one of its store starts.
        hours_at_end = np.empty_like(hours_at_start)
        hours_at_end[:-1] = hours_at_start[1:]
        last = np.r_[~same_store, True]
        hours_at_end[last] = fleet.hours.measure_before(ends[last])
    else:
        hours_at_start = fleet.hours.measure_before(starts)
        hours_at_end = fleet.hours.measure_before(ends)
    return StatusSpans(lanes, starts, ends, active, hours_at_start, hours_at_end)


def window_time(fleet: Fleet, spans: StatusSpans, length_us: int) -> tuple[I64, I64, I64]:
    """Business time, uptime and downtime per store in [as_of - length, as_of], in µs."""
    stores = len(fleet.store_ids)
    lane_start = fleet.lane_start(np.arange(stores, dtype=np.int64))
    window_start = lane_start + (fleet.span - length_us)
    hours_at_window_start = fleet.hours.measure_before(window_start)
    business = fleet.hours.measure_before(lane_start + fleet.span) - hours_at_window_start
    # Only spans reaching into the window count; for the hour that is one or two a store.
    reaching = spans.ends > window_start[spans.lanes]
    lanes, active = spans.lanes[reaching], spans.active[reaching]
    # The clock never runs backwards, so reading it at the later of the span's
    # start and the window's start is the later of the two readings.
    covered = (
        spans.hours_at_end[reaching]
        - np.maximum(spans.hours_at_start[reaching], hours_at_window_start[lanes])
    ).astype(np.float64)
    uptime = np.bincount(lanes, weights=covered * active, minlength=stores)
    downtime = np.bincount(lanes, weights=covered * ~active, minlength=stores)
    return business, uptime.astype(np.int64), downtime.astype(np.int64)
