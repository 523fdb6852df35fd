"""History from the database at production scale: kept day totals against raw polls.

Generates 14,000 stores x 90 days (real 2023 hours and zones when present, polls
at the 2023 export's density), then in fresh processes, each with its peak memory:

  load      the first load into MariaDB, day totals included (one transaction)
  kept      read_history over every date of the data from kept totals, both CSVs
  direct    the same computed directly from the period's raw polls (kept=False)
  read      the fastest plain read of the period's raw polls (connectorx); kept and
            read take turns, 3 runs each, and their medians are compared
  append    an hourly append: one poll per store, day totals brought up to date
  after     kept history again after the append, checked against the direct one
  reports   the reports a load starts after the append: the standard one and the
            period reports of Trends' default period and the one before
  trends    the Trends page through AppTest: the first load with caches cleared (from
            those period reports), a new session's first run, the median of 3 reruns,
            and the first load of a period that no stored report holds

Targets: kept <= 0.5 x read; append < 1.5 s; load < 120 s; Trends < 2 s; peak < 2 GB.
The data go to their own database (storemon_bench_history on STOREMON_BENCH_MYSQL_URL's
server), dropped at the end unless --keep is given; then one step can be run again
on its own with `bench/history.py STEP DIR`.

    PYTHONPATH=. .venv/bin/python bench/history.py [--stores 14000] [--days 90] [--keep]
        [--buffer-pool-mb 2048]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import (  # bench/common.py, beside this script
    StepResult,
    buffer_pool_mb,
    emit,
    machine_speed,
    on_server,
    run_step,
)
from history_engine import _frames, _period, step_generate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Runs of each side of the kept/read ratio.
RATIO_RUNS = 3
DEFAULT_MYSQL = "mysql+pymysql://root@127.0.0.1:3306/storemon_bench"
DATABASE = "storemon_bench_history"


def bench_url() -> str:
    server = os.environ.get("STOREMON_BENCH_MYSQL_URL", DEFAULT_MYSQL)
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def _server(statement: str) -> None:
    on_server(bench_url(), statement)


def _buffer_pool_mb() -> int:
    return buffer_pool_mb(bench_url())


def _settled(most_seconds: float = 90.0) -> float:
    """Wait until the server has written back most of the load's pages (or for at
    most `most_seconds`: a server flushing at its configured I/O capacity can take
    many minutes), so that the steps after it measure reads rather than the load's
    tail; returns how long that took."""
    engine = create_engine(make_url(bench_url()).set(database=""))
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            while time.perf_counter() - start < most_seconds:
                status = dict(conn.execute(text(
                    "SHOW GLOBAL STATUS WHERE Variable_name IN "
                    "('Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')")).all())
                if int(status["Innodb_buffer_pool_pages_dirty"]) * 100 < int(
                        status["Innodb_buffer_pool_pages_total"]):
                    break
                time.sleep(1.0)
    finally:
        engine.dispose()
    return time.perf_counter() - start


def _median_run(runs: list[StepResult]) -> StepResult:
    ordered = sorted(runs, key=lambda r: float(r.values["seconds"]))
    return ordered[len(ordered) // 2]


def step_load(directory: Path) -> None:
    from storemon_core.db import Database
    from storemon_core.frames import Inputs

    polls, hours, zones = _frames(directory)
    db = Database(bench_url())
    db.create_schema()
    start = time.perf_counter()
    stats = db.load(Inputs(polls=polls, business_hours=hours, timezones=zones))  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    with db.read() as conn:
        kept = conn.exec_driver_sql("SELECT COUNT(*) FROM store_days").scalar_one()
    emit({"seconds": seconds, "polls": stats.polls_added, "kept_rows": int(kept)})


def _history(directory: Path, kept: bool) -> None:
    from storemon_core.db import Database
    from storemon_core.db.history import read_history
    from storemon_core.output.history_csv import daily_csv, period_csv

    polls, _, _ = _frames(directory)
    first, last = _period(polls)
    del polls
    db = Database(bench_url())
    start = time.perf_counter()
    result = read_history(db, first, last, kept=kept)
    daily, totals = daily_csv(result.daily), period_csv(result.totals)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256((daily + totals).encode()).hexdigest()
    emit({"seconds": seconds, "rows": len(result.daily), "stores": len(result.totals),
          "digest": digest, "first": first, "last": last})


def step_read(directory: Path) -> None:
    from storemon_core.db import Database
    from storemon_core.db.columns import read_with_connectorx
    from storemon_core.db.history import period_range_us, resolve_period

    polls, _, _ = _frames(directory)
    first, last = _period(polls)
    del polls
    period = resolve_period(Database(bench_url()), first, last)
    assert period is not None
    start_us, end_us = period_range_us(period)
    sql = f"SELECT store_key, ts, active FROM polls WHERE ts >= {start_us} AND ts <= {end_us}"
    start = time.perf_counter()
    columns = read_with_connectorx(bench_url(), sql, ["store_key", "ts", "active"])
    emit({"seconds": time.perf_counter() - start, "polls": len(columns["ts"])})


def step_append(directory: Path) -> None:
    import numpy as np
    import pandas as pd

    from storemon_core.db import Database
    from storemon_core.frames import Inputs

    polls, _, _ = _frames(directory)
    stores = polls["store_id"].cat.categories  # type: ignore[index]
    newest = polls["timestamp_utc"].max()  # type: ignore[index]
    del polls
    rng = np.random.default_rng(3)
    hour = pd.DataFrame({
        "store_id": pd.Categorical(stores, categories=stores),
        "timestamp_utc": newest + pd.to_timedelta(rng.integers(1, 3600, len(stores)), unit="s"),
        "active": rng.random(len(stores)) > 0.1,
    })
    db = Database(bench_url())
    db.create_schema()
    start = time.perf_counter()
    stats = db.load(Inputs(polls=hour), mode="append")
    emit({"seconds": time.perf_counter() - start, "polls": stats.polls_added})


def step_reports(directory: Path) -> None:
    """The reports a load starts after the append (`storemon load` waits for them):
    the standard one, and Trends' default period and the one before."""
    from storemon_core.db import Database, LoadStats
    from storemon_core.service import ReportService, ReportStatus
    from storemon_core.service.autoreport import reports_after_load

    db = Database(bench_url())
    service = ReportService(db)
    appended = LoadStats(load_id=0, polls_read=1, polls_added=1, stores_added=0,
                         hours_stores=0, timezone_stores=0, rejected=0, seconds=0.0)
    start = time.perf_counter()
    after = reports_after_load(service, appended)
    assert after is not None and len(after.period_ids) == 2, after
    took = {}
    for report_id in after.all_ids:
        state = service.wait(report_id)
        assert state is not None and state.status == ReportStatus.COMPLETE, state
        took[report_id] = state.duration_seconds
    seconds = time.perf_counter() - start
    service.shutdown()
    emit({"seconds": seconds, "standard": took[after.report_id],
          "periods": [took[i] for i in after.period_ids]})


