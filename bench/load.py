#!/usr/bin/env python3
"""Load on the real server: concurrent /trigger_report requests and page views.

For each database (a temporary SQLite file, and MySQL from STOREMON_BENCH_MYSQL_URL),
loads generated exports (14,000 stores by default; real 2023 hours and zones when
the real exports are here), starts `streamlit run streamlit_app.py` on a free
loopback port, fires the triggers at the same moment while page views run, and
waits for every report. Checks that each report is Complete with the very CSV the
engine gives for the same inputs; prints wall time, reports per second, page-view
times and the server process's peak resident set. The server computes at most
STOREMON_REPORT_WORKERS reports at once (--workers); that is what bounds its memory.

    .venv/bin/python bench/load.py [--stores 14000] [--triggers 50] [--only sqlite|mysql]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storemon_core.db import Database, create_database_if_missing  # noqa: E402
from storemon_core.exports import load_exports  # noqa: E402
from storemon_core.frames import Inputs  # noqa: E402
from storemon_core.sample.generate import generate_exports, write_exports  # noqa: E402
from storemon_core.service import state  # noqa: E402
from tests.builders import engine_csv  # noqa: E402
from tests.real_data import REAL_2023, real_dir_or_none  # noqa: E402
from tests.serving import PAGE_PATHS, LoadResult, run_load, streamlit_server  # noqa: E402

DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/storemon_bench"


def say(text: str) -> None:
    print(text, flush=True)


def prepare(stores: int, days: int, folder: Path) -> Inputs:
    began = time.perf_counter()
    real = real_dir_or_none(REAL_2023)
    exports = generate_exports(stores=stores, days=days, seed=1, real_dir=real)
    paths = write_exports(folder, exports)
    inputs = load_exports(paths["status"], paths["hours"], paths["timezones"])
    say(f"data: {stores:,} stores, {days} days, {len(inputs.polls):,} polls, "
        f"{'real 2023' if real else 'generated'} hours and zones "
        f"({time.perf_counter() - began:.1f} s)")
    return inputs


def report_figures(result: LoadResult, expected: str, peak_mb: float, db: Database) -> bool:
    complete = [a for a in result.answers if a.status_code == 200]
    identical = sum(a.text == expected for a in complete)
    by_path: dict[str, list[float]] = {}
    for path, status, seconds in result.page_views:
        if status == 200:
            by_path.setdefault(path, []).append(seconds)
    failed_views = sum(status != 200 for _, status, _ in result.page_views)
    count = len(result.answers)
    say(f"  reports: {len(complete)}/{count} Complete, {identical}/{count} CSVs identical "
        "to the engine's")
    for answer in result.answers:
        if answer.status_code != 200:
            say(f"    {answer.status_code}: {answer.text[:300]}")
    say(f"  wall time {result.wall_seconds:.1f} s, {count / result.wall_seconds:.2f} reports/s")
    durations = state.listed_reports(db, count)["duration_seconds"].dropna()
    if len(durations):
        say(f"  one report, from start to Complete (queueing excluded): median "
            f"{durations.median():.2f} s, max {durations.max():.2f} s")
    views = ", ".join(f"{p} {statistics.median(s) * 1000:.0f} ms" for p, s in by_path.items())
    say(f"  page views: {len(result.page_views)} ({failed_views} not 200); median {views}")
    say(f"  server peak RSS: {peak_mb:.0f} MB")
    return identical == count and failed_views == 0


def run(name: str, url: str, inputs: Inputs, expected: str, args: argparse.Namespace,
        folder: Path) -> bool:
    say(f"{name}: {Database(url).label}")
    db = Database(url)
    try:
        db.create_schema()
        db.clear()
        began = time.perf_counter()
        db.load(inputs)
        say(f"  loaded in {time.perf_counter() - began:.1f} s")
        settings = {"STOREMON_REPORT_WORKERS": str(args.workers)}
        with streamlit_server(url, folder / f"{name}.log", settings) as server:
            idle_mb = server.peak_rss_mb()
            result = run_load(server.base, args.triggers, args.viewers, args.rounds,
                              timeout=args.timeout, poll_seconds=args.poll)
            peak_mb = server.peak_rss_mb()
        say(f"  server peak RSS before the burst: {idle_mb:.0f} MB")
        return report_figures(result, expected, peak_mb, db)
    finally:
        # The reports hold megabytes of CSV each: leave nothing behind.
        db.clear()
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=9)
    parser.add_argument("--triggers", type=int, default=50, help="reports triggered at once")
    parser.add_argument("--viewers", type=int, default=4, help="clients opening pages")
    parser.add_argument("--rounds", type=int, default=5, help="times each viewer opens "
                        f"every page ({', '.join(PAGE_PATHS)})")
    parser.add_argument("--workers", type=int, default=2, help="STOREMON_REPORT_WORKERS")
    parser.add_argument("--poll", type=float, default=1.0,
                        help="seconds between a client's /get_report calls (the Reports page: 1)")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds before a burst gives up")
    parser.add_argument("--only", choices=["sqlite", "mysql"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="storemon_load_") as tmp:
        folder = Path(tmp)
        inputs = prepare(args.stores, args.days, folder)
        began = time.perf_counter()
        expected = engine_csv(inputs)
        say(f"engine alone, one report: {time.perf_counter() - began:.1f} s")
        ok = True
        if args.only in (None, "sqlite"):
            ok &= run("sqlite", f"sqlite:///{folder / 'load.db'}", inputs, expected, args,
                      folder)
        if args.only in (None, "mysql"):
            url = os.environ.get("STOREMON_BENCH_MYSQL_URL", DEFAULT_MYSQL)
            create_database_if_missing(url)
            ok &= run("mysql", url, inputs, expected, args, folder)
    say("all reports Complete and identical" if ok else "MISMATCH: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
