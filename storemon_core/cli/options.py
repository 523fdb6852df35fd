"""Flags that several subcommands share, defined once: the export files, the
database, the as-of instant, the CSV to write, and whole numbers that must be positive."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd

from storemon_core.cli.command import CommandError
from storemon_core.exports import HOURS_FILE, STATUS_FILE, TIMEZONES_FILE
from storemon_core.instants import RANGE_TEXT, as_utc_instant


@dataclass(frozen=True)
class ExportFiles:
    """The export files a command was given; None where a file was not given."""

    status: Path | None
    hours: Path | None
    timezones: Path | None

    @property
    def given(self) -> list[Path]:
        return [p for p in (self.status, self.hours, self.timezones) if p is not None]


def add_export_files(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="FOLDER",
        help=f"a folder holding the exports: {STATUS_FILE}, {HOURS_FILE} and "
        f"{TIMEZONES_FILE}, each used when present (a file named by its own flag wins)",
    )
    parser.add_argument(
        "--status", type=Path, metavar="FILE", help=f"the poll export ({STATUS_FILE})"
    )
    parser.add_argument(
        "--hours", type=Path, metavar="FILE", help=f"the business-hours export ({HOURS_FILE})"
    )
    parser.add_argument(
        "--timezones", type=Path, metavar="FILE", help=f"the time-zone export ({TIMEZONES_FILE})"
    )


def export_files(args: argparse.Namespace) -> ExportFiles:
    """The files given by --status/--hours/--timezones, completed from --data-dir."""
    chosen: dict[str, Path | None] = {}
    folder: Path | None = args.data_dir
    if folder is not None and not folder.is_dir():
        raise CommandError(f"--data-dir {folder}: no such folder")
    for flag, name in (("status", STATUS_FILE), ("hours", HOURS_FILE),
                       ("timezones", TIMEZONES_FILE)):
        path: Path | None = getattr(args, flag)
        if path is None and folder is not None and (folder / name).is_file():
            path = folder / name
        if path is not None and not path.is_file():
            raise CommandError(f"--{flag} {path}: no such file")
        chosen[flag] = path
    if folder is not None and not any(chosen.values()):
        raise CommandError(
            f"--data-dir {folder}: holds none of {STATUS_FILE}, {HOURS_FILE}, {TIMEZONES_FILE}"
        )
    return ExportFiles(chosen["status"], chosen["hours"], chosen["timezones"])


def add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        metavar="URL",
        help="the database, as an SQLAlchemy URL (default: DATABASE_URL from the "
        "environment or .env, else the SQLite file data/storemon.db)",
    )


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="INSTANT",
        help='the instant the report is for ("now"), e.g. "2024-03-12 15:00:00" or '
        f"2024-03-12T10:00:00-05:00; without an offset it is UTC; within {RANGE_TEXT} "
        "(default: the newest poll)",
    )


def as_of(args: argparse.Namespace) -> pd.Timestamp | None:
    text: str | None = args.as_of
    return None if text is None else as_utc_instant(text, what="--as-of")


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default="-",
        metavar="FILE",
        help="where to write the CSV; - is standard output (the default)",
    )


def write_out(args: argparse.Namespace, text: str, out: TextIO) -> str:
    """Write `text` where --out says; returns where that is, for people."""
    if args.out == "-":
        out.write(text)
        out.flush()
        return "standard output"
    Path(args.out).write_text(text, encoding="utf-8", newline="")
    return str(args.out)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