def step_trends(runs: int = 3) -> None:
    """The Trends page as the server routes it, timed the way bench/pages.py times pages."""
    # The app's `pages` package rather than bench/pages.py, and the repository's tests.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))
    os.environ["DATABASE_URL"] = bench_url()
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from storemon_core.db import Database
    from storemon_core.engine.period import default_period
    from storemon_core.views import charts
    from tests.pages_app import APP, as_served

    def run(at: AppTest) -> float:
        start = time.perf_counter()
        at.run()
        took = time.perf_counter() - start
        if at.exception:
            raise AssertionError([e.value for e in at.exception])
        return took

    def shows_trends(at: AppTest) -> str:
        """The Stores metric; a guarded database failure or an empty page is no timing."""
        assert [t.value for t in at.title] == ["Trends"], [t.value for t in at.title]
        assert not at.error, [e.value for e in at.error]
        assert at.metric, "the Trends page shows no numbers"
        return str(at.metric[0].value)

    def first_run(clear: bool) -> tuple[AppTest, float, float]:
        """A new session on the Trends page, and the peak MB before it was run."""
        # A first run registers the pages (AppTest starts at the Overview).
        at = AppTest.from_file(APP, default_timeout=600)
        run(at)
        at.switch_page("pages/trends.py")
        before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if clear:
            # A fresh server's first visitor: nothing cached, a period's history included.
            st.cache_data.clear()
            st.cache_resource.clear()
        return at, run(at), before_mb

    def counted_cold() -> float:
        """A period that no stored report holds (the default one, a day earlier), cold."""
        newest = Database(bench_url()).newest_poll()
        assert newest is not None
        first, last = default_period(newest)
        at = AppTest.from_file(APP, default_timeout=600)
        run(at)
        at.switch_page("pages/trends.py")
        at.query_params.update({"first": (first - timedelta(days=1)).isoformat(),
                                "last": (last - timedelta(days=1)).isoformat()})
        st.cache_data.clear()
        st.cache_resource.clear()
        took = run(at)
        said = " ".join(c.value for c in at.caption)
        assert "counted from the polls" in said, said
        return took

    charts.prepare()  # as the server does when it starts
    with as_served():
        at, cold, before_mb = first_run(clear=True)
        shows_trends(at)
        source = " ".join(c.value for c in at.caption)
        at, warm, _ = first_run(clear=False)
        stores = shows_trends(at)
        again = [run(at) for _ in range(runs)]
        shows_trends(at)
        counted = counted_cold()
    emit({"seconds": cold, "warm": warm, "rerun": statistics.median(again),
          "counted": counted, "stores": stores, "before_mb": before_mb,
          "stored": "period report" in source})


