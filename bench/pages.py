"""Dashboard page times at production scale (14k stores, ~2M polls).

Loads generated exports into a temporary SQLite database (or the database named
by --url), runs one report, then times every page through Streamlit's AppTest:
the first run (cold caches) and the median of later runs (what a user waits for
on every interaction), plus drawing one store's timeline from scratch.

    .venv/bin/python bench/pages.py [--stores 14000] [--days 7] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from storemon_core.db import open_database
from storemon_core.exports import load_exports
from storemon_core.sample.generate import generate_exports, write_exports
from storemon_core.service import get_service
from storemon_core.views import charts, overview, store

ROOT = Path(__file__).resolve().parent.parent
# AppTest runs the app with the app's folder first on the path, so the pages import
# the app's `pages` package, not this file.
APP = str(ROOT / "streamlit_app.py")
PAGES = {
    "Overview": "pages/overview.py",
    "Reports": "pages/reports.py",
    "Store": "pages/store.py",
    "Data": "pages/data.py",
}


def timed(label: str, action: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = action()
    print(f"  {label:<44} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def prepare(url: str, stores: int, days: int, tmp: Path) -> None:
    print(f"Data: {stores:,} stores, {days} days -> {url}")
    exports = timed("generate exports", lambda: generate_exports(stores=stores, days=days, seed=1))
    paths = timed("write CSV files", lambda: write_exports(tmp, exports))  # type: ignore[arg-type]
    inputs = timed(
        "read CSV files",
        lambda: load_exports(paths["status"], paths["hours"], paths["timezones"]),  # type: ignore[index]
    )
    db = open_database(url)
    if db.has_polls():
        # Never wipe a database that someone may care about.
        raise SystemExit(f"{url} already holds polls: use an empty database or --skip-load")
    timed("load into the database", lambda: db.load(inputs))  # type: ignore[arg-type]
    summary = db.summary()
    print(f"  {summary.stores:,} stores, {summary.polls:,} polls loaded")
    service = get_service(url)
    timed("report (trigger -> Complete)", lambda: service.wait(service.trigger_report()))


def page_times(runs: int) -> None:
    from streamlit.testing.v1 import AppTest

    service = get_service()
    latest = service.latest_complete()
    assert latest is not None and latest.csv is not None, "no complete report"
    report = service.report_frame(latest.report_id)
    assert report is not None
    worst = overview.headline(overview.with_uptime_pct(report)).worst_store or ""
    print(f"\nPages through AppTest (first run, then median of {runs} reruns):")
    print(f"  {'page':<12} {'first':>8} {'rerun':>8} {'max':>8}")
    for name, path in PAGES.items():
        at = AppTest.from_file(APP, default_timeout=600)
        if name != "Overview":
            at.run()
            at.switch_page(path)
        if name == "Store":
            at.query_params["store_id"] = worst
        first = seconds(at.run)
        if at.exception:
            raise RuntimeError(f"{name}: {at.exception[0].value}")
        again = [seconds(at.run) for _ in range(runs)]
        print(
            f"  {name:<12} {first:8.2f} {statistics.median(again):8.2f} {max(again):8.2f}",
            flush=True,
        )
    # Interactions that change the view: filtering the Overview table, and typing
    # part of an id on the Store page (a database search, then suggestions).
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    filtered = seconds(lambda: at.text_input(key="f_search").set_value(worst[:4]).run())
    print(f"  {'Overview, typing a search':<30} {filtered:8.2f} s")
    at.switch_page(PAGES["Store"])
    at.run()
    typed = seconds(lambda: at.text_input(key="store_query").set_value(worst[1:5]).run())
    print(f"  {'Store, typing part of an id':<30} {typed:8.2f} s")


def timeline_times(stores: int) -> None:
    db = open_database()
    latest = get_service().latest_complete()
    assert latest is not None and latest.as_of is not None
    report = get_service().report_frame(latest.report_id)
    assert report is not None
    sample = report["store_id"].sample(n=min(stores, len(report)), random_state=1).tolist()
    reads: list[float] = []
    draws: list[float] = []
    for store_id in sample:
        start = time.perf_counter()
        view = store.store_view(db, str(store_id), latest.as_of)
        middle = time.perf_counter()
        assert view is not None
        charts.timeline_figure(view).to_json()
        charts.daily_figure(view.daily).to_json()
        end = time.perf_counter()
        reads.append(middle - start)
        draws.append(end - start)
    print(f"\nStore timeline without cache, {len(sample)} stores (read + compute + figures):")
    print(f"  read + compute   median {statistics.median(reads):.3f} s  max {max(reads):.3f} s")
    print(f"  whole drawing    median {statistics.median(draws):.3f} s  max {max(draws):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=5, help="reruns per page")
    parser.add_argument("--skip-load", action="store_true", help="reuse the data in --url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="storemon-bench-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["DATABASE_URL"] = url
        if not args.skip_load:
            prepare(url, args.stores, args.days, Path(tmp))
        page_times(args.runs)
        timeline_times(20)


if __name__ == "__main__":
    main()
