"""Command line: `python -m storemon_core report ...` writes the uptime report as CSV.

The inputs are the three CSV exports, or, when no file is named, the database
(DATABASE_URL). Rejected rows and progress go to stderr so stdout can carry the report.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd

from storemon_core.exports import InputError, format_rejections, load_exports
from storemon_core.frames import Inputs

EXIT_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m storemon_core",
        description="Store uptime during business hours (see SPEC.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="write the uptime report as CSV",
        description="Write the uptime report as CSV. Without any CSV file, read the "
        "database named by DATABASE_URL (default: the SQLite file under data/).",
    )
    report.add_argument("--status", type=Path, help="store_status.csv (polls)")
    report.add_argument("--hours", type=Path, help="menu_hours.csv (business hours)")
    report.add_argument("--timezones", type=Path, help="timezones.csv")
    report.add_argument(
        "--as-of",
        help='the report instant, read as UTC, e.g. "2024-03-12 15:00:00" '
        "(default: the newest poll)",
    )
    report.add_argument(
        "--extended",
        action="store_true",
        help="add business hours, poll counts, last status and time zone per store",
    )
    report.add_argument(
        "--out", default="-", help="output CSV file, or - for standard output (the default)"
    )
    return parser


class _Progress:
    """Phase changes and a coarse percentage on stderr, throttled to stay quiet."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.phase = ""
        self.shown = -1.0

    def __call__(self, fraction: float, phase: str) -> None:
        now = time.monotonic() - self.started
        if phase != self.phase or fraction >= self.shown + 0.25:
            self.phase, self.shown = phase, fraction
            print(f"[{now:6.1f}s] {phase} ({fraction:.0%})", file=self.stream, flush=True)

    def step(self, phase: str) -> None:
        self(0.0, phase)


def _parse_as_of(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        stamp = pd.Timestamp(text)
    except ValueError as exc:
        raise InputError(f"--as-of: not a date and time: {text!r}") from exc
    if pd.isna(stamp):
        raise InputError(f"--as-of: not a date and time: {text!r}")
    if stamp.tzinfo is None:
        return stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC")


def _read_database(as_of: pd.Timestamp | None, err: TextIO) -> Inputs:
    # Imported here so the CSV path works without the database layer and its drivers.
    from storemon_core.config import database_url, redact
    from storemon_core.db import open_database

    url = database_url()
    print(f"reading database {redact(url)}", file=err, flush=True)
    return open_database(url).read_inputs(as_of)


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from storemon_core.engine.uptime import uptime_report
    from storemon_core.output.report_csv import report_csv

    progress = _Progress(err)
    as_of = _parse_as_of(args.as_of)
    if args.status is None and args.hours is None and args.timezones is None:
        progress.step("reading")
        inputs = _read_database(as_of, err)
    else:
        inputs = load_exports(args.status, args.hours, args.timezones, progress=progress)
        for summary in inputs.summaries:
            print(
                f"{summary.file}: {summary.kept:,} rows kept, {summary.rejected:,} rejected",
                file=err,
            )
        rejections = format_rejections(inputs)
        if rejections:
            print(rejections, file=err)
    if len(inputs.polls) == 0:
        raise InputError("no usable polls: nothing to report (give --status store_status.csv)")

    report = uptime_report(
        inputs.polls, inputs.business_hours, inputs.timezones, as_of, progress=progress
    )
    progress.step("writing")
    text = report_csv(report, extended=args.extended)
    if args.out == "-":
        out.write(text)
        out.flush()
    else:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
    used = report.attrs.get("as_of")
    print(
        f"{len(report):,} stores as of {used} written to "
        f"{'standard output' if args.out == '-' else args.out}",
        file=err,
    )
    return 0


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (2 when nothing usable could be read)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        return _report(args, out, err)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader of standard output went away (e.g. `| head`): nothing more to say.
        return 1
    except OSError as exc:  # a missing or unreadable file
        print(f"error: {exc}", file=err)
        return EXIT_INPUT
