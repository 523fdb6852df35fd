"""History engine speed and memory from frames: a long period for a production fleet.

Generates a data set (14,000 stores x 90 days by default, real 2023 hours and zones
when present, polls at the 2023 export's density), keeps it as frames, then runs
in fresh processes:

  history   engine.history.history over every date of the data (day totals, the
            daily and the period frames), median of --runs calls
  csv       output.history_csv: the daily and the period CSV text of one history
  report    engine.uptime.uptime_report on the same frames, for scale

Peak is the largest resident set of the process (imports and the frames included).
The database path (kept totals, raw reads) is measured by bench/history.py.

    .venv/bin/python bench/history_engine.py [--stores 14000] [--days 90] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import emit, run_step  # bench/common.py, beside this script

from storemon_core.sample.real_exports import REAL_2023, real_dir_or_none

PRODUCTION_MISSED = 0.32  # 0.66 polls per store-hour, as in the 2023 export


def step_generate(directory: Path, stores: int, days: int, seed: int) -> None:
    import numpy as np
    import pandas as pd

    from storemon_core.exports import load_exports
    from storemon_core.sample.generate import generate_exports

    start = time.perf_counter()
    exports = generate_exports(stores, days, seed, real_dir=real_dir_or_none(REAL_2023),
                               missed_rate=PRODUCTION_MISSED)
    exports.menu_hours.to_csv(directory / "menu_hours.csv", index=False)
    exports.timezones.to_csv(directory / "timezones.csv", index=False)
    inputs = load_exports(None, directory / "menu_hours.csv", directory / "timezones.csv")
    # Polls as the loader gives them: a categorical id, microsecond UTC instants.
    polls = pd.DataFrame({
        "store_id": pd.Categorical.from_codes(exports.poll_store,
                                              categories=pd.Index(exports.store_ids)),
        "timestamp_utc": pd.DatetimeIndex(exports.poll_time_us.astype("datetime64[us]"),
                                          tz="UTC"),
        "active": exports.poll_active,
    })
    with open(directory / "frames.pickle", "wb") as out:
        pickle.dump((polls, inputs.business_hours, inputs.timezones), out, protocol=5)
    emit({"seconds": time.perf_counter() - start, "polls": len(polls),
          "stores": int(np.unique(exports.poll_store).size)})


def _frames(directory: Path) -> tuple[object, object, object]:
    with open(directory / "frames.pickle", "rb") as source:
        frames: tuple[object, object, object] = pickle.load(source)
    return frames


def _period(polls: object) -> tuple[str, str]:
    stamps = polls["timestamp_utc"]  # type: ignore[index]
    # Whole local dates of every store: a day in from the first poll, up to the last one.
    first = (stamps.min() + timedelta(days=1)).date()
    return first.isoformat(), stamps.max().date().isoformat()


def step_history(directory: Path, runs: int) -> None:
    from storemon_core.engine.history import history

    polls, business_hours, timezones = _frames(directory)
    first, last = _period(polls)
    times, cpus = [], []
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = history(polls, business_hours, timezones, first, last)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    emit({"seconds": statistics.median(times), "cpu": statistics.median(cpus),
          "first_call": times[0], "first": first, "last": last, "rows": len(result.daily),
          "stores": len(result.totals)})


def step_csv(directory: Path) -> None:
    from storemon_core.engine.history import history
    from storemon_core.output.history_csv import daily_csv, period_csv

    polls, business_hours, timezones = _frames(directory)
    result = history(polls, business_hours, timezones, *_period(polls))  # type: ignore[arg-type]
    start, cpu = time.perf_counter(), time.process_time()
    size = len(daily_csv(result.daily)) + len(period_csv(result.totals))
    emit({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
          "mb": size / 2**20})


def step_report(directory: Path, runs: int) -> None:
    from storemon_core.engine.uptime import uptime_report

    polls, business_hours, timezones = _frames(directory)
    times, cpus = [], []
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        uptime_report(polls, business_hours, timezones)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    emit({"seconds": statistics.median(times), "cpu": statistics.median(cpus)})


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in {"generate", "history", "csv", "report"}:
        step, argv = sys.argv[1], sys.argv[2:]
        directory = Path(argv[0])
        if step == "generate":
            step_generate(directory, int(argv[1]), int(argv[2]), int(argv[3]))
        elif step == "history":
            step_history(directory, int(argv[1]))
        elif step == "csv":
            step_csv(directory)
        else:
            step_report(directory, int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    me = Path(__file__)
    directory = Path(tempfile.mkdtemp(prefix="storemon-history-bench-"))
    try:
        print(f"generating {args.stores:,} stores x {args.days} days ...", file=sys.stderr,
              flush=True)
        made = run_step(me, ["generate", str(directory), str(args.stores), str(args.days),
                             str(args.seed)])
        print("history, csv, report ...", file=sys.stderr, flush=True)
        hist = run_step(me, ["history", str(directory), str(args.runs)])
        csv = run_step(me, ["csv", str(directory)])
        report = run_step(me, ["report", str(directory), str(args.runs)])
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    h = hist.values
    print(f"{made.values['stores']:,} stores, {made.values['polls']:,} polls; period "
          f"{h['first']} … {h['last']}: {h['rows']:,} daily rows, {h['stores']:,} stores")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores = busy at 2)")
    print(f"{'step':<10}{'seconds':>9}{'CPU s':>7}{'peak MB':>9}  note")
    rows = [("history", hist, f"median of {args.runs}; first call {h['first_call']:.2f} s"),
            ("csv", csv, f"daily + period CSV, {csv.values['mb']:.0f} MB of text"),
            ("report", report, "last hour/day/week on the same frames")]
    for name, result, note in rows:
        print(f"{name:<10}{result.values['seconds']:>9.2f}{result.values['cpu']:>7.2f}"
              f"{result.peak_mb:>9.0f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
