"""Exports too big to hold at once: the poll export read in blocks of whole lines and
spilled into one Parquet file per partition of stores (storemon_core.partitions).

Each block goes through the poll reader of this package (read_polls) with the
file's header in front, so every check, reason and kept row is the whole-file
reader's; only the line numbers are moved by the lines before the block. The
first block's store ids choose where the ranges are cut (a poll export is in
time order, so its first hours hold nearly every store); a range that turns out
to hold more than a partition's stores is spilled again into exact partitions.
The hours and zones exports are small and are read whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from storemon_core.exports.files import STATUS_FILE, read_business_hours, read_polls, read_timezones
from storemon_core.exports.rejected import rejected_dtypes
from storemon_core.exports.sources import source_name
from storemon_core.frames import FileSummary, Inputs, empty_polls, empty_rejected
from storemon_core.partitions import Partition, partition_of, split_sorted, text_order
from storemon_core.units import Progress

# Bytes of the poll export read at once: large, since each block pays once for its
# distinct store ids (checked, sorted) whatever its length.
BLOCK_BYTES = 256 << 20
# The first block's ids are cut a little finer than the partition size, so that the
# stores first seen later rarely push a range past it.
_FIRST_CUT = 0.8
_SCHEMA = pa.schema([
    ("store_id", pa.dictionary(pa.int32(), pa.string())),
    ("timestamp_utc", pa.timestamp("us", tz="UTC")),
    ("active", pa.bool_()),
])

ExportPath = str | os.PathLike[str]


def _header_end(data: bytes) -> int:
    """Where the first line that is not blank ends (its "\n"), or -1 if none does."""
    at = 0
    while True:
        end = data.find(b"\n", at)
        if end < 0:
            return -1
        line = data[at:end]
        if at == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.rstrip(b"\r").strip(b" \t"):
            return end
        at = end + 1


def line_blocks(stream: IO[bytes], block_bytes: int) -> Iterator[tuple[bytes, int]]:
    """The export as blocks of whole lines, each with the file's header in front, and
    the number to add to a line number within a block to get the file's."""
    pending = b""
    header: bytes | None = None
    lines_before = 0
    while True:
        more = stream.read(block_bytes)
        data = pending + more
        cut = len(data)
        if more:
            cut = data.rfind(b"\n") + 1
            if cut == 0 or (header is None and _header_end(data[:cut]) < 0):
                pending = data  # no whole line yet, or no header yet: read on
                continue
        block, pending = data[:cut], data[cut:]
        if header is None:
            # The first block, or an empty file: the reader says what it makes of it.
            end = _header_end(block)
            header = block[: end + 1] if end >= 0 else b""
            yield block, 0
        elif block:
            # The header stands on line 1 of the block as read, the block on line 2.
            yield header + block, lines_before - 1
        lines_before += block.count(b"\n")
        if not more:
            return


@dataclass
class _Range:
    first: str | None
    end: str | None
    path: Path
    writer: pq.ParquetWriter | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, _SCHEMA, compression="lz4")
        self.writer.write_batch(batch)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _batch(polls: pd.DataFrame) -> pa.RecordBatch:
    return pa.RecordBatch.from_pandas(polls, schema=_SCHEMA, preserve_index=False)


def _spread(polls: pd.DataFrame, ranges: list[_Range]) -> None:
    """Append each poll to the file of the range holding its store."""
    ids: pd.Categorical = polls["store_id"].array
    where = partition_of([Partition(i, r.first, r.end) for i, r in enumerate(ranges)],
                         np.asarray(ids.categories, dtype=object))[ids.codes]
    order = np.argsort(where, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(where, minlength=len(ranges)))]
    for i, target in enumerate(ranges):
        if bounds[i + 1] > bounds[i]:
            rows = order[bounds[i]:bounds[i + 1]]
            target.write(_batch(polls.iloc[rows]))


@dataclass
class SpilledExports:
    """The exports on disk, one poll file per partition, with what the reader said."""

    partitions: list[Partition]
    paths: dict[int, Path]
    business_hours: pd.DataFrame
    timezones: pd.DataFrame
    newest_poll_us: int | None
    rejected: pd.DataFrame = field(default_factory=empty_rejected)
    summaries: list[FileSummary] = field(default_factory=list)
    _hours_at: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, np.intp))
    _zones_at: npt.NDArray[np.intp] = field(default_factory=lambda: np.empty(0, np.intp))

    def __post_init__(self) -> None:
        self._hours_at = self._places(self.business_hours)
        self._zones_at = self._places(self.timezones)

    def _places(self, frame: pd.DataFrame) -> npt.NDArray[np.intp]:
        return partition_of(self.partitions, frame["store_id"].to_numpy(dtype=object))

    @property
    def newest_poll(self) -> pd.Timestamp | None:
        if self.newest_poll_us is None:
            return None
        return pd.Timestamp(self.newest_poll_us, unit="us", tz="UTC")

    def inputs(self, partition: Partition) -> Inputs:
        """The polls, hours and zones of one partition's stores, as load_exports gives."""
        path = self.paths.get(partition.index)
        polls = empty_polls()
        if path is not None:
            polls = pq.read_table(path, read_dictionary=["store_id"]).to_pandas()
        hours = self.business_hours.loc[self._hours_at == partition.index]
        zones = self.timezones.loc[self._zones_at == partition.index]
        return Inputs(polls=polls, business_hours=hours.reset_index(drop=True),
                      timezones=zones.reset_index(drop=True))

    def report_of_reading(self) -> Inputs:
        """What was read and rejected, for saying so (format_rejections): no polls."""
        return Inputs(rejected=self.rejected, summaries=self.summaries)


