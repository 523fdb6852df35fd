"""Sets of time intervals on per-store lanes, as sorted arrays.

Every store gets its own lane on one integer axis (microseconds):
`lane * lane_width + offset`, with offset in [0, lane_width). Placing the lanes end
to end lets one sort, one `searchsorted` and one cumulative sum answer a question
for all stores at once, with no loop over stores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


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

    def measure_before(self, points: I64) -> I64:
        """For each point, the total length of the set before it on the axis.

        Differences of this over one lane give the set's length between two
        instants of that lane.
        """
        # A zero-length sentinel before everything spares a branch for points
        # that precede the first interval.
        starts = np.r_[np.iinfo(np.int64).min // 2, self.starts]
        lengths = np.r_[0, self.ends - self.starts]
        before = np.cumsum(lengths) - lengths
        j = rank(starts, points) - 1
        result: I64 = before[j] + np.minimum(points - starts[j], lengths[j])
        return result

    def measure(self, lo: I64, hi: I64) -> I64:
        """Length of the set inside each [lo, hi) (lo <= hi, both on one lane)."""
        result: I64 = self.measure_before(hi) - self.measure_before(lo)
        return result

    def contains(self, points: I64) -> npt.NDArray[np.bool_]:
        """Whether each point lies in the set (starts included, ends excluded)."""
        # Disjoint sorted intervals: a point is inside exactly when one more
        # interval has started at or before it than has ended.
        inside: npt.NDArray[np.bool_] = rank(self.starts, points) > rank(self.ends, points)
        return inside


def rank(edges: I64, points: I64) -> I64:
    """How many of the sorted `edges` are <= each point (searchsorted, side="right").

    Polls and spans arrive sorted and outnumber the intervals many times over;
    then placing each edge among the points and counting with a cumulative sum
    does one binary search per edge instead of one per point.
    """
    if len(points) < 4 * len(edges) or not _is_sorted(points):
        result: I64 = np.searchsorted(edges, points, side="right")
        return result
    # An edge is <= points[i] exactly when fewer than i + 1 points lie below it.
    below = np.searchsorted(points, edges, side="left")
    counts: I64 = np.cumsum(np.bincount(below, minlength=len(points) + 1)[: len(points)])
    return counts


def _is_sorted(values: I64) -> bool:
    return bool(np.all(values[1:] >= values[:-1]))
