"""`storemon report`: the uptime report of every store as CSV (docs/cli.md).

The report is counted in partitions of stores (docs/scale.md), each read and
counted alone, so memory follows --partition-stores and not the fleet; the CSV is
the same whatever the partition size. Rejected rows and progress go to standard
error, so standard output can carry the report.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import IO, TextIO

import pandas as pd

from storemon_core.cli import options
from storemon_core.cli.command import EXIT_OK, Command, CommandError, database_url_of
from storemon_core.cli.inputs import NO_USABLE_POLLS, say_what_was_read
from storemon_core.cli.options import ExportFiles
from storemon_core.cli.progress import ProgressLines
from storemon_core.config import redact
from storemon_core.partitions import PARTITION_STORES_ENV, partition_stores
from storemon_core.scale.runner import Deliver, ReportRun, counted, spooled, write_rows


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
    parser.add_argument(
        "--partition-stores",
        type=options.positive_int,
        metavar="N",
        help="count the report in partitions of at most N stores, each read alone: memory "
        f"follows N, not the fleet (default: {PARTITION_STORES_ENV}, else 50,000)",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: the partitions one after the other in this process (the default); "
        "dask: mapped over a Dask cluster, each worker reading its partitions from the "
        "database (needs pip install storemon[dask]; docs/scale.md)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: a cluster of --workers processes on this machine)",
    )
    parser.add_argument(
        "--workers",
        type=options.positive_int,
        default=2,
        metavar="N",
        help="with --engine dask and no --scheduler: how many worker processes the local "
        "cluster starts (default: 2)",
    )


def _from_exports(files: ExportFiles, as_of: pd.Timestamp | None, size: int, extended: bool,
                  progress: ProgressLines, err: TextIO, deliver: Deliver) -> ReportRun:
    from storemon_core.exports.spill import spill_exports
    from storemon_core.scale.rows import report_rows

    if files.status is None:
        raise CommandError(NO_USABLE_POLLS)
    with tempfile.TemporaryDirectory(prefix="storemon-partitions-") as folder:
        spilled = spill_exports(files.status, files.hours, files.timezones, Path(folder), size,
                                progress)
        say_what_was_read(spilled.report_of_reading(), err)
        newest = spilled.newest_poll
        if newest is None:
            raise CommandError(NO_USABLE_POLLS)
        instant = as_of if as_of is not None else newest
        with spooled() as spool:
            parts = counted(spilled.partitions,
                            lambda p: report_rows(spilled.inputs(p), instant, extended), progress)
            stores = write_rows(parts, spool, extended)
            spool.seek(0)
            deliver(spool)
        return ReportRun(stores, instant, len(spilled.partitions))


def _from_database(args: argparse.Namespace, as_of: pd.Timestamp | None, size: int,
                   progress: ProgressLines, err: TextIO, deliver: Deliver) -> ReportRun:
    # Imported here so that reading CSV files needs neither the database layer nor its drivers.
    from storemon_core.db import open_database
    from storemon_core.scale.runner import Mapper, local_mapper, stored_report

    url = database_url_of(args)
    print(f"reading database {redact(url)}", file=err, flush=True)
    progress.step("reading")
    db = open_database(url)
    mapper: Mapper = local_mapper(db, progress)
    if args.engine != "dask":
        run = stored_report(db, as_of, size, args.extended, mapper, deliver)
    else:
        from storemon_core.scale.dask_runner import ClusterError, dask_mapper

        try:
            mapper = dask_mapper(args.scheduler, args.workers, progress)
            run = stored_report(db, as_of, size, args.extended, mapper, deliver)
        except ClusterError as exc:
            raise CommandError(str(exc)) from exc
    if run is None or run.stores == 0:
        raise CommandError(
            f"the database {redact(url)} holds no polls at or before the as-of: load the "
            "exports first (storemon load --data-dir FOLDER), or give --status"
        )
    return run


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files = options.export_files(args)
    as_of = options.as_of(args)
    try:
        size = partition_stores(args.partition_stores)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.engine == "dask" and files.given:
        raise CommandError("--engine dask reads the database: its workers cannot see files "
                           "given here (load them first, or leave out --engine)")
    if args.scheduler is not None and args.engine != "dask":
        raise CommandError("--scheduler needs --engine dask")
    progress = ProgressLines(err)

    def deliver(spool: IO[str]) -> None:
        # Only a finished report is written: a failure leaves no partial file.
        progress.step("writing")
        if args.out == "-":
            shutil.copyfileobj(spool, out)
            out.flush()
        else:
            with open(args.out, "w", encoding="utf-8", newline="") as target:
                shutil.copyfileobj(spool, target)

    if files.given:
        report = _from_exports(files, as_of, size, args.extended, progress, err, deliver)
    else:
        report = _from_database(args, as_of, size, progress, err, deliver)
    where = "standard output" if args.out == "-" else args.out
    parts = f" in {report.partitions:,} partitions" if report.partitions > 1 else ""
    print(f"{report.stores:,} stores as of {report.as_of} written to {where}{parts}", file=err)
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
