"""The inputs a command works on: the CSV exports it was given (saying what was read
and rejected), else the database."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from storemon_core.cli.command import CommandError, database_url_of
from storemon_core.cli.options import ExportFiles
from storemon_core.cli.progress import ProgressLines
from storemon_core.config import redact
from storemon_core.exports import format_rejections, load_exports
from storemon_core.frames import Inputs

if TYPE_CHECKING:
    from storemon_core.db import Database

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


def read_polls_files(files: ExportFiles, progress: ProgressLines, stream: TextIO) -> Inputs:
    """The given exports, which must hold at least one usable poll."""
    inputs = read_files(files, progress, stream)
    if len(inputs.polls) == 0:
        raise CommandError(NO_USABLE_POLLS)
    return inputs


def open_source_database(args: argparse.Namespace, err: TextIO) -> Database:
    """The database of --url or DATABASE_URL, said on `err`."""
    # Imported here so that reading CSV files needs neither the database layer nor its drivers.
    from storemon_core.db import open_database

    url = database_url_of(args)
    print(f"reading database {redact(url)}", file=err, flush=True)
    return open_database(url)


def no_polls_in(db: Database) -> CommandError:
    return CommandError(
        f"the database {redact(db.url)} holds no polls at or before the as-of: load the "
        "exports first (storemon load --data-dir FOLDER), or give --status"
    )


def read_inputs(
    args: argparse.Namespace,
    files: ExportFiles,
    as_of: pd.Timestamp | None,
    progress: ProgressLines,
    err: TextIO,
) -> Inputs:
    """Polls, hours and zones from the files when any is given, else from the database.

    Fails when there is no poll to count."""
    if files.given:
        return read_polls_files(files, progress, err)
    db = open_source_database(args, err)
    progress.step("reading")
    inputs = db.read_inputs(as_of)
    if len(inputs.polls) == 0:
        raise no_polls_in(db)
    return inputs
