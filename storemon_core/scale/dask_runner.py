"""The partitions of a report mapped over a Dask cluster (the optional `dask` extra).

The client sends each worker the database's URL and a partition's bounds; the
worker reads that partition itself and sends back its CSV rows, which the
client writes in the partitions' order. Without a scheduler's address, a
cluster of worker processes on this machine (a LocalCluster) is started for the
run and stopped after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from storemon_core.scale.rows import PartitionRows
from storemon_core.scale.runner import Mapper
from storemon_core.scale.stored import StoredPlan, stored_partition_rows
from storemon_core.units import Progress

# Seconds to wait for a scheduler (or a local cluster) to answer.
CONNECT_SECONDS = 30


class ClusterError(RuntimeError):
    """Dask is not installed, or its scheduler cannot be reached; the message says which."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(
            "--engine dask needs Dask: pip install 'storemon[dask]' (dask and distributed)"
        ) from exc
    return distributed


def _client(stack: ExitStack, scheduler: str | None, workers: int) -> Any:
    distributed = _distributed()
    if scheduler is None:
        # Loopback only, its HTTP port free-chosen: the cluster lives for this run alone.
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", silence_logs=logging.ERROR))
        return stack.enter_context(distributed.Client(cluster, timeout=CONNECT_SECONDS))
    try:
        return stack.enter_context(distributed.Client(scheduler, timeout=CONNECT_SECONDS))
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc


def dask_mapper(scheduler: str | None, workers: int, progress: Progress | None) -> Mapper:
    """A Mapper that runs each partition as one task of the cluster."""
    _distributed()  # say at once when Dask is missing

    def mapper(plan: StoredPlan, extended: bool) -> Iterator[PartitionRows]:
        with ExitStack() as stack:
            client = _client(stack, scheduler, workers)
            futures = [
                client.submit(stored_partition_rows, plan.url, plan.as_of_us, p.first, p.end,
                              extended, pure=False)
                for p in plan.partitions
            ]
            for i, future in enumerate(futures):
                if progress:
                    progress(i / len(futures), f"partition {i + 1:,} of {len(futures):,}")
                yield future.result()
                future.release()
    return mapper
