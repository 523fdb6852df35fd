"""A report partition by partition: the header once, then each partition's rows in
order, so the CSV is the whole fleet's report byte for byte.

The rows go to a spooled temporary file first: a report from the database that
saw a load commit while it read its partitions is read again (as a report read
in one go is), and only a report read from one state reaches the output.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import pandas as pd

from storemon_core.db.database import READ_ATTEMPTS, Database
from storemon_core.partitions import Partition
from storemon_core.scale.rows import PartitionRows, csv_header
from storemon_core.scale.stored import StoredPlan, plan_stored, read_partition_rows
from storemon_core.units import Progress

# Rows kept in memory before the spool moves to disk.
SPOOL_BYTES = 64 << 20

# Maps a plan's partitions to their rows, in the partitions' order.
Mapper = Callable[[StoredPlan, bool], Iterator[PartitionRows]]
# Takes a finished report (the spool, rewound) to where it goes.
Deliver = Callable[[IO[str]], None]


@dataclass(frozen=True)
class ReportRun:
    """What a partitioned report wrote: how many stores, as of when, in how many parts."""

    stores: int
    as_of: pd.Timestamp
    partitions: int


def counted(partitions: list[Partition], rows_of: Callable[[Partition], PartitionRows],
            progress: Progress | None) -> Iterator[PartitionRows]:
    """Each partition's rows in turn, saying which partition is being counted."""
    for i, partition in enumerate(partitions):
        if progress:
            progress(i / len(partitions), f"partition {i + 1:,} of {len(partitions):,}")
        yield rows_of(partition)


def write_rows(parts: Iterable[PartitionRows], out: IO[str], extended: bool) -> int:
    """The header, then every partition's rows; returns how many stores."""
    out.write(csv_header(extended))
    stores = 0
    for part in parts:
        out.write(part.text)
        stores += part.stores
    return stores


def local_mapper(db: Database, progress: Progress | None) -> Mapper:
    """The partitions one after the other in this process."""
    def mapper(plan: StoredPlan, extended: bool) -> Iterator[PartitionRows]:
        return counted(plan.partitions,
                       lambda p: read_partition_rows(db, plan.as_of_us, p, extended), progress)
    return mapper


@contextmanager
def spooled() -> Iterator[IO[str]]:
    """A text file for a report's rows: in memory while small, then on disk."""
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", newline="",
                                       encoding="utf-8") as spool:
        yield spool  # type: ignore[misc]


def stored_report(db: Database, as_of: pd.Timestamp | None, size: int, extended: bool,
                  mapper: Mapper, deliver: Deliver) -> ReportRun | None:
    """The report of every store in `db` in partitions of at most `size` stores, given
    to `deliver` when finished; None when the database holds no poll at all."""
    for attempt in range(READ_ATTEMPTS):
        version = db.data_version()
        plan = plan_stored(db, as_of, size)
        if plan is None:
            return None
        with spooled() as spool:
            stores = write_rows(mapper(plan, extended), spool, extended)
            if attempt == READ_ATTEMPTS - 1 or db.data_version() == version:
                spool.seek(0)
                deliver(spool)
                return ReportRun(stores, plan.as_of, len(plan.partitions))
    raise AssertionError("unreachable: the last attempt always returns")  # pragma: no cover
