"""Physical lines of an export: find the header, split the rows into fields.

Rows are lines; a row whose field count differs from the header's is set aside
here, with its line number. Everything is vectorised for poll exports of millions
of lines: a well-formed file goes straight to pyarrow's CSV reader, and only a
file with blank or malformed lines gets a line model (numpy: where each line
starts and ends, how many commas it has), from which a clean copy of the
well-formed rows is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from storemon_core.exports.fields import clean
from storemon_core.exports.sources import InputError, Source, source_bytes
from storemon_core.frames import empty_rejected

_BOM = b"\xef\xbb\xbf"


@dataclass
class Table:
    """The fields of a file's well-formed rows, with where each came from."""

    name: str
    data: bytes
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
        return [self.data[starts[i] : ends[i]].decode("utf-8", "replace") for i in lines]


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Start and end (without "\n" or a trailing "\r") of each physical line."""
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    if starts[-1] == len(arr):  # file ends with "\n": no line after it
        starts, ends = starts[:-1], ends[:-1]
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - has_cr, int(np.count_nonzero(has_cr))


def _header_fields(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    return [clean(f) for f in text.split(",")]


def _match_header(
    name: str, fields: list[str], wanted: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Position of each wanted column; aliases are matched ignoring case."""
    lowered = [f.lower() for f in fields]
    found: dict[str, int] = {}
    missing: list[str] = []
    for canonical, aliases in wanted.items():
        hits = [i for i, f in enumerate(lowered) if f in {a.lower() for a in aliases}]
        if len(hits) != 1:
            missing.append(" or ".join(aliases) + (" (more than once)" if hits else ""))
        else:
            found[canonical] = hits[0]
    if missing:
        expected = ", ".join(" or ".join(a) for a in wanted.values())
        raise InputError(
            f"{name}: the header lacks {'; '.join(missing)}. "
            f"Expected columns: {expected}; found: {', '.join(fields) or '(nothing)'}"
        )
    return found


_DICT = pa.dictionary(pa.int32(), pa.string())


def _parse(
    data: bytes | memoryview, ncols: int, positions: dict[str, int], dictionary: set[str]
) -> pa.Table:
    """Split rows with pyarrow; raises pa.ArrowInvalid on a row with a wrong field count."""
    names = [f"c{i}" for i in range(ncols)]
    wanted = {
        f"c{pos}": (_DICT if c in dictionary else pa.string()) for c, pos in positions.items()
    }
    try:
        table = _parse_utf8(data, names, wanted)
    except pa.ArrowInvalid as exc:
        if "utf8" not in str(exc).lower():
            raise
        # Bytes that are not UTF-8 are shown replaced; validation then rejects such rows.
        fixed = bytes(data).decode("utf-8", "replace").encode("utf-8")
        table = _parse_utf8(fixed, names, wanted)
    return table.rename_columns(list(positions))


def _parse_utf8(data: bytes | memoryview, names: list[str], types: dict[str, Any]) -> pa.Table:
    if len(data) == 0:
        return pa.table({c: pa.array([], t) for c, t in types.items()})
    return pcsv.read_csv(
        pa.py_buffer(data),
        # Large blocks: each block brings its own dictionary of store ids, and
        # unifying hundreds of them grew faster than the file.
        read_options=pcsv.ReadOptions(column_names=names, block_size=16 << 20),
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
    src: Source, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str]
) -> Table:
    """The file's rows, split into the wanted columns; malformed rows set aside."""
    data = source_bytes(src)
    if data.startswith(_BOM):
        # Keep byte offsets and line numbers: blank the mark out instead of cutting it.
        data = b"   " + data[3:]
    quoted = b'"' in data
    first_end = data.find(b"\n")
    head = data if first_end < 0 else data[:first_end]
    if head.strip():
        # The common case: header on line 1, no blank lines, every row well formed, CRLF or
        # LF. Then parsed row k is line k + 2 and no line model is needed.
        positions = _match_header(name, _header_fields(head), wanted)
        ncols = len(_header_fields(head))
        start = len(data) if first_end < 0 else first_end + 1
        arr = np.frombuffer(data, dtype=np.uint8)
        if data.find(b"\r", start) < 0 or _only_crlf(arr, start):
            try:
                table = _parse(memoryview(data)[start:], ncols, positions, dictionary)
            except pa.ArrowInvalid:
                table = None
            if table is not None:
                common = Table(
                    name=name,
                    data=data,
                    columns={c: table.column(c) for c in positions},
                    read=table.num_rows,
                    shape_rejects=empty_rejected(),
                    quoted=quoted,
                )
                unterminated = int(len(data) > start and data[-1:] != b"\n")
                if table.num_rows == data.count(b"\n", start) + unterminated:
                    return common
                # pyarrow skipped empty lines: rows are the non-empty lines after the header.
                starts, ends, _ = _line_bounds(arr)
                rows = np.flatnonzero(ends > starts)
                rows = rows[rows > 0]
                if len(rows) == table.num_rows:
                    common.lines, common._bounds = rows, (starts, ends)
                    return common
    return _read_table_lines(data, name, wanted, dictionary, quoted)


def _only_crlf(arr: np.ndarray, start: int) -> bool:
    """Whether every "\r" after `start` ends a line (pyarrow takes a lone one as a line end)."""
    returns = np.flatnonzero(arr[start:] == 13) + start
    following = returns + 1
    return bool(
        np.all(following < len(arr)) and np.all(arr[np.minimum(following, len(arr) - 1)] == 10)
    )


def _read_table_lines(
    data: bytes, name: str, wanted: dict[str, tuple[str, ...]], dictionary: set[str], quoted: bool
) -> Table:
    """The careful path: model every physical line, set aside rows with a wrong field count."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends, _ = _line_bounds(arr)
    commas = np.flatnonzero(arr == 44)
    counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    blank = ends == starts
    # Lines of spaces only are blank too; only comma-free lines can be.
    for i in np.flatnonzero(~blank & (counts == 0)):
        blank[i] = not data[starts[i] : ends[i]].strip()
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        expected = ", ".join(" or ".join(a) for a in wanted.values())
        raise InputError(f"{name} is empty: expected a header with columns {expected}")
    header = int(nonblank[0])
    fields = _header_fields(data[starts[header] : ends[header]])
    positions = _match_header(name, fields, wanted)
    ncols = len(fields)

    data_lines = nonblank[1:]
    good = counts[data_lines] == ncols - 1
    row_lines = data_lines[good]
    bad_lines = data_lines[~good]
    shape_rejects = pd.DataFrame(
        {
            "file": name,
            "line": bad_lines + 1,
            "reason": [f"expected {ncols} fields but found {n + 1}" for n in counts[bad_lines]],
            "row": [data[starts[i] : ends[i]].decode("utf-8", "replace") for i in bad_lines],
        }
    )
    # A clean copy of exactly the well-formed rows, "\n"-ended and without any "\r" (which
    # pyarrow would take as a line end), so parsed row k is row_lines[k].
    keep = np.zeros(len(starts), dtype=bool)
    keep[row_lines] = True
    mask = np.repeat(keep, np.diff(np.append(starts, len(arr)))) & (arr != 13)
    table = _parse(arr[mask].tobytes(), ncols, positions, dictionary)
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
