"""Dashboard page times at production scale (14k stores, ~2M polls).

Loads generated exports into a temporary SQLite database (or the database named
by --url) the way the Data page does (so the load's report runs), then times:

- every page through Streamlit's AppTest, as the server routes it: the first run
  with every cache cleared (a fresh server's first visitor), the second run of a
  new session (caches warm), and the median of reruns (each interaction);
- drawing one store's week from scratch;
- in headless Chromium against `streamlit run`: from "Generate report" to
  "Complete" on screen, and how long after the report's end that was; then how
  long the same report runs over HTTP with no page following it.

Goals (the dashboard issue): every page's first load under 1 s, and a report's
Complete on screen within 1 s of its end.

    .venv/bin/python bench/pages.py [--stores 14000] [--days 7] [--url URL] [--skip-load]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/pages.py: keep its folder off the path so `pages` is the app's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from storemon_core.db import open_database  # noqa: E402
from storemon_core.exports import load_exports  # noqa: E402
from storemon_core.sample.generate import generate_exports, write_exports  # noqa: E402
from storemon_core.service import get_service  # noqa: E402
from storemon_core.views import charts, live, overview, store, uploads  # noqa: E402
from tests.pages_app import APP, PAGES, as_served, open_page, serve  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# The tests' pages and the Trends page, which the tests cover on their own.
TIMED = [*PAGES, "pages/trends.py"]
NAMES = dict(zip(TIMED, ["Overview", "Reports", "Store", "Data", "Trends"], strict=True))


def timed(label: str, action: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = action()
    print(f"  {label:<44} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_page(at: AppTest) -> float:
    """One timed run; a page that raised has no time worth showing."""
    took = seconds(at.run)
    if at.exception:
        raise AssertionError([e.value for e in at.exception])
    return took


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
    service = get_service(url)
    outcome = timed("load, as the Data page does",
                    lambda: uploads.load(db, service, inputs))  # type: ignore[arg-type]
    after = outcome.after  # type: ignore[attr-defined]
    assert after is not None, "the load should start its reports"
    timed("the load's report (-> Complete)", lambda: service.wait(after.report_id))
    for report_id in after.period_ids:
        timed("a period report of Trends (-> Complete)", lambda: service.wait(report_id))  # noqa: B023
    summary = db.summary()
    print(f"  {summary.stores:,} stores, {summary.polls:,} polls loaded")


def worst_store() -> str:
    service = get_service()
    latest = service.latest_complete()
    assert latest is not None, "no complete report"
    report = service.report_frame(latest.report_id)
    assert report is not None
    return overview.headline(overview.with_uptime_pct(report)).worst_store or ""


def page_times(runs: int) -> None:
    worst = worst_store()
    print(f"\nPages through AppTest (cold: caches cleared; warm: a new session; "
          f"rerun: median of {runs}):")
    print(f"  {'page':<12} {'cold':>8} {'warm':>8} {'rerun':>8} {'max':>8}")
    charts.prepare()  # as the server does when it starts
    with as_served():
        for page in TIMED:
            query = {"store_id": worst} if page == "pages/store.py" else {}
            # A session's first run registers the pages (AppTest starts at the Overview);
            # then every cache is cleared, as on a fresh server, and the page is timed.
            def first_run(clear: bool) -> tuple[AppTest, float]:
                at = AppTest.from_file(APP, default_timeout=600)
                at.run()
                at.switch_page(page)  # noqa: B023
                at.query_params.update(query)  # noqa: B023
                if clear:
                    # Both kinds: a period's history is a resource, shared with the Store page.
                    st.cache_data.clear()
                    st.cache_resource.clear()
                return at, run_page(at)

            _, cold = first_run(clear=True)
            at, warm = first_run(clear=False)
            again = [run_page(at) for _ in range(runs)]
            print(f"  {NAMES[page]:<12} {cold:8.2f} {warm:8.2f} "
                  f"{statistics.median(again):8.2f} {max(again):8.2f}", flush=True)
        # Interactions that change the view: filtering the Overview table, and typing
        # part of an id on the Store page (a database search, then suggestions).
        at = open_page(PAGES[0], 600)
        filtered = seconds(lambda: at.text_input(key="f_search").set_value(worst[:4]).run())
        print(f"  {'Overview, typing a search':<30} {filtered:8.2f} s")
        at = open_page(PAGES[2], 600)
        typed = seconds(lambda: at.text_input(key="store_query").set_value(worst[1:5]).run())
        print(f"  {'Store, typing part of an id':<30} {typed:8.2f} s")
    counted = seconds(lambda: live.count_live(open_database()))
    print(f"  {'the live view counted by a page':<30} {counted:8.2f} s"
          "  (only when no report is current)")


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
        week = store.store_week(db, str(store_id), latest.as_of)
        middle = time.perf_counter()
        assert week is not None
        charts.timeline_figure(week.timeline).to_json()
        charts.daily_figure(week.timeline.daily).to_json()
        end = time.perf_counter()
        reads.append(middle - start)
        draws.append(end - start)
    print(f"\nStore timeline without cache, {len(sample)} stores (read + compute + figures):")
    print(f"  read + compute   median {statistics.median(reads):.3f} s  max {max(reads):.3f} s")
    print(f"  whole drawing    median {statistics.median(draws):.3f} s  max {max(draws):.3f} s")


def complete_on_screen(url: str, tries: int) -> None:
    """Click Generate report in Chromium; time Complete on screen against the report's end."""
    if not Path(CHROMIUM).exists():
        print(f"\n{CHROMIUM} is missing: Complete-on-screen not measured")
        return
    from playwright.sync_api import sync_playwright

    service = get_service(url)
    print(f"\nReports page in Chromium, {tries} reports (seconds):")
    print(f"  {'click -> Complete':>18} {'report ran':>11} {'end -> on screen':>17}")
    with tempfile.TemporaryDirectory() as logs, serve(url, Path(logs)) as base, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{base}/reports")
        tab.get_by_role("button", name="Generate report").wait_for(timeout=120_000)
        for _ in range(tries):
            before = set(service.list_reports(200)["report_id"])
            clicked = time.time()
            tab.get_by_role("button", name="Generate report").click()
            tab.wait_for_function(
                "(known) => { const t = document.body.innerText.match(/Report (\\S+): Complete/);"
                " return t && !known.includes(t[1]); }",
                arg=sorted(before), timeout=300_000, polling=20,
            )
            shown = time.time()
            made = service.list_reports(5)
            state = service.get_report(str(made["report_id"].iloc[0]))
            assert state is not None and state.finished_at is not None
            assert state.started_at is not None
            ran = (state.finished_at - state.started_at).total_seconds()
            late = shown - state.finished_at.timestamp()
            print(f"  {shown - clicked:18.2f} {ran:11.2f} {late:17.2f}", flush=True)
        browser.close()
        # The same report with no page following it: a page's reruns must not slow it.
        started = time.time()
        with urllib.request.urlopen(f"{base}/trigger_report") as answer:
            report_id = json.loads(answer.read())["report_id"]
        while (state := service.get_report(report_id)) is None or state.finished_at is None:
            time.sleep(0.1)
        assert state.started_at is not None
        print(f"  over HTTP, no page following: report ran "
              f"{(state.finished_at - state.started_at).total_seconds():.2f} s "
              f"({time.time() - started:.2f} s from the request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=5, help="reruns per page")
    parser.add_argument("--reports", type=int, default=3, help="reports clicked in Chromium")
    parser.add_argument("--skip-load", action="store_true", help="reuse the data in --url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="storemon-bench-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["DATABASE_URL"] = url
        if not args.skip_load:
            prepare(url, args.stores, args.days, Path(tmp))
        page_times(args.runs)
        timeline_times(20)
        complete_on_screen(url, args.reports)


if __name__ == "__main__":
    main()
