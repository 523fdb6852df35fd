"""Sets of time intervals on per-store lanes, as sorted arrays.

Every store gets its own lane on one integer axis (microseconds):
`lane * lane_width + offset`, with offset in [0, lane_width). Placing the lanes end
to end lets one sort, one `searchsorted` and one cumulative sum answer a question
for all stores at once, with no loop over stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from storemon_core.units import I64


@dataclass(frozen=True)
class IntervalSet:
    """Disjoint half-open intervals [starts[i], ends[i]), sorted by start."""

    starts: I64
    ends: I64

    @staticmethod
    def union(starts: I64, ends: I64) -> IntervalSet:
        """Merge overlapping or touching intervals (overlaps count once)."""
        keep = ends > starts
        starts, ends = starts[keep], ends[keep]
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        if len(starts) == 0:
            return IntervalSet(starts, ends)
        reach = np.maximum.accumulate(ends)
        # A new interval begins where a start lies beyond everything before it.
        first = np.empty(len(starts), dtype=bool)
        first[0] = True
        first[1:] = starts[1:] > reach[:-1]
        group_ends = np.r_[np.flatnonzero(first)[1:] - 1, len(starts) - 1]
        return IntervalSet(starts[first], reach[group_ends])

    @cached_property
    def _clock(self) -> tuple[I64, I64, I64]:
        """What measure_before looks up, found once per set: every reading of the
        clock (a report reads it a dozen times) would otherwise redo the sums."""
        # A zero-length sentinel before everything spares a branch for points
        # that precede the first interval.
        starts = np.r_[np.iinfo(np.int64).min // 2, self.starts]
        lengths = np.r_[0, self.ends - self.starts]
        before = np.cumsum(lengths) - lengths
        # Inside the interval a point falls after, the measure grows with the point;
        # past its end it stays at the total up to that end.
        return starts, before - starts, before + lengths

    def measure_before(self, points: I64) -> I64:
        """For each point, the total length of the set before it on the axis.

        Differences of this over one lane give the set's length between two
        instants of that lane.
        """
        starts, offset, cap = self._clock
        if _many_sorted(points, len(starts)):
            runs = _runs(self.starts, points)
            result: I64 = np.minimum(points + np.repeat(offset, runs), np.repeat(cap, runs))
            return result
        j = np.searchsorted(starts, points, side="right") - 1
        result = np.minimum(points + offset[j], cap[j])
        return result

    def measure(self, lo: I64, hi: I64) -> I64:
        """Length of the set inside each [lo, hi) (lo <= hi, both on one lane)."""
        result: I64 = self.measure_before(hi) - self.measure_before(lo)
        return result

    def contains(self, points: I64) -> npt.NDArray[np.bool_]:
        """Whether each point lies in the set (starts included, ends excluded)."""
        if len(self.starts) == 0:
            return np.zeros(len(points), dtype=bool)
        if not _many_sorted(points, len(self.starts)):
            # Inside the last interval starting at or before the point, or in none.
            j = rank(self.starts, points) - 1
            opened: npt.NDArray[np.bool_] = (j >= 0) & (points < self.ends[np.maximum(j, 0)])
            return opened
        # Sorted points fall into runs between consecutive edges that alternate
        # outside, inside, ..., outside: one search per edge, then a bool per point.
        edges = np.empty(2 * len(self.starts), dtype=np.int64)
        edges[0::2], edges[1::2] = self.starts, self.ends
        runs = _runs(edges, points)
        inside = np.zeros(len(edges) + 1, dtype=bool)
        inside[1::2] = True
        result: npt.NDArray[np.bool_] = np.repeat(inside, runs)
        return result


def in_key_order(keys: I64, then: I64) -> bool:
    """Whether rows are sorted by `keys` (a store, a lane), then strictly by `then`
    within a key: rows already so need no sort."""
    step = np.diff(keys)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(then) > 0))))


def rank(edges: I64, points: I64) -> I64:
    """How many of the sorted `edges` are <= each point (searchsorted, side="right").

    Polls and spans arrive sorted and outnumber the intervals many times over;
    then placing each edge among the points and repeating each count over its
    run of points does one binary search per edge instead of one per point.
    """
    if not _many_sorted(points, len(edges)):
        result: I64 = np.searchsorted(edges, points, side="right")
        return result
    counts: I64 = np.repeat(np.arange(len(edges) + 1, dtype=np.int64), _runs(edges, points))
    return counts


def _runs(edges: I64, points: I64) -> I64:
    """Lengths of the runs of sorted points with 0, 1, ..., len(edges) edges at or below."""
    # The run with k edges at or below starts where the kth edge would be placed.
    runs: I64 = np.diff(np.r_[0, np.searchsorted(points, edges, side="left"), len(points)])
    return runs


def _many_sorted(points: I64, edges: int) -> bool:
    return len(points) >= 4 * edges and bool(np.all(points[1:] >= points[:-1]))
