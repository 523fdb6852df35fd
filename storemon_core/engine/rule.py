"""The counting rule of docs/counting.md: each in-hours poll speaks for the time nearest to it.

This module owns the rule. Everything else lays data out for it (fleet) or draws
what it decides (report, timeline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from storemon_core.engine.fleet import Fleet
from storemon_core.units import I64


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

    def running_totals(self, stores: int) -> RunningTotals:
        """Business time of the active and of the inactive spans before each span,
        so whole runs of spans sum by subtraction."""
        up = np.zeros(len(self.active) + 1, dtype=np.int64)
        down = np.zeros(len(self.active) + 1, dtype=np.int64)
        covered = self.hours_at_end - self.hours_at_start
        active_covered = covered * self.active
        np.cumsum(active_covered, out=up[1:])
        np.cumsum(covered - active_covered, out=down[1:])
        run_end = np.cumsum(np.bincount(self.lanes, minlength=stores))
        return RunningTotals(run_end, up, down)


@dataclass(frozen=True)
class RunningTotals:
    """Where each lane's run of spans ends, and business time before each span."""

    run_end: I64
    up_before: I64
    down_before: I64


def status_spans(fleet: Fleet) -> StatusSpans:
    """A poll reaches halfway to its neighbours; the first and last reach the edges."""
    at, active = fleet.poll_at, fleet.poll_active
    lanes = fleet.poll_lane
    lane_start = fleet.lane_start(lanes)
    starts = lane_start.copy()
    ends = lane_start + fleet.span
    same_store = lanes[1:] == lanes[:-1]
    midpoint = (at[:-1] + at[1:]) // 2
    np.copyto(starts[1:], midpoint, where=same_store)
    np.copyto(ends[:-1], midpoint, where=same_store)
    hours_at_start = fleet.hours.measure_before(starts)  # sorted, as the polls are
    # Spans tile each lane: a span ends where the next one of its store starts.
    hours_at_end = np.empty_like(hours_at_start)
    hours_at_end[:-1] = hours_at_start[1:]
    last = np.append(~same_store, True)[: len(at)]
    hours_at_end[last] = fleet.hours.measure_before(ends[last])
    return StatusSpans(lanes, starts, ends, active, hours_at_start, hours_at_end)


def window_time(fleet: Fleet, spans: StatusSpans, totals: RunningTotals,
                length_us: int) -> tuple[I64, I64, I64]:
    """Business time, uptime and downtime per store in [as_of - length, as_of], in µs.

    `totals` are `spans.running_totals()`, shared by every window.
    """
    stores = len(fleet.store_ids)
    lane_start = fleet.lane_start(np.arange(stores, dtype=np.int64))
    window_start = lane_start + (fleet.span - length_us)
    hours_at_window_start = fleet.hours.measure_before(window_start)
    business = fleet.hours.measure_before(lane_start + fleet.span) - hours_at_window_start

    # The spans reaching into a store's window are the tail of its run of spans:
    # whole ones after the first, and the first cut at the window's start.
    # Spans are sorted on the axis and lanes are laid end to end, so one search
    # per store finds that first span.
    run_end = totals.run_end
    first = np.minimum(np.searchsorted(spans.ends, window_start, side="right"), run_end)
    has_first = first < run_end
    after = np.minimum(first + 1, run_end)
    uptime = totals.up_before[run_end] - totals.up_before[after]
    downtime = totals.down_before[run_end] - totals.down_before[after]

    at = first[has_first]
    # The clock never runs backwards: reading it at the later of the span's start
    # and the window's start is the later of the two readings.
    cut = spans.hours_at_end[at] - np.maximum(spans.hours_at_start[at],
                                              hours_at_window_start[has_first])
    first_active = spans.active[at]
    uptime[has_first] += np.where(first_active, cut, 0)
    downtime[has_first] += np.where(first_active, 0, cut)
    return business, uptime, downtime
