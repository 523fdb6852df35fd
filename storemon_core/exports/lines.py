"""Physical lines of an export: find the header, split the rows into fields.

A line ends at LF or CRLF; a lone CR is a bad byte inside a field, not a line
end. Rows are lines; a row longer than MAX_LINE_BYTES or whose field count
differs from the header's is set aside here, with its line number. Everything is
vectorised for poll exports of millions of lines: a well-formed file goes
straight to pyarrow's CSV reader, and only a file with blank, long or malformed
lines (or a lone CR) gets a line model (numpy: where each line starts and ends,
how many commas it has), from which a clean copy of the well-formed rows is
parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from storemon_core.exports.fields import clean
from storemon_core.exports.sources import InputError, Source, source_bytes
from storemon_core.frames import empty_rejected

_BOM = b"\xef\xbb\xbf"

# The longest line kept, in bytes without its line end. A good row is about 100
# bytes (an id is at most 64 characters), so this leaves room for any padding;
# anything longer is rejected before parsing, which keeps pyarrow's blocks (a row
# must fit in one) and every copy of a rejected line small.
MAX_LINE_BYTES = 4096
# What is kept of a rejected line for a person: its first characters and its length.
ROW_TEXT_CHARS = 200
# Stands in for a lone CR in the copy pyarrow parses (which would end the line
# there); every field check rejects it, so its row is rejected with that field.
_LONE_CR_MARK = b"\x00"


@dataclass
class Table:
    """The fields of a file's well-formed rows, with where each came from."""

    name: str
    data: bytes | bytearray
    columns: dict[str, pa.ChunkedArray]  # canonical name -> strings (dictionary-encoded or not)
    read: int  # data rows (non-blank lines after the header)
    shape_rejects: pd.DataFrame
    quoted: bool  # some field may be wrapped in double quotes
    first_row_line: int = 1  # 0-based line of the first row when rows are consecutive lines
    lines: np.ndarray | None = None  # 0-based physical line of each row, when not consecutive
    _bounds: tuple[np.ndarray, np.ndarray] | None = None

    def row_lines(self, rows: np.ndarray) -> np.ndarray:
        """0-based physical line numbers of the given parsed rows."""
        if self.lines is None:
            return rows.astype(np.int64) + self.first_row_line
        return np.asarray(self.lines[rows], dtype=np.int64)

    def line_text(self, lines: np.ndarray) -> list[str]:
        if len(lines) == 0:
            return []
        if self._bounds is None:
            starts, ends, _ = _line_bounds(np.frombuffer(self.data, dtype=np.uint8))
            self._bounds = (starts, ends)
        starts, ends = self._bounds
        return row_texts(self.data, starts[lines], ends[lines])


def row_text(data: bytes | bytearray, start: int, end: int) -> str:
    """The copy kept of line data[start:end]: all of it when short, else its first
    ROW_TEXT_CHARS characters and its length in bytes (cheap at any length)."""
    head = data[start : min(end, start + 4 * ROW_TEXT_CHARS + 4)]  # >= ROW_TEXT_CHARS + 1 chars
    text = head.decode("utf-8", "replace")
    if len(head) == end - start and len(text) <= ROW_TEXT_CHARS:
        return text
    return f"{text[:ROW_TEXT_CHARS]} … ({end - start:,} bytes)"


