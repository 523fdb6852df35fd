#!/usr/bin/env python3
"""Database benchmark at production scale (14k stores, ~2M polls over 9 days).

Prints: CSV parse time; load, reload and append into MariaDB (and SQLite); the
plain read of the week's polls with pymysql and with connectorx; the full
report from MySQL (read + engine + CSV) against the fastest plain read (goal:
at most 2x). Set STOREMON_BENCH_MYSQL_URL to use another server.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from storemon_core.db import Database, create_database_if_missing, timestamp_to_us
from storemon_core.db.columns import READER_ENV, read_with_connectorx, read_with_driver
from storemon_core.db.reads import _week_polls
from storemon_core.engine.uptime import uptime_report
from storemon_core.exports import load_exports
from storemon_core.frames import Inputs
from storemon_core.output.report_csv import report_csv
from storemon_core.sample.generate import generate_exports, write_exports
from storemon_core.sample.real_exports import REAL_2023, real_dir_or_none
from storemon_core.units import US_PER_WEEK as WEEK_US

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/storemon_bench"
WEEK_SQL = "SELECT store_key, ts, active FROM polls WHERE ts >= {start} AND ts <= {end}"
T = TypeVar("T")


def timed(label: str, fn: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """Best of `repeat` runs; prints and returns (result, seconds)."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<52} {best:8.2f} s", flush=True)
    return result, best


def report_from(db: Database, as_of: Any) -> str:
    inputs = db.read_inputs(as_of)
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones, as_of=as_of)
    return report_csv(report) + report_csv(report, extended=True)


def engine_only(inputs: Inputs, as_of: Any) -> str:
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones, as_of=as_of)
    return report_csv(report) + report_csv(report, extended=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the reads")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    # A private folder: the exports and the SQLite file are big and thrown away after.
    out = Path(tempfile.mkdtemp(prefix="storemon_dbbench_"))
    print(f"Data set: {args.stores:,} stores, {args.days} days -> {out}")
    exports, _ = timed(
        "generate exports",
        lambda: generate_exports(
            stores=args.stores,
            days=args.days,
            seed=2023,
            real_dir=real_dir_or_none(REAL_2023),
        ),
    )
    # The newest tenth of a day is held back to measure an hourly append.
    cut_us = int(exports.poll_time_us.max()) - 3_600_000_000
    paths, _ = timed("write CSV files", lambda: write_exports(out, exports))
    inputs, _ = timed(
        "parse CSV exports (loader)",
        lambda: load_exports(paths["status"], paths["hours"], paths["timezones"]),
    )
    polls = inputs.polls
    print(f"  polls: {len(polls):,}   stores: {polls['store_id'].nunique():,}")
    ts_us = polls["timestamp_utc"].astype("int64").to_numpy()
    older = Inputs(
        polls=polls[ts_us <= cut_us].reset_index(drop=True),
        business_hours=inputs.business_hours,
        timezones=inputs.timezones,
    )
    newer = Inputs(polls=polls[ts_us > cut_us].reset_index(drop=True))
    as_of = polls["timestamp_utc"].max()
    as_of_us = timestamp_to_us(as_of)

    print("Engine on the CSV frames (for reference)")
    reference, _ = timed("uptime_report + both CSVs", lambda: engine_only(inputs, as_of))

    url = os.environ.get("STOREMON_BENCH_MYSQL_URL", DEFAULT_MYSQL)
    print(f"MySQL: {url.split('@')[-1]}")
    create_database_if_missing(url)
    db = Database(url)
    db.clear()
    stats, load_s = timed("load all but the last hour (one transaction)", lambda: db.load(older))
    print(f"    {stats.polls_added:,} polls, {stats.polls_added / load_s:,.0f} polls/s")
    timed("append the last hour", lambda: db.load(newer, mode="append"))
    again, _ = timed("reload the whole set (no-op)", lambda: db.load(inputs))
    assert again.polls_added == 0, again

    print("Plain read of the week's polls (store_key, ts, active)")
    sql = WEEK_SQL.format(start=as_of_us - WEEK_US, end=as_of_us)
    names = ["store_key", "ts", "active"]

    def with_pymysql() -> int:
        with db.read() as conn:
            return len(read_with_driver(conn, sql, names)["ts"])

    rows, pymysql_s = timed("pymysql (fetchall)", with_pymysql, args.repeat)
    _, cx_s = timed(
        "connectorx (to Arrow)",
        lambda: len(read_with_connectorx(url, sql, names)["ts"]),
        args.repeat,
    )
    print(f"    {rows:,} rows")
    plain = min(pymysql_s, cx_s)

    def frames() -> Inputs:
        return db.read_inputs(as_of)

    timed("read_inputs (week + older stores + hours + zones)", frames, args.repeat)
    with db.read() as conn:
        timed(
            "  of which the week's polls",
            lambda: _week_polls(url, conn, as_of_us - WEEK_US, as_of_us),
        )
    text, report_s = timed(
        "full report from MySQL (read + engine + CSVs)", lambda: report_from(db, as_of), args.repeat
    )
    assert text == reference, "report from MySQL differs from the CSV path"
    print(f"  report / fastest plain read = {report_s / plain:.2f}x (goal <= 2x)")
    os.environ[READER_ENV] = "driver"
    timed("full report from MySQL with pymysql reads", lambda: report_from(db, as_of))
    del os.environ[READER_ENV]
    db.dispose()

    if not args.skip_sqlite:
        path = out / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        lite = Database(f"sqlite:///{path}")
        print(f"SQLite: {path}")
        timed("load all (one transaction)", lambda: lite.load(inputs))
        timed("reload (no-op)", lambda: lite.load(inputs))
        timed("read_inputs", lambda: lite.read_inputs(as_of), args.repeat)
        text, _ = timed("full report from SQLite", lambda: report_from(lite, as_of), args.repeat)
        assert text == reference, "report from SQLite differs from the CSV path"
        lite.dispose()
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