STEPS = {
    "generate": lambda d, a: step_generate(d, int(a[0]), int(a[1]), int(a[2])),
    "load": lambda d, a: step_load(d),
    "kept": lambda d, a: _history(d, kept=True),
    "direct": lambda d, a: _history(d, kept=False),
    "read": lambda d, a: step_read(d),
    "append": lambda d, a: step_append(d),
    "reports": lambda d, a: step_reports(d),
    "trends": lambda d, a: step_trends(),
}


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] in STEPS:
        STEPS[sys.argv[1]](Path(sys.argv[2]), sys.argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated files and the database, to rerun steps by hand")
    parser.add_argument("--buffer-pool-mb", type=int,
                        help="set the server's InnoDB buffer pool for the run (restored after): "
                             "an append is disk-bound when the pool cannot hold its pages")
    args = parser.parse_args()
    speed = machine_speed()
    pool_before = _buffer_pool_mb()
    if args.buffer_pool_mb:
        _server(f"SET GLOBAL innodb_buffer_pool_size = {args.buffer_pool_mb << 20}")
    me = Path(__file__)
    directory = Path(tempfile.mkdtemp(prefix="storemon-history-db-bench-"))
    results = {}
    runs: dict[str, list[StepResult]] = {}
    settle = 0.0
    try:
        print(f"generating {args.stores:,} stores x {args.days} days ...", file=sys.stderr,
              flush=True)
        made = run_step(me, ["generate", str(directory), str(args.stores), str(args.days),
                             str(args.seed)])
        _server(f"DROP DATABASE IF EXISTS `{DATABASE}`")
        _server(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
        print("load ...", file=sys.stderr, flush=True)
        results["load"] = run_step(me, ["load", str(directory)])
        settle = _settled()
        print(f"the server wrote the load's pages back in {settle:.0f} s",
              file=sys.stderr, flush=True)
        # The ratio's two sides take turns, RATIO_RUNS times each, and the medians are
        # compared: one run of either swings by a second on a shared machine.
        for turn in range(RATIO_RUNS):
            for name in ("kept", "read"):
                print(f"{name} ({turn + 1} of {RATIO_RUNS}) ...", file=sys.stderr, flush=True)
                runs.setdefault(name, []).append(run_step(me, [name, str(directory)]))
        results["kept"], results["read"] = _median_run(runs["kept"]), _median_run(runs["read"])
        for name in ("direct", "append"):
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = run_step(me, [name, str(directory)])
        print("kept after the append ...", file=sys.stderr, flush=True)
        results["after"] = run_step(me, ["kept", str(directory)])
        results["after direct"] = run_step(me, ["direct", str(directory)])
        print("the reports after the append ...", file=sys.stderr, flush=True)
        results["reports"] = run_step(me, ["reports", str(directory)])
        print("trends ...", file=sys.stderr, flush=True)
        results["trends"] = run_step(me, ["trends", str(directory)])
    finally:
        pool_used = _buffer_pool_mb()
        if args.buffer_pool_mb:
            _server(f"SET GLOBAL innodb_buffer_pool_size = {pool_before << 20}")
        if args.keep:
            shown = make_url(bench_url()).render_as_string(hide_password=True)
            print(f"kept: {directory} and {shown}; run one step again with "
                  f"`bench/history.py STEP {directory}`", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)
            _server(f"DROP DATABASE IF EXISTS `{DATABASE}`")
    kept, read = results["kept"].values, results["read"].values
    trends, reports = results["trends"].values, results["reports"].values
    print(f"{made.values['stores']:,} stores, {made.values['polls']:,} polls; period "
          f"{kept['first']} … {kept['last']}: {kept['rows']:,} daily rows, "
          f"{results['load'].values['kept_rows']:,} kept rows")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores = busy at 2); "
          f"InnoDB buffer pool {pool_used:,} MB; after the load the server wrote its pages "
          f"back for {settle:.0f} s before the next step")
    print(f"before the first step, {speed}")
    same = kept["digest"] == results["direct"].values["digest"]
    same_after = results["after"].values["digest"] == results["after direct"].values["digest"]
    print(f"kept == direct: {same}; after the append: {same_after}")
    ratio = kept["seconds"] / read["seconds"]
    for name in ("kept", "read"):
        print(f"{name} runs: " + ", ".join(f"{r.values['seconds']:.2f}" for r in runs[name])
              + " s; the median is shown")
    print(f"{'step':<14}{'seconds':>9}{'peak MB':>9}  note")
    notes = {
        "load": f"{results['load'].values['polls']:,} polls (target < 120 s)",
        "kept": f"both CSVs, {ratio:.2f} x the plain read (target <= 0.5)",
        "direct": "both CSVs, from the raw polls",
        "read": f"{read['polls']:,} polls, connectorx",
        "append": f"{results['append'].values['polls']:,} polls (target < 1.5 s)",
        "after": "kept history after the append",
        "after direct": "direct history after the append",
        "reports": "the load's reports: standard {:.1f} s, periods {}".format(
            reports["standard"], " and ".join(f"{p:.1f} s" for p in reports["periods"])),
        "trends": f"Trends page, first load, caches cleared, {trends['stores']} stores, "
                  f"{'from the stored' if trends['stored'] else 'NOT from stored'} period "
                  f"reports (target < 2 s); peak {trends['before_mb']:,.0f} MB before it",
    }
    for name, result in results.items():
        print(f"{name:<14}{result.values['seconds']:>9.2f}{result.peak_mb:>9.0f}  {notes[name]}")
    print(f"{'trends warm':<14}{trends['warm']:>9.2f}{'':>9}  a new session's first run "
          "(target < 2 s)")
    print(f"{'trends rerun':<14}{trends['rerun']:>9.2f}{'':>9}  median of 3 reruns "
          "(target < 2 s)")
    print(f"{'trends count':<14}{trends['counted']:>9.2f}{'':>9}  first load of a period "
          "no stored report holds, caches cleared (target < 2 s)")
    print(f"peak of all steps: {max(r.peak_mb for r in results.values()):,.0f} MB "
          "(target < 2048)")
    return 0 if same and same_after else 1


if __name__ == "__main__":
    sys.exit(main())
