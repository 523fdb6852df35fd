"""The counting rule of docs/counting.md: each in-hours poll speaks for the time nearest to it.

This module owns the rule. Everything else lays data out for it (fleet) or draws
what it decides (report, timeline, history).

The rule's answer is read like a set of clocks running along the axis: business
time, uptime, downtime and observed time before a lane position (`clock`). Any
stretch of one lane, a report's window or a local date, is counted by the
difference of two readings, so every consumer asks the same question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from storemon_core.engine.fleet import Fleet
from storemon_core.engine.intervals import IntervalSet
from storemon_core.units import I64, US_PER_HOUR

# docs/counting.md "Unobserved time": business time farther than this from every poll the
# rule uses is unobserved (still counted, but reported as a guess).
OBSERVATION_REACH_US = US_PER_HOUR


@dataclass(frozen=True)
class StatusSpans:
    """Consecutive spans [starts, ends) per lane, each with the status of its poll.

    For a store with at least one in-hours poll they tile its lane from its
    window's start to its end; a store without one has no spans. `hours_at_start`
    and `hours_at_end` read the spans' edges on a business-hours clock (business
    time before each edge on the axis), so the business time in any part of a
    span is a difference of two readings. `observed` is the business time of each
    span within OBSERVATION_REACH_US of its poll.
    """

    polls: I64
    starts: I64
    ends: I64
    active: npt.NDArray[np.bool_]
    hours_at_start: I64
    hours_at_end: I64
    observed: I64

    def observed_bounds(self, spans: I64) -> tuple[I64, I64]:
        """The observed part [lo, hi) of each given span: its stretch within reach of
        its poll. The nearest poll is the one that speaks, so no other poll can be
        nearer: nothing outside this part is within reach of any poll."""
        polls = self.polls[spans]
        lo: I64 = np.maximum(self.starts[spans], polls - OBSERVATION_REACH_US)
        hi: I64 = np.minimum(self.ends[spans], polls + OBSERVATION_REACH_US)
        return lo, hi

    def running_totals(self) -> RunningTotals:
        """Business time of the active spans, the inactive spans and the observed
        parts before each span, so whole runs of spans sum by subtraction."""
        up = np.zeros(len(self.active) + 1, dtype=np.int64)
        down = np.zeros(len(self.active) + 1, dtype=np.int64)
        seen = np.zeros(len(self.active) + 1, dtype=np.int64)
        # In place: at a period's scale each temporary is a hundred megabytes.
        covered = self.hours_at_end - self.hours_at_start
        np.cumsum(covered, out=down[1:])
        covered *= self.active
        np.cumsum(covered, out=up[1:])
        down -= up
        np.cumsum(self.observed, out=seen[1:])
        return RunningTotals(up, down, seen)


@dataclass(frozen=True)
class RunningTotals:
    """Business time before each span (and after the last): active, inactive, observed."""

    up_before: I64
    down_before: I64
    observed_before: I64


@dataclass(frozen=True)
class Tally:
    """Business time, uptime, downtime and observed time, in microseconds.

    A reading of `clock` holds what lies on the axis before each point; `since`
    turns two readings into what lies between them.
    """

    business: I64
    uptime: I64
    downtime: I64
    observed: I64

    @property
    def unobserved(self) -> I64:
        result: I64 = self.business - self.observed
        return result

    def since(self, earlier: Tally) -> Tally:
        return Tally(self.business - earlier.business, self.uptime - earlier.uptime,
                     self.downtime - earlier.downtime, self.observed - earlier.observed)


def status_spans(fleet: Fleet) -> StatusSpans:
    """A poll reaches halfway to its neighbours; the first and last reach the edges."""
    at, active = fleet.poll_at, fleet.poll_active
    lanes = np.arange(len(fleet.store_ids), dtype=np.int64)
    lane_start = fleet.lane_start(lanes)
    # Polls are sorted on the axis: one search per lane finds its run of polls.
    run_start = np.searchsorted(at, lane_start, side="left")
    run_end = np.r_[run_start[1:], len(at)]
    polled = run_end > run_start
    first, last = run_start[polled], run_end[polled] - 1
    # Midpoints with the next poll, in place.
    ends = np.empty_like(at)
    np.add(at[:-1], at[1:], out=ends[:-1])
    ends[:-1] //= 2
    starts = np.empty_like(at)
    starts[1:] = ends[:-1]
    starts[first] = lane_start[polled]
    ends[last] = fleet.lane_end(lanes[polled])
    hours_at_start = fleet.hours.measure_before(starts)  # sorted, as the polls are
    # Spans tile each lane: a span ends where the next one of its store starts.
    hours_at_end = np.empty_like(hours_at_start)
    hours_at_end[:-1] = hours_at_start[1:]
    hours_at_end[last] = fleet.hours.measure_before(ends[last])
    return StatusSpans(at, starts, ends, active, hours_at_start, hours_at_end,
                       _observed(fleet.hours, at, starts, ends, hours_at_start, hours_at_end))


def _observed(hours: IntervalSet, at: I64, starts: I64, ends: I64, hours_at_start: I64,
              hours_at_end: I64) -> I64:
    """Business time of each span within reach of its poll."""
    observed: I64 = hours_at_end - hours_at_start
    reach = OBSERVATION_REACH_US
    # Polls less than two hours apart observe their whole spans: only the spans
    # that reach farther than an hour from their poll need the clock read again.
    early = np.flatnonzero(at - reach > starts)
    observed[early] -= hours.measure_before(at[early] - reach) - hours_at_start[early]
    late = np.flatnonzero(at + reach < ends)
    observed[late] -= hours_at_end[late] - hours.measure_before(at[late] + reach)
    return observed


def clock(hours: IntervalSet, spans: StatusSpans, totals: RunningTotals, points: I64) -> Tally:
    """What the rule counts on the axis before each lane position.

    `totals` are `spans.running_totals()`, shared by every reading. A point lies in
    the last span starting at or before it. On a lane without spans every reading
    is the total of the spans before the lane, so its stretches count business
    time only: no uptime, downtime or observed time, as docs/counting.md says.
    """
    business = hours.measure_before(points)
    if len(spans.starts) == 0:
        none = np.zeros(len(points), dtype=np.int64)
        return Tally(business, none, none, none)
    # A point before every span reads the first span's start, where all is still 0.
    span = np.maximum(np.searchsorted(spans.starts, points, side="right") - 1, 0)
    from_start = spans.hours_at_start[span]
    # The clock never runs backwards: clipping a reading to a span's edges is
    # the reading at the nearest point of that span.
    within = np.clip(business, from_start, spans.hours_at_end[span]) - from_start
    within_active = within * spans.active[span]
    seen_lo, seen_hi = spans.observed_bounds(span)
    seen_lo = _clock_at(hours, seen_lo, spans.starts[span], from_start)
    seen_hi = _clock_at(hours, seen_hi, spans.ends[span], spans.hours_at_end[span])
    return Tally(
        business,
        totals.up_before[span] + within_active,
        totals.down_before[span] + within - within_active,
        totals.observed_before[span] + np.clip(business, seen_lo, seen_hi) - seen_lo,
    )


def _clock_at(hours: IntervalSet, points: I64, known: I64, readings: I64) -> I64:
    """Business time before each point, taken from `readings` (at `known`) where the
    point is the known one: most spans are observed whole, up to their edges."""
    result: I64 = readings.copy()
    unknown = np.flatnonzero(points != known)
    result[unknown] = hours.measure_before(points[unknown])
    return result
