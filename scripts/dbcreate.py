#!/usr/bin/env python3
"""Create the storemon tables if missing and load the three CSV exports.

    scripts/dbcreate.py --data-dir data/sample
    scripts/dbcreate.py --status store_status.csv --hours menu_hours.csv --timezones timezones.csv
    scripts/dbcreate.py --status newer_polls.csv --append

Polls are keyed by (store, instant): loading a file again adds nothing, and a
newer file adds only its new polls. Hours and zones of a store in the file
replace that store's earlier ones. A load is one transaction: if it fails the
database is as it was. The database is DATABASE_URL (env or .env) unless --url.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storemon_core.config import database_url, redact  # noqa: E402
from storemon_core.db import Database, create_database_if_missing  # noqa: E402
from storemon_core.exports import (  # noqa: E402
    HOURS_FILE,
    STATUS_FILE,
    TIMEZONES_FILE,
    InputError,
    format_rejections,
    load_exports,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=f"folder with {STATUS_FILE}, {HOURS_FILE}, {TIMEZONES_FILE} (any that exist)",
    )
    parser.add_argument("--status", type=Path, help=f"poll export ({STATUS_FILE})")
    parser.add_argument("--hours", type=Path, help=f"business hours export ({HOURS_FILE})")
    parser.add_argument("--timezones", type=Path, help=f"time zone export ({TIMEZONES_FILE})")
    parser.add_argument(
        "--append",
        action="store_true",
        help="add the new polls of a later export (needs --status or --data-dir)",
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="load only when the database has no polls yet"
    )
    parser.add_argument(
        "--url",
        help="SQLAlchemy database URL (default: DATABASE_URL or the SQLite file data/storemon.db)",
    )
    args = parser.parse_args(argv)
    if args.data_dir is not None:
        if not args.data_dir.is_dir():
            parser.error(f"--data-dir {args.data_dir}: no such folder")
        for attr, name in (
            ("status", STATUS_FILE),
            ("hours", HOURS_FILE),
            ("timezones", TIMEZONES_FILE),
        ):
            path = args.data_dir / name
            if getattr(args, attr) is None and path.is_file():
                setattr(args, attr, path)
    if args.status is None and args.hours is None and args.timezones is None:
        parser.error("nothing to load: give --data-dir or --status/--hours/--timezones")
    if args.append and args.status is None:
        parser.error("--append needs a poll export (--status)")
    for attr in ("status", "hours", "timezones"):
        path = getattr(args, attr)
        if path is not None and not path.is_file():
            parser.error(f"--{attr} {path}: no such file")
    return args


class Progress:
    """Prints a line per phase and per tenth of the work, not per batch."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last_tenth = -1
        self.last_kind = ""

    def __call__(self, fraction: float, phase: str) -> None:
        kind = phase.split(" ")[0]
        tenth = int(fraction * 10)
        if kind != self.last_kind or tenth != self.last_tenth:
            elapsed = time.monotonic() - self.started
            print(f"  {fraction:6.1%}  {phase}  ({elapsed:.1f} s)", flush=True)
            self.last_kind, self.last_tenth = kind, tenth


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.url or database_url()
    db = Database(url)
    print(f"Database: {redact(url)}", flush=True)
    try:
        if create_database_if_missing(url):
            print("  created the database", flush=True)
        db.create_schema()
        if args.if_empty and db.has_polls():
            summary = db.summary()
            print(
                f"Already holds {summary.polls:,} polls of {summary.stores:,} stores; "
                "nothing loaded (--if-empty)."
            )
            return 0
    except Exception as exc:
        print(f"error: cannot use the database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    started = time.monotonic()
    given = [p for p in (args.status, args.hours, args.timezones) if p is not None]
    print("Reading " + ", ".join(str(p) for p in given), flush=True)
    try:
        inputs = load_exports(args.status, args.hours, args.timezones)
    except (InputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was loaded; the database is unchanged.", file=sys.stderr)
        return 2
    for s in inputs.summaries:
        print(f"  {s.file}: {s.read:,} rows read, {s.kept:,} kept, {s.rejected:,} rejected")
    print(f"  read in {time.monotonic() - started:.1f} s", flush=True)

    print("Loading (one transaction)", flush=True)
    files = ", ".join(str(p) for p in given)
    try:
        stats = db.load(
            inputs, progress=Progress(), files=files, mode="append" if args.append else "load"
        )
    except Exception as exc:
        print(f"error: load failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("The transaction was rolled back; the database is unchanged.", file=sys.stderr)
        return 1
    finally:
        db.dispose()

    print(
        f"Loaded in {stats.seconds:.1f} s (total {time.monotonic() - started:.1f} s): "
        f"{stats.polls_added:,} new polls of {stats.polls_read:,} read, "
        f"{stats.stores_added:,} new stores, hours of {stats.hours_stores:,} stores and "
        f"zones of {stats.timezone_stores:,} stores replaced."
    )
    rejections = format_rejections(inputs)
    if rejections:
        print(f"Rejected rows ({stats.rejected:,}, kept in the database as load {stats.load_id}):")
        print(rejections)
    else:
        print("No rows rejected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
