"""`storemon history`: every store's period of local dates, day by day or in
total, as CSV (docs/cli.md, docs/formats.md "History").

Like `report`, progress goes to standard error so that standard output can
carry the CSV.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from storemon_core.cli import options
from storemon_core.cli.command import EXIT_OK, Command
from storemon_core.cli.inputs import no_polls_in, open_source_database, read_polls_files
from storemon_core.cli.progress import ProgressLines
from storemon_core.engine.period import MAX_PERIOD_DAYS


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--first", required=True, metavar="YYYY-MM-DD",
        help="the period's first local date (each store's own time zone)",
    )
    parser.add_argument(
        "--last", required=True, metavar="YYYY-MM-DD",
        help=f"the period's last local date, included; at most {MAX_PERIOD_DAYS} days "
        "from --first",
    )
    options.add_as_of(parser)
    parser.add_argument(
        "--totals", action="store_true",
        help="write one row per store for the whole period instead of one per store and date",
    )
    options.add_export_files(parser)
    options.add_database(parser)
    options.add_out(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from storemon_core.engine.history import History, history
    from storemon_core.engine.period import dates_of
    from storemon_core.output.history_csv import daily_csv, period_csv

    # The dates are refused before any file or database is read.
    dates_of(args.first, args.last)
    files = options.export_files(args)
    as_of = options.as_of(args)
    progress = ProgressLines(err)
    result: History
    if files.given:
        inputs = read_polls_files(files, progress, err)
        result = history(inputs.polls, inputs.business_hours, inputs.timezones,
                         args.first, args.last, as_of, progress)
    else:
        from storemon_core.db.history import read_history

        db = open_source_database(args, err)
        if not db.has_polls():
            raise no_polls_in(db)
        result = read_history(db, args.first, args.last, as_of, progress)
    progress.step("writing")
    text = period_csv(result.totals) if args.totals else daily_csv(result.daily)
    where = options.write_out(args, text, out)
    period = result.period
    print(f"{len(result.totals):,} stores, {period.first} … {period.last} as of "
          f"{period.as_of}, written to {where}", file=err)
    return EXIT_OK


COMMAND = Command(
    name="history",
    summary="write a period's history (day by day, or per store) as CSV",
    description="Write every store's uptime, downtime and unobserved time in business "
    "hours over the local dates --first … --last, one row per store and date (or, with "
    "--totals, per store). The inputs are the CSV exports given by --data-dir or "
    "--status/--hours/--timezones; without any, the database (--url, else DATABASE_URL).",
    configure=configure,
    run=run,
)