def row_texts(data: bytes | bytearray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """row_text of each line data[starts[i]:ends[i]]; short lines are decoded in one go
    (a file of rejected rows can run to millions of lines)."""
    texts = np.empty(len(starts), dtype=object)
    short = ends - starts <= ROW_TEXT_CHARS  # then no more characters than that either
    if short.any():
        pieces = zip(starts[short].tolist(), ends[short].tolist(), strict=True)
        # No line holds a "\n", and decoding restarts at one, so the split is exact.
        joined = b"\n".join([data[start:end] for start, end in pieces])
        texts[short] = joined.decode("utf-8", "replace").split("\n")
    for i in np.flatnonzero(~short).tolist():
        texts[i] = row_text(data, int(starts[i]), int(ends[i]))
    return list(texts)


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (without its "\n" or "\r\n") of each physical line, and whether
    it ended with "\r\n" (its "\r" is then at `end`)."""
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    if starts[-1] == len(arr):  # file ends with "\n": no line after it
        starts, ends = starts[:-1], ends[:-1]
    # Only a "\r" before a "\n" ends a line, so not one at the end of the file.
    has_cr = (ends > starts) & (ends < len(arr)) & (arr[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - has_cr, has_cr


def _expected(wanted: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(" or ".join(a) for a in wanted.values())


def _header(
    name: str, raw: bytes | bytearray, wanted: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], int]:
    """(position of each wanted column, number of columns) of the header line `raw`."""
    if len(raw) > MAX_LINE_BYTES:
        raise InputError(
            f"{name}: the header is {len(raw):,} bytes long, more than a line may be "
            f"({MAX_LINE_BYTES:,}). Expected columns: {_expected(wanted)}"
        )
    fields = [clean(f) for f in raw.decode("utf-8", "replace").split(",")]
    try:
        return _match_header(name, fields, wanted), len(fields)
    except InputError as exc:
        if b"\r" not in raw:
            raise
        raise InputError(f"{exc} (a carriage return alone does not end a line: "
                         "lines end with LF or CRLF)") from None


def _match_header(
    name: str, fields: list[str], wanted: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Position of each wanted column; aliases are matched ignoring ASCII case
    (str.lower() would turn the Kelvin sign into a "k")."""
    lowered = [f.lower() if f.isascii() else f for f in fields]
    found: dict[str, int] = {}
    missing: list[str] = []
    for canonical, aliases in wanted.items():
        hits = [i for i, f in enumerate(lowered) if f in {a.lower() for a in aliases}]
        if len(hits) != 1:
            missing.append(" or ".join(aliases) + (" (more than once)" if hits else ""))
        else:
            found[canonical] = hits[0]
    if missing:
        found_text = ", ".join(fields)
        if len(found_text) > ROW_TEXT_CHARS:
            found_text = found_text[:ROW_TEXT_CHARS] + f" … ({len(fields):,} columns)"
        raise InputError(
            f"{name}: the header lacks {'; '.join(missing)}. "
            f"Expected columns: {_expected(wanted)}; found: {found_text or '(nothing)'}"
        )
    return found


_DICT = pa.dictionary(pa.int32(), pa.string())


def _parse(
    data: bytes | memoryview, ncols: int, positions: dict[str, int], dictionary: set[str],
    one_chunk: bool = False,
) -> pa.Table:
    """Split rows with pyarrow; raises pa.ArrowInvalid on a row with a wrong field count."""
    names = [f"c{i}" for i in range(ncols)]
    wanted = {
        f"c{pos}": (_DICT if c in dictionary else pa.string()) for c, pos in positions.items()
    }
    try:
        table = _parse_utf8(data, names, wanted, one_chunk)
    except pa.ArrowInvalid as exc:
        if "utf8" not in str(exc).lower():
            raise
        # Bytes that are not UTF-8 are shown replaced; validation then rejects such rows.
        fixed = bytes(data).decode("utf-8", "replace").encode("utf-8")
        table = _parse_utf8(fixed, names, wanted, one_chunk)
    return table.rename_columns(list(positions))


def _parse_utf8(data: bytes | memoryview, names: list[str], types: dict[str, Any],
                one_chunk: bool = False) -> pa.Table:
    if len(data) == 0:
        return pa.table({c: pa.array([], t) for c, t in types.items()})
    # Large blocks: each block brings its own dictionary of store ids, and
    # unifying hundreds of them grew faster than the file. `one_chunk` (a caller
    # that parses several pieces at once) makes the whole text one block, parsed
    # by this thread: one dictionary, nothing to unify.
    block = min(len(data) + 1, 1 << 30) if one_chunk else 16 << 20
    return pcsv.read_csv(
        pa.py_buffer(data),
        read_options=pcsv.ReadOptions(column_names=names, block_size=block,
                                      use_threads=not one_chunk),
        parse_options=pcsv.ParseOptions(
            delimiter=",", quote_char=False, escape_char=False, ignore_empty_lines=True
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=types,
            include_columns=list(types),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def read_table(
    src: Source, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str],
    one_chunk: bool = False,
) -> Table:
    """The file's rows, split into the wanted columns; malformed rows set aside.
    `one_chunk`: parsed by this thread alone, as one chunk (for readers of blocks in
    parallel)."""
    data = source_bytes(src)
    if data.startswith(_BOM):
        # Keep byte offsets and line numbers: blank the mark out instead of cutting it.
        data = b"   " + data[3:]
    quoted = b'"' in data
    table = _read_table_fast(data, name, wanted, dictionary, quoted, one_chunk)
    if table is None:
        table = _read_table_lines(data, name, wanted, dictionary, quoted, one_chunk)
    return table


def _read_table_fast(
    data: bytes | bytearray, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str],
    quoted: bool,
    one_chunk: bool = False,
) -> Table | None:
    """The common case, without a line model: header on line 1, then rows that are all
    well formed and short, ending with LF or CRLF, maybe with empty lines between.
    Parsed row k is then line k + 2 (or the k-th non-empty line). None otherwise."""
    first_end = data.find(b"\n")
    if first_end < 0:
        first_end = len(data)  # a header alone, no rows
    head = data[:first_end]
    head = head[:-1] if head.endswith(b"\r") and first_end < len(data) else head
    if not head.strip(b" \t"):
        return None
    positions, ncols = _header(name, head, wanted)
    start = min(first_end + 1, len(data))
    arr = np.frombuffer(data, dtype=np.uint8)
    if data.find(b"\r", start) >= 0 and not _only_crlf(arr, start):
        return None
    try:
        # From the header's "\n" on: pyarrow would drop a byte-order mark opening the
        # first row, and an empty line is skipped.
        parsed = _parse(memoryview(data)[first_end:], ncols, positions, dictionary, one_chunk)
    except pa.ArrowInvalid:  # a row with a wrong field count, or too long for a block
        return None
    table = Table(
        name=name,
        data=data,
        columns={c: parsed.column(c) for c in positions},
        read=parsed.num_rows,
        shape_rejects=empty_rejected(),
        quoted=quoted,
    )
    unterminated = int(len(data) > start and data[-1:] != b"\n")
    consecutive = parsed.num_rows == data.count(b"\n", start) + unterminated
    if consecutive:
        longest = _longest_row(parsed, ncols)
        if longest is not None:  # no line model needed
            return table if longest <= MAX_LINE_BYTES else None
    starts, ends, _ = _line_bounds(arr)
    if np.max(ends - starts, initial=0) > MAX_LINE_BYTES:
        return None
    table._bounds = (starts, ends)
    if not consecutive:
        # pyarrow skipped empty lines: rows are the non-empty lines after the header.
        rows = np.flatnonzero(ends > starts)
        table.lines = rows[rows > 0]
        if len(table.lines) != parsed.num_rows:
            return None
    return table


def _longest_row(parsed: pa.Table, ncols: int) -> int | None:
    """No less than the byte length of the longest row (without its line end): the
    longest value of each column plus the commas; None when some columns were not read."""
    if parsed.num_columns < ncols:
        return None
    longest = ncols - 1  # the commas
    for column in parsed.columns:
        values = [c.dictionary if pa.types.is_dictionary(c.type) else c for c in column.chunks]
        longest += max((pc.max(pc.binary_length(v)).as_py() or 0 for v in values), default=0)
    return longest


def _only_crlf(arr: np.ndarray, start: int) -> bool:
    """Whether every "\r" after `start` ends a line (pyarrow takes a lone one as a line end)."""
    returns = np.flatnonzero(arr[start:] == 13) + start
    following = returns + 1
    return bool(
        np.all(following < len(arr)) and np.all(arr[np.minimum(following, len(arr) - 1)] == 10)
    )


def _read_table_lines(
    data: bytes | bytearray, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str],
    quoted: bool,
    one_chunk: bool = False,
) -> Table:
    """The careful path: model every physical line, set aside rows with a wrong field count."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends, has_cr = _line_bounds(arr)
    commas = np.flatnonzero(arr == 44)
    counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    blank = _blank_lines(data, arr, starts, ends, counts)
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        raise InputError(f"{name} is empty: expected a header with columns {_expected(wanted)}")
    header = int(nonblank[0])
    positions, ncols = _header(name, data[starts[header] : ends[header]], wanted)

    data_lines = nonblank[1:]
    too_long = ends[data_lines] - starts[data_lines] > MAX_LINE_BYTES
    good = ~too_long & (counts[data_lines] == ncols - 1)
    row_lines = data_lines[good]
    bad_lines = data_lines[~good]
    # One reason per distinct field count, not per line.
    found, which = np.unique(np.where(too_long[~good], -1, counts[bad_lines] + 1),
                             return_inverse=True)
    reasons = np.array([f"line too long (over {MAX_LINE_BYTES:,} bytes)" if n < 0
                        else f"expected {ncols} fields but found {n}" for n in found.tolist()],
                       dtype=object)
    shape_rejects = pd.DataFrame(
        {
            "file": name,
            "line": bad_lines + 1,
            "reason": reasons[which] if len(bad_lines) else np.array([], dtype=object),
            "row": row_texts(data, starts[bad_lines], ends[bad_lines]),
        }
    )
    table = _parse(_clean_copy(arr, starts, ends, has_cr, row_lines), ncols, positions,
                   dictionary, one_chunk)
    if table.num_rows != len(row_lines):  # pragma: no cover - the clean copy always maps
        raise InputError(f"{name}: could not split the file into rows")
    return Table(
        name=name,
        data=data,
        columns={c: table.column(c) for c in positions},
        read=len(data_lines),
        shape_rejects=shape_rejects,
        quoted=quoted,
        lines=row_lines,
        _bounds=(starts, ends),
    )


def _clean_copy(
    arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, has_cr: np.ndarray, rows: np.ndarray
) -> bytes:
    """Exactly the given lines, "\n"-ended, with every lone "\r" (which pyarrow would take
    as a line end) replaced, so parsed row k is line rows[k]."""
    keep = np.zeros(len(starts), dtype=bool)
    keep[rows] = True
    spans = np.diff(np.append(starts, len(arr)))  # each line with its line end
    mask = np.repeat(keep, spans)
    mask[ends[keep & has_cr]] = False  # the "\r" of a "\r\n"
    if len(rows):
        # Also the "\n" before the first row (the header's at least): pyarrow would drop a
        # byte-order mark opening the first row.
        mask[starts[rows[0]] - 1] = True
    copy: bytes = arr[mask].tobytes()
    if b"\r" in copy:
        copy = copy.replace(b"\r", _LONE_CR_MARK)
    return copy


def _blank_lines(
    data: bytes | bytearray, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Lines that are empty or only spaces and tabs."""
    blank: np.ndarray = np.asarray(ends == starts)
    # Such a line has no comma, and starts and ends with a space or tab.
    maybe = np.flatnonzero(~blank & (counts == 0))
    maybe = maybe[_padding(arr[starts[maybe]]) & _padding(arr[ends[maybe] - 1])]
    lengths = ends[maybe] - starts[maybe]
    for i in maybe[lengths > MAX_LINE_BYTES]:  # few: each is a large part of the file
        blank[i] = not data[starts[i] : ends[i]].strip(b" \t")
    short = maybe[lengths <= MAX_LINE_BYTES]
    # Their bytes at once, in slices that bound the index arrays whatever the file.
    for lines in np.array_split(short, len(short) // 2048 + 1):
        lengths = ends[lines] - starts[lines]
        first = np.cumsum(lengths) - lengths
        at = np.repeat(starts[lines] - first, lengths) + np.arange(int(lengths.sum()))
        inked = np.zeros(len(lines), dtype=bool)
        inked[np.repeat(np.arange(len(lines)), lengths)[~_padding(arr[at])]] = True
        blank[lines[~inked]] = True
    return blank


def _padding(values: np.ndarray) -> np.ndarray:
    return np.asarray((values == 32) | (values == 9))
