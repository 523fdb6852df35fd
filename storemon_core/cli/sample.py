"""`storemon sample`: write a realistic, deterministic set of the three exports,
and load it into the database on request (docs/cli.md)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TextIO

from storemon_core.cli import options
from storemon_core.cli.command import EXIT_OK, Command, CommandError, database_url_of
from storemon_core.cli.load import add_if_empty, load_files
from storemon_core.cli.options import ExportFiles
from storemon_core.instants import as_utc_instant
from storemon_core.sample.generate import DEFAULT_END, generate_exports, write_exports
from storemon_core.sample.real_exports import REAL_2023, REAL_DATA_ENV, available

DEFAULT_DAYS = 35
DEFAULT_STORES = 200


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("data/sample"), metavar="FOLDER",
        help="the folder to write store_status.csv, menu_hours.csv and timezones.csv "
        "into (default: %(default)s)",
    )
    parser.add_argument(
        "--stores", type=options.positive_int, default=DEFAULT_STORES, metavar="N",
        help="how many stores (default: %(default)s)",
    )
    parser.add_argument(
        "--days", type=options.positive_int, default=DEFAULT_DAYS, metavar="N",
        help="how many days of polls, ending at --end (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N",
        help="the random seed: the same flags give the same files (default: %(default)s)",
    )
    parser.add_argument(
        "--end", default=str(DEFAULT_END.tz_localize(None)), metavar="INSTANT",
        help="the newest poll's latest instant, UTC (default: %(default)s, so that the "
        "last week holds the US fall-back night)",
    )
    parser.add_argument(
        "--real-dir", default="auto", metavar="FOLDER",
        help="a folder with real menu_hours.csv and timezones.csv to take most stores' "
        "hours and zones from; 'auto' uses the 2023 real exports when this checkout has "
        f"them ({REAL_DATA_ENV}), 'none' makes every store synthetic (default: auto)",
    )
    parser.add_argument(
        "--load", action="store_true",
        help="then load the files into the database, as `storemon load --data-dir` does",
    )
    add_if_empty(parser)
    options.add_database(parser)


def _real_dir(choice: str) -> Path | None:
    if choice == "none":
        return None
    if choice == "auto":
        return REAL_2023 if available(REAL_2023) else None
    path = Path(choice)
    if not (path / "menu_hours.csv").is_file() or not (path / "timezones.csv").is_file():
        raise CommandError(f"--real-dir {path}: menu_hours.csv and timezones.csv not found")
    return path


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.if_empty and not args.load:
        raise CommandError("--if-empty goes with --load")
    end = as_utc_instant(args.end, what="--end")
    source = _real_dir(args.real_dir)

    def write_sample() -> ExportFiles:
        started = time.perf_counter()
        exports = generate_exports(args.stores, args.days, args.seed, end, source)
        paths = write_exports(args.out, exports)
        print(
            f"{exports.store_ids.size:,} stores, {exports.poll_count:,} polls over "
            f"{args.days} days, {len(exports.menu_hours):,} hours rows, "
            f"{len(exports.timezones):,} zone rows ("
            + (f"real hours and zones from {source}" if source else "all synthetic")
            + f") in {time.perf_counter() - started:.1f} s -> {args.out}",
            file=err,
        )
        for path in paths.values():
            print(path, file=out)
        return ExportFiles(paths["status"], paths["hours"], paths["timezones"])

    if not args.load:
        write_sample()
        return EXIT_OK
    # With --if-empty, nothing is generated when the database holds polls, so that
    # a second `make run` starts at once.
    return load_files(database_url_of(args), write_sample, out, err,
                      append=False, if_empty=args.if_empty)


COMMAND = Command(
    name="sample",
    summary="write a sample set of the three exports (and load it)",
    description="Write a realistic set of the three exports: about one poll an hour per "
    "store with jitter, missed polls, outages of several polls, stores that join late or "
    "stop early, and business hours of every shape (split, overnight, whole-day, closed "
    "weekdays, none). The same flags always give the same files.",
    configure=configure,
    run=run,
)
