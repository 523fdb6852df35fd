"""A report partition by partition: the header once, then each partition's rows in
order, so the CSV is the whole fleet's report byte for byte.

The rows go to a spooled temporary file first: a report from the database that
saw a load commit while it read its partitions is read again (as a report read
in one go is), and only a report read from one state reaches the output.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import pandas as pd

from storemon_core.db.database import READ_ATTEMPTS, Database
from storemon_core.partitions import Partition
from storemon_core.scale.rows import PartitionRows, csv_header
from storemon_core.scale.stored import StoredPlan, plan_stored, read_partition_rows
from storemon_core.units import Progress

# Partitions counted at once on this machine (two cores).
AT_ONCE = 2
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
    """Each partition's rows in order, saying which partition is being counted.

    Two partitions are read and counted at once, in threads: reads wait on the
    database or the disk, and most of the engine's work (sorts, searches, sums)
    runs outside Python's lock, so the second core works too. Memory is then two
    partitions' worth."""
    pending: deque[Future[PartitionRows]] = deque()
    upcoming = iter(partitions)
    with ThreadPoolExecutor(AT_ONCE) as pool:
        for partition in itertools.islice(upcoming, AT_ONCE):
            pending.append(pool.submit(rows_of, partition))
        done = 0
        while pending:
            if progress:
                progress(done / len(partitions), f"partition {done + 1:,} of {len(partitions):,}")
            rows = pending.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                pending.append(pool.submit(rows_of, following))
            done += 1
            yield rows


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
