"""Partitions of stores: contiguous ranges of store_id in text (code-point) order.

A report over a big fleet is computed partition by partition, each read and
counted alone, so that memory follows the partition size and not the fleet.
Every store's numbers depend on its own polls, hours and zone and on the one
as-of instant of the whole run, so a partition's rows are the same rows the
whole fleet's report has for those stores; and since the ranges follow the
report's own order, the partitions' rows concatenate already sorted.

Ranges are [first, end): `first` is the partition's lowest possible id, `end`
the next partition's first. The first partition has no lower bound and the last
none above, so together they cover every possible id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from storemon_core.config import int_setting

# Stores per partition (docs/configuration.md): each partition's polls of the week
# are held in memory at once, about 100 bytes per poll.
PARTITION_STORES_ENV = "STOREMON_PARTITION_STORES"
DEFAULT_PARTITION_STORES = 50_000


def partition_stores(value: int | None = None) -> int:
    """The partition size asked for, else the setting, else the default."""
    if value is not None:
        if value < 1:
            raise ValueError(f"a partition holds at least 1 store, not {value}")
        return value
    return int_setting(PARTITION_STORES_ENV, DEFAULT_PARTITION_STORES, minimum=1)


@dataclass(frozen=True)
class Partition:
    """The stores whose id lies in [first, end); None is no bound on that side."""

    index: int
    first: str | None
    end: str | None

    def holds(self, store_ids: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
        """Which of the given ids lie in this partition."""
        inside = np.ones(len(store_ids), dtype=bool)
        if self.first is not None:
            inside &= store_ids >= self.first
        if self.end is not None:
            inside &= store_ids < self.end
        return inside


def text_order(store_ids: pa.Array | list[str]) -> pa.Array:
    """The ids sorted in code-point order: for UTF-8, the order of their bytes."""
    values = pa.array(store_ids, type=pa.string()) if isinstance(store_ids, list) else store_ids
    return values.take(pc.sort_indices(values))


def split_sorted(sorted_ids: pa.Array, size: int, first: str | None = None,
                 end: str | None = None, start_index: int = 0) -> list[Partition]:
    """Cut the range [first, end), whose known ids are `sorted_ids` (in text order,
    distinct), into partitions of at most `size` of them."""
    cuts = [str(v) for v in sorted_ids[size::size].to_pylist()]
    bounds: list[str | None] = [first, *cuts, end]
    return [Partition(start_index + i, bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def plan_partitions(sorted_ids: pa.Array, size: int) -> list[Partition]:
    """Partitions of at most `size` of the given stores (sorted, distinct), covering
    every possible id; one partition when they all fit."""
    return split_sorted(sorted_ids, size)


def partition_of(partitions: list[Partition],
                 store_ids: npt.NDArray[np.object_]) -> npt.NDArray[np.intp]:
    """The index of the partition holding each id (partitions as planned: in order,
    end to end)."""
    starts = np.array([p.first for p in partitions[1:]], dtype=object)
    found: npt.NDArray[np.intp] = np.searchsorted(starts, store_ids, side="right")
    return found
