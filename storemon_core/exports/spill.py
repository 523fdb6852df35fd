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

import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

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

# Bytes of the poll export read at once (READ_AHEAD + 1 blocks are in memory):
# large, since each block pays once for its distinct ids.
BLOCK_BYTES = 96 << 20
READ_AHEAD = 2
# The first block's ids are cut a little finer than the partition size, so that the
# stores first seen later rarely push a range past it.
_FIRST_CUT = 0.8
_SCHEMA = pa.schema([("store", pa.int32()), ("us", pa.int64()), ("active", pa.bool_())])

ExportPath = str | os.PathLike[str]


def _header_end(data: bytes | bytearray) -> int:
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


def line_blocks(stream: io.BufferedIOBase, block_bytes: int) -> Iterator[tuple[bytearray, int]]:
    """The export as blocks of whole lines, each after the first with the file's header
    in front, and where each block starts in the file.

    Each block is read straight behind its header and cut at its last line end in
    place: one new buffer a block (fresh memory costs a page fault per page),
    where reading, cutting and prefixing made three. The stream is moved back to
    just after the cut, so the next block starts there."""
    header: bytes | None = None
    size = block_bytes
    while True:
        start = stream.tell()
        lead = b"" if header is None else header
        block = bytearray(len(lead) + size)
        block[: len(lead)] = lead
        with memoryview(block) as view:
            got = stream.readinto(view[len(lead):]) or 0
        end = len(lead) + got
        cut = block.rfind(b"\n", len(lead), end) + 1
        if got == size and (cut == 0 or header is None and _header_end(block) < 0):
            stream.seek(start)  # no whole line yet, or no header yet: read more
            size *= 2
            continue
        if got == size and cut < end:
            stream.seek(start + cut - len(lead))
            end = cut
        del block[end:]
        size = block_bytes
        if header is None:
            # The first block, or an empty file: the reader says what it makes of it.
            header_end = _header_end(block)
            header = bytes(block[: header_end + 1]) if header_end >= 0 else b""
            yield block, 0
        elif got:
            yield block, start
        if not got:
            return


class _LinesBefore:
    """How many lines of a file come before a byte offset, counted only when asked
    (a block with rejected rows) and never twice: most exports reject nothing."""

    def __init__(self, path: ExportPath) -> None:
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self, offset: int) -> int:
        with open(self.path, "rb") as stream:
            stream.seek(self.offset)
            while self.offset < offset:
                data = stream.read(min(offset - self.offset, 16 << 20))
                self.lines += data.count(b"\n")
                self.offset += len(data)
        return self.lines


