"""The interval algebra against a point-by-point reading, on both search paths."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storemon_core.engine.intervals import IntervalSet, rank

values = st.lists(st.integers(-50, 50), max_size=60)


@settings(max_examples=200, deadline=None)
@given(edges=values, points=values, sort_points=st.booleans())
def test_rank_is_searchsorted_right(edges: list[int], points: list[int],
                                    sort_points: bool) -> None:
    edge_array = np.sort(np.array(edges, dtype=np.int64))
    point_array = np.array(sorted(points) if sort_points else points, dtype=np.int64)
    expected = [sum(e <= p for e in edges) for p in point_array.tolist()]
    assert rank(edge_array, point_array).tolist() == expected


def test_rank_takes_the_merge_path_on_many_sorted_points() -> None:
    # Sorted points that far outnumber the edges, with ties on both sides.
    rng = np.random.default_rng(7)
    edges = np.sort(rng.integers(0, 1_000, 200))
    points = np.sort(rng.integers(-10, 1_010, 5_000))
    assert np.array_equal(rank(edges, points), np.searchsorted(edges, points, side="right"))


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=8),
       points=st.lists(st.integers(-5, 60), max_size=80), sort_points=st.booleans())
def test_contains_and_measure_read_the_set_point_by_point(
        pairs: list[tuple[int, int]], points: list[int], sort_points: bool) -> None:
    starts = np.array([a for a, _ in pairs], dtype=np.int64)
    ends = np.array([a + n for a, n in pairs], dtype=np.int64)
    intervals = IntervalSet.union(starts, ends)
    covered = {t for a, n in pairs for t in range(a, a + n)}
    probe = np.array(sorted(points) if sort_points else points, dtype=np.int64)

    assert intervals.contains(probe).tolist() == [p in covered for p in probe.tolist()]
    assert intervals.measure_before(probe).tolist() == [
        sum(t < p for t in covered) for p in probe.tolist()
    ]
    lo = np.minimum(probe, 20)
    assert intervals.measure(lo, np.maximum(probe, 20)).tolist() == [
        sum(a <= t < b for t in covered)
        for a, b in zip(lo.tolist(), np.maximum(probe, 20).tolist(), strict=True)
    ]
