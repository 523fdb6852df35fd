"""Reports of fleets too big for one read: partition by partition, on one machine or
a Dask cluster (storemon_core.partitions says why the partitions' rows are the
whole report's).

  rows         one partition's inputs -> its report rows (CSV without the header)
  stored       partitions read from the database, each by its own range of ids
  runner       the partitions one after the other, their rows written in order
  dask_runner  the partitions mapped over a Dask cluster (the `dask` extra)
"""