@dataclass
class _Range:
    """A range of store ids and the Parquet file its polls are spilled into."""

    first: str | None
    end: str | None
    path: Path
    writer: pq.ParquetWriter | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        if self.writer is None:
            # Written once and read once, on this machine: plain numbers, no
            # compression, no dictionaries, no statistics.
            self.writer = pq.ParquetWriter(self.path, _SCHEMA, compression="none",
                                           use_dictionary=False, write_statistics=False)
        self.writer.write_batch(batch)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _Stores:
    """Every store id seen, each with a number (in the order first seen) and the range
    it is spilled into: the spill files carry the numbers, so writing and reading them
    moves no strings, and a block's ids are looked up, not numbered one by one (a
    block holds most of the fleet's)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._index = pd.Index([], dtype=object)
        self._range = np.zeros(0, dtype=np.int16)

    def numbers(self, ids: pd.Index, ranges: list[_Range]) -> tuple[
            npt.NDArray[np.int32], npt.NDArray[np.int16]]:
        """The numbers of `ids` (numbering the new ones) and the ranges they go to."""
        found = np.asarray(self._index.get_indexer(ids), dtype=np.int64)
        new = found < 0
        if new.any():
            fresh = np.asarray(ids[new], dtype=object)
            found[new] = np.arange(len(self.ids), len(self.ids) + len(fresh))
            self.ids.extend(fresh.tolist())
            self._index = pd.Index(np.asarray(self.ids, dtype=object), dtype=object)
            self._range = np.concatenate([self._range, _range_of(ranges, fresh)])
        return found.astype(np.int32), self._range[found]


def _range_of(ranges: list[_Range], ids: npt.NDArray[np.object_]) -> npt.NDArray[np.int16]:
    found = partition_of([Partition(i, r.first, r.end) for i, r in enumerate(ranges)], ids)
    return found.astype(np.int16)


def _spread(numbers: np.ndarray, micros: np.ndarray, active: np.ndarray,
            where: npt.NDArray[np.int16], ranges: list[_Range]) -> None:
    """Append each poll to the file of its range (`where`, per poll)."""
    order = np.argsort(where, kind="stable")  # narrow integers: a radix sort
    bounds = np.r_[0, np.cumsum(np.bincount(where, minlength=len(ranges)))]
    for i, target in enumerate(ranges):
        if bounds[i + 1] > bounds[i]:
            rows = order[bounds[i]:bounds[i + 1]]
            target.write(pa.record_batch(
                [pa.array(numbers[rows]), pa.array(micros[rows]), pa.array(active[rows])],
                schema=_SCHEMA))


@dataclass
class SpilledExports:
    """The exports on disk, one poll file per partition, with what the reader said."""

    partitions: list[Partition]
    paths: dict[int, Path]
    store_ids: npt.NDArray[np.object_]  # by the numbers in the poll files
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
        polls = empty_polls() if path is None else self._polls(path)
        hours = self.business_hours.loc[self._hours_at == partition.index]
        zones = self.timezones.loc[self._zones_at == partition.index]
        return Inputs(polls=polls, business_hours=hours.reset_index(drop=True),
                      timezones=zones.reset_index(drop=True))

    def _polls(self, path: Path) -> pd.DataFrame:
        """A spilled partition as the frame read_polls makes: ids a categorical whose
        categories are the partition's stores in text order."""
        table = pq.read_table(path)
        numbers = np.asarray(table.column("store").to_numpy())
        present = np.flatnonzero(np.bincount(numbers, minlength=len(self.store_ids)))
        ids = self.store_ids[present]
        order = np.argsort(ids, kind="stable")
        code_of = np.zeros(len(self.store_ids), dtype=np.int32)
        code_of[present[order]] = np.arange(len(present), dtype=np.int32)
        micros = np.asarray(table.column("us").to_numpy())
        return pd.DataFrame({
            "store_id": pd.Categorical.from_codes(code_of[numbers],
                                                  categories=pd.Index(ids[order]),
                                                  validate=False),
            "timestamp_utc": pd.DatetimeIndex(micros.view("datetime64[us]"),
                                              dtype="datetime64[us, UTC]"),
            "active": np.asarray(table.column("active").to_numpy(), dtype=bool),
        })

    def report_of_reading(self) -> Inputs:
        """What was read and rejected, for saying so (format_rejections): no polls."""
        return Inputs(rejected=self.rejected, summaries=self.summaries)


def _resplit(big: _Range, ids: pa.Array, size: int, folder: Path, start: int,
             store_ids: npt.NDArray[np.object_]) -> list[_Range]:
    """Spill a range that holds more than `size` stores again, into exact partitions."""
    parts = split_sorted(ids, size, big.first, big.end, start)
    pieces = [_Range(p.first, p.end, folder / f"polls-{p.index}.parquet") for p in parts]
    where_of = _range_of(pieces, store_ids)
    for batch in pq.ParquetFile(big.path).iter_batches(batch_size=1 << 20):
        numbers = np.asarray(batch.column("store").to_numpy())
        _spread(numbers, np.asarray(batch.column("us").to_numpy()),
                np.asarray(batch.column("active").to_numpy(zero_copy_only=False)),
                where_of[numbers], pieces)
    big.path.unlink()
    return pieces


def _first_ranges(ids: pd.Index, size: int, folder: Path) -> list[_Range]:
    """Ranges cut from the first block's ids (sorted), a little finer than `size`."""
    step = max(1, int(size * _FIRST_CUT))
    cuts: list[str | None] = [None, *ids[step::step], None]
    return [_Range(cuts[i], cuts[i + 1], folder / f"range-{i}.parquet")
            for i in range(len(cuts) - 1)]


