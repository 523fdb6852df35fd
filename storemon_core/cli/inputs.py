"""Reading the CSV exports a command was given, and saying what was read and rejected."""

from __future__ import annotations

from typing import TextIO

from storemon_core.cli.options import ExportFiles
from storemon_core.cli.progress import ProgressLines
from storemon_core.exports import format_rejections, load_exports
from storemon_core.frames import Inputs

NO_USABLE_POLLS = "no usable polls: nothing to report (give --status store_status.csv)"


def read_files(files: ExportFiles, progress: ProgressLines, stream: TextIO) -> Inputs:
    """Read the given exports; say per file what was kept and which rows were rejected."""
    inputs = load_exports(files.status, files.hours, files.timezones, progress=progress)
    say_what_was_read(inputs, stream)
    return inputs


def say_what_was_read(inputs: Inputs, stream: TextIO) -> None:
    """Per file what was kept, and which rows were rejected."""
    for s in inputs.summaries:
        print(f"  {s.file}: {s.read:,} rows read, {s.kept:,} kept, {s.rejected:,} rejected",
              file=stream)
    rejections = format_rejections(inputs)
    if rejections:
        print(rejections, file=stream)
