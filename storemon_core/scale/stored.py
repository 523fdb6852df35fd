"""Partitions read from the database: the plan from the stores table, and one
partition's rows from its own range of ids.

A worker of a cluster gets the database's URL and a partition's bounds, never
frames: it reads its stores itself (from the primary or a replica) and sends
back only their CSV rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd

from storemon_core.db.database import Database
from storemon_core.db.partitions import StoreRange, stored_store_ids
from storemon_core.db.reads import inputs_at, timestamp_to_us
from storemon_core.partitions import Partition, plan_partitions
from storemon_core.scale.rows import PartitionRows, report_rows


@dataclass(frozen=True)
class StoredPlan:
    """A report's partitions over the stores of a database, and its one instant."""

    url: str
    as_of: pd.Timestamp
    partitions: list[Partition]

    @property
    def as_of_us(self) -> int:
        return timestamp_to_us(self.as_of)


def plan_stored(db: Database, as_of: pd.Timestamp | None, size: int) -> StoredPlan | None:
    """Partitions of at most `size` stores, as of `as_of` or else the newest poll of
    all; None when the database holds no poll."""
    instant = as_of if as_of is not None else db.newest_poll()
    if instant is None:
        return None
    with db.read() as conn:
        ids = stored_store_ids(db.url, conn)
    return StoredPlan(db.url, instant, plan_partitions(ids, size))


def read_partition_rows(db: Database, plan_as_of_us: int, partition: Partition,
                        extended: bool) -> PartitionRows:
    """One partition read from `db` and counted as of the plan's instant."""
    with db.read() as conn:
        inputs = inputs_at(db.url, conn, plan_as_of_us, True, StoreRange.of(partition))
    as_of = pd.Timestamp(plan_as_of_us, unit="us", tz="UTC")
    return report_rows(inputs, as_of, extended)


_worker_databases: dict[str, Database] = {}
_worker_lock = threading.Lock()


def stored_partition_rows(url: str, as_of_us: int, first: str | None, end: str | None,
                          extended: bool) -> PartitionRows:
    """What a cluster's worker runs: one partition, read by URL.

    The schema is left as it is (a replica is read-only), and each worker process
    keeps one connection pool per URL for all the partitions it is given."""
    with _worker_lock:
        db = _worker_databases.get(url)
        if db is None:
            db = _worker_databases[url] = Database(url)
    return read_partition_rows(db, as_of_us, Partition(0, first, end), extended)