def _partitions(ranges: list[_Range], stores: _Stores, size: int,
                folder: Path) -> tuple[list[Partition], dict[int, Path]]:
    """The final partitions: each range, or its exact pieces when it holds too many."""
    known = text_order(stores.ids)
    known_ids = np.asarray(known.to_pylist(), dtype=object)
    every = np.asarray(stores.ids, dtype=object)
    partitions: list[Partition] = []
    paths: dict[int, Path] = {}
    for r in ranges:
        lo = 0 if r.first is None else int(np.searchsorted(known_ids, r.first, side="left"))
        hi = (len(known_ids) if r.end is None
              else int(np.searchsorted(known_ids, r.end, side="left")))
        pieces = ([r] if hi - lo <= size
                  else _resplit(r, known[lo:hi], size, folder, len(partitions), every))
        for piece in pieces:
            piece.close()
            index = len(partitions)
            partitions.append(Partition(index, piece.first, piece.end))
            if piece.path.exists():
                paths[index] = piece.path
    return partitions or [Partition(0, None, None)], paths


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
    lines_before = _LinesBefore(status)
    ranges: list[_Range] = []
    stores = _Stores()
    rejected: list[pd.DataFrame] = []
    read = kept = 0
    newest: int | None = None
    # Blocks are read and checked in threads, READ_AHEAD at once, while the oldest is
    # spilled: pyarrow's parse and most checks run outside Python's lock.
    with open(status, "rb") as stream, ThreadPoolExecutor(READ_AHEAD) as reader:
        blocks = line_blocks(stream, block_bytes)

        def next_block() -> Future[tuple[int, pd.DataFrame, pd.DataFrame, FileSummary]] | None:
            block = next(blocks, None)
            if block is None:
                return None
            data, start = block
            # Blocks are parsed READ_AHEAD at once, each by its own thread.
            return reader.submit(lambda: (start, *read_polls(data, name, one_chunk=True)))

        def read_others() -> list[tuple[str, tuple[pd.DataFrame, pd.DataFrame, FileSummary]]]:
            return [(attr, reader_of(src)) for src, reader_of, attr in (
                (hours, read_business_hours, "business_hours"),
                (timezones, read_timezones, "timezones")) if src is not None]

        others: Future[list[tuple[str, tuple[pd.DataFrame, pd.DataFrame, FileSummary]]]] | None
        others = None
        ahead = deque(f for f in (next_block() for _ in range(READ_AHEAD)) if f is not None)
        while ahead:
            start, polls, rejects, summary = ahead.popleft().result()
            following = next_block()
            if following is not None:
                ahead.append(following)
            elif others is None:
                # The last blocks are being read: the hours and zones are read beside
                # them, instead of after.
                others = reader.submit(read_others)
            say(0.9 * start / total, f"reading {name}")
            read, kept = read + summary.read, kept + summary.kept
            if len(rejects):
                # In a block after the first, its header is line 1 and its rows follow.
                rejects["line"] += lines_before(start) - 1 if start else 0
                rejected.append(rejects)
            if len(polls) == 0:
                continue
            ids: pd.Categorical = polls["store_id"].array
            if not ranges:
                ranges = _first_ranges(ids.categories, size, folder)
            numbers, where = stores.numbers(pd.Index(ids.categories, dtype=object), ranges)
            micros = polls["timestamp_utc"].array.asi8
            newest = max(int(micros.max()), newest if newest is not None else -2**63)
            _spread(numbers[ids.codes], micros, polls["active"].to_numpy(dtype=bool),
                    where[ids.codes], ranges)
        for r in ranges:
            r.close()

        say(0.9, "partitions")
        partitions, paths = _partitions(ranges, stores, size, folder)
        say(0.95, "reading business hours and time zones")
        summaries = [FileSummary(name, read, kept, read - kept)]
        frames = Inputs()
        for attr, (frame, rejects, summary) in (others or reader.submit(read_others)).result():
            setattr(frames, attr, frame)
            rejected.append(rejects)
            summaries.append(summary)
    nonempty = [r for r in rejected if len(r)]
    say(1.0, "read")
    return SpilledExports(
        partitions=partitions,
        paths=paths,
        store_ids=np.asarray(stores.ids, dtype=object),
        business_hours=frames.business_hours,
        timezones=frames.timezones,
        newest_poll_us=newest,
        rejected=rejected_dtypes(pd.concat(nonempty, ignore_index=True)) if nonempty
        else empty_rejected(),
        summaries=summaries,
    )
