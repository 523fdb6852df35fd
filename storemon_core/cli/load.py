"""`storemon load`: create the tables if missing and load the CSV exports (docs/operations.md).

Polls are keyed by (store, instant): loading a file again adds nothing, and a
newer file adds only its new polls. Hours and zones of a store in the files
replace that store's earlier ones. A load is one transaction: if it fails, the
database is as it was.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.exc import OperationalError

from storemon_core.cli import options
from storemon_core.cli.command import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    Command,
    CommandError,
    database_url_of,
)
from storemon_core.cli.inputs import read_files
from storemon_core.cli.options import ExportFiles
from storemon_core.cli.progress import ProgressLines
from storemon_core.config import redact
from storemon_core.db.errors import DatabaseUnavailable, unavailable
from storemon_core.exports import InputError

if TYPE_CHECKING:
    from storemon_core.db import LoadStats


def add_if_empty(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the database already holds polls (for first-run scripts)",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_export_files(parser)
    parser.add_argument(
        "--append",
        action="store_true",
        help="the poll export is a later one: add its new polls (needs a poll export; "
        "polls already loaded are skipped either way)",
    )
    add_if_empty(parser)
    options.add_database(parser)


def load_files(
    url: str,
    exports: Callable[[], ExportFiles],
    out: TextIO,
    err: TextIO,
    *,
    append: bool,
    if_empty: bool,
) -> int:
    """Load the files `exports()` names into the database at `url`, saying what
    happens on `out`. With `if_empty`, a database that holds polls is left alone
    and `exports` is never called."""
    from storemon_core.db import Database, create_database_if_missing

    print(f"Database: {redact(url)}", file=out, flush=True)
    if create_database_if_missing(url):
        print("  created the database", file=out, flush=True)
    db = Database(url)
    try:
        db.create_schema()
        if if_empty and db.has_polls():
            summary = db.summary()
            print(f"Already holds {summary.polls:,} polls of {summary.stores:,} stores; "
                  "nothing loaded (--if-empty).", file=out)
            return EXIT_OK

        files = exports()
        started = time.monotonic()
        print("Reading " + ", ".join(str(p) for p in files.given), file=out, flush=True)
        progress = ProgressLines(out)
        try:
            inputs = read_files(files, progress, out)
        except (InputError, OSError) as exc:
            print(f"error: {exc}", file=err)
            print("Nothing was loaded; the database is unchanged.", file=err)
            return EXIT_INPUT
        print(f"  read in {time.monotonic() - started:.1f} s", file=out, flush=True)

        print("Loading (one transaction)", file=out, flush=True)
        try:
            stats = db.load(inputs, progress=progress,
                            files=", ".join(str(p) for p in files.given),
                            mode="append" if append else "load")
        except (DatabaseUnavailable, OperationalError) as exc:
            failure = exc if isinstance(exc, DatabaseUnavailable) else unavailable(url, exc)
            print(f"error: load failed: {failure}", file=err)
            print("The transaction was rolled back; the database is unchanged.", file=err)
            return EXIT_FAILED
        except Exception as exc:
            print(f"error: load failed: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                  file=err)
            print("The transaction was rolled back; the database is unchanged.", file=err)
            return EXIT_FAILED
    finally:
        db.dispose()

    print(
        f"Loaded in {stats.seconds:.1f} s (total {time.monotonic() - started:.1f} s): "
        f"{stats.polls_added:,} new polls of {stats.polls_read:,} read, "
        f"{stats.stores_added:,} new stores, hours of {stats.hours_stores:,} stores and "
        f"zones of {stats.timezone_stores:,} stores replaced.",
        file=out,
    )
    if stats.rejected:
        print(f"Rejected rows ({stats.rejected:,}) are kept in the database as load "
              f"{stats.load_id}.", file=out)
    else:
        print("No rows rejected.", file=out)
    return report_after(url, stats, out, err)


def report_after(url: str, stats: LoadStats, out: TextIO, err: TextIO) -> int:
    """The reports that follow a load that changed the data (STOREMON_AUTO_REPORT),
    waited for here: the process ends with the load, and so would its reports."""
    from storemon_core.db import Database
    from storemon_core.service import ReportService, ReportStatus, autoreport

    db = Database(url)
    service = ReportService(db)
    failed = False
    try:
        after = autoreport.reports_after_load(service, stats)
        if after is None:
            return EXIT_OK
        print(f"Report {after.report_id} as of the newest poll: running", file=out, flush=True)
        for report_id in after.period_ids:
            print(f"Period report {report_id} for the Trends page: running", file=out,
                  flush=True)
        for report_id in after.all_ids:
            state = service.wait(report_id)
            if state is None or state.status != ReportStatus.COMPLETE:
                print(f"error: report {report_id} after the load failed: "
                      f"{state.error if state else 'lost'}", file=err)
                failed = True
                continue
            period = (f" {state.first:%Y-%m-%d} … {state.last:%Y-%m-%d}"
                      if state.is_period else "")
            print(f"Report {report_id}{period}: complete ({state.as_of})", file=out)
    finally:
        service.shutdown()
        db.dispose()
    return EXIT_FAILED if failed else EXIT_OK


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files = options.export_files(args)
    if not files.given:
        raise CommandError("nothing to load: give --data-dir or --status/--hours/--timezones")
    if args.append and files.status is None:
        raise CommandError("--append needs a poll export (--status, or --data-dir with "
                           "store_status.csv)")
    return load_files(database_url_of(args), lambda: files, out, err,
                      append=args.append, if_empty=args.if_empty)


COMMAND = Command(
    name="load",
    summary="load the CSV exports into the database",
    description="Create the storemon tables if missing and load the CSV exports into the "
    "database (--url, else DATABASE_URL). Polls already present are skipped, so a load "
    "can be repeated; the hours and zones of a store in the files replace its earlier "
    "ones. Rows that cannot be read are listed and kept aside; every good row loads. A "
    "load is one transaction: if it fails, the database is as it was.",
    configure=configure,
    run=run,
)