def _resplit(big: _Range, ids: pa.Array, size: int, folder: Path,
             start: int) -> list[_Range]:
    """Spill a range that holds more than `size` stores again, into exact partitions."""
    parts = split_sorted(ids, size, big.first, big.end, start)
    pieces = [_Range(p.first, p.end, folder / f"polls-{p.index}.parquet") for p in parts]
    for batch in pq.ParquetFile(big.path).iter_batches(batch_size=1 << 20):
        _spread(batch.to_pandas(), pieces)
    big.path.unlink()
    return pieces


def spill_exports(
    status: ExportPath,
    hours: ExportPath | None,
    timezones: ExportPath | None,
    folder: Path,
    size: int,
    progress: Progress | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> SpilledExports:
    """Read the exports into `folder`, the polls in partitions of at most `size` stores."""
    say: Callable[[float, str], None] = progress or (lambda f, p: None)
    folder.mkdir(parents=True, exist_ok=True)
    name = source_name(status, STATUS_FILE)
    total = max(os.path.getsize(status), 1)
    ranges: list[_Range] = []
    seen: set[str] = set()
    rejected: list[pd.DataFrame] = []
    read = kept = 0
    newest: int | None = None
    done = 0
    with open(status, "rb") as stream:
        for block, line_offset in line_blocks(stream, block_bytes):
            say(0.9 * done / total, f"reading {name}")
            polls, rejects, summary = read_polls(block, name)
            done += len(block)
            read, kept = read + summary.read, kept + summary.kept
            if len(rejects):
                rejects["line"] += line_offset
                rejected.append(rejects)
            if len(polls) == 0:
                continue
            ids = polls["store_id"].array.categories
            if not ranges:
                step = max(1, int(size * _FIRST_CUT))
                cuts: list[str | None] = [None, *ids[step::step], None]
                ranges = [_Range(cuts[i], cuts[i + 1], folder / f"range-{i}.parquet")
                          for i in range(len(cuts) - 1)]
            seen.update(ids.tolist())
            stamps = polls["timestamp_utc"].array.asi8
            top = int(stamps.max())
            newest = top if newest is None else max(newest, top)
            _spread(polls, ranges)
    for r in ranges:
        r.close()

    say(0.9, "partitions")
    known = text_order(list(seen))
    known_ids = np.asarray(known.to_pylist(), dtype=object)
    partitions: list[Partition] = []
    paths: dict[int, Path] = {}
    for r in ranges:
        lo = 0 if r.first is None else int(np.searchsorted(known_ids, r.first, side="left"))
        hi = len(known_ids) if r.end is None else int(np.searchsorted(known_ids, r.end,
                                                                        side="left"))
        ids_inside = known[lo:hi]
        pieces = ([r] if len(ids_inside) <= size
                  else _resplit(r, ids_inside, size, folder, len(partitions)))
        for piece in pieces:
            piece.close()
            index = len(partitions)
            partitions.append(Partition(index, piece.first, piece.end))
            if piece.path.exists():
                paths[index] = piece.path
    if not partitions:
        partitions = [Partition(0, None, None)]

    say(0.95, "reading business hours and time zones")
    summaries = [FileSummary(name, read, kept, read - kept)]
    frames = Inputs()
    for src, reader, attr in ((hours, read_business_hours, "business_hours"),
                              (timezones, read_timezones, "timezones")):
        if src is not None:
            frame, rejects, summary = reader(src)
            setattr(frames, attr, frame)
            rejected.append(rejects)
            summaries.append(summary)
    nonempty = [r for r in rejected if len(r)]
    say(1.0, "read")
    return SpilledExports(
        partitions=partitions,
        paths=paths,
        business_hours=frames.business_hours,
        timezones=frames.timezones,
        newest_poll_us=newest,
        rejected=rejected_dtypes(pd.concat(nonempty, ignore_index=True)) if nonempty
        else empty_rejected(),
        summaries=summaries,
    )
