"""Where an export's bytes come from: a path, bytes, or a file-like object (an upload).

Also the name to show for a source, and the one error a loader raises: InputError,
for a file that cannot be read at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes] | IO[str]


class InputError(ValueError):
    """A file that cannot be read at all: empty, or its header lacks a needed column."""


def source_bytes(src: Source) -> bytes | bytearray:
    """The whole content of a source; text is encoded as UTF-8."""
    if isinstance(src, (bytes, bytearray)):
        return src  # a bytearray (a block of a big export) is read as it is, not copied
    if isinstance(src, (str, os.PathLike)):
        return Path(src).read_bytes()
    getvalue = getattr(src, "getvalue", None)  # BytesIO, StringIO, Streamlit's UploadedFile
    data: Any = getvalue() if callable(getvalue) else src.read()
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def source_name(src: Source | None, default: str) -> str:
    """The file name to show for a source: its base name, or the default."""
    if isinstance(src, (str, os.PathLike)):
        return Path(src).name
    name = getattr(src, "name", None)
    if isinstance(name, str) and name:
        return os.path.basename(name)
    return default
