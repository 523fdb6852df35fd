"""`storemon report`: the uptime report of every store as CSV (docs/cli.md).

Rejected rows and progress go to standard error, so standard output can carry
the report.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from storemon_core.cli import options
from storemon_core.cli.command import EXIT_OK, Command
from storemon_core.cli.inputs import read_inputs
from storemon_core.cli.progress import ProgressLines


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_export_files(parser)
    options.add_database(parser)
    options.add_as_of(parser)
    parser.add_argument(
        "--extended",
        action="store_true",
        help="write the extended report: the seven columns, then business hours, in-hours "
        "polls, last status, last poll and time zone per store (docs/formats.md)",
    )
    options.add_out(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from storemon_core.engine.uptime import uptime_report
    from storemon_core.output.report_csv import report_csv

    files = options.export_files(args)
    as_of = options.as_of(args)
    progress = ProgressLines(err)
    inputs = read_inputs(args, files, as_of, progress, err)
    report = uptime_report(
        inputs.polls, inputs.business_hours, inputs.timezones, as_of, progress=progress
    )
    progress.step("writing")
    text = report_csv(report, extended=args.extended)
    where = options.write_out(args, text, out)
    print(f"{len(report):,} stores as of {report.attrs.get('as_of')} written to {where}", file=err)
    return EXIT_OK


COMMAND = Command(
    name="report",
    summary="write the uptime report as CSV",
    description="Write the uptime report (uptime and downtime in business hours over the "
    "last hour, day and week) of every store as CSV. The inputs are the CSV exports "
    "given by --data-dir or --status/--hours/--timezones; without any, the database "
    "(--url, else DATABASE_URL).",
    configure=configure,
    run=run,
)
