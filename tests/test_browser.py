"""The real app in headless Chromium: every page, a report run end to end, an upload.

Needs Debian's chromium (/usr/bin/chromium). Skipped without it, except in CI
(CI=true), where a missing browser is a failure. Screenshots go to tests/artifacts/;
STOREMON_UPDATE_SCREENSHOT=1 also refreshes docs/screenshot-store.png.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pandas as pd
import pytest

from storemon_core.db import open_database
from storemon_core.service import ReportStatus, get_service
from storemon_core.views import uploads
from tests.builders import wait_until
from tests.pages_app import serve

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOT = ROOT / "docs" / "screenshot-store.png"
CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 60_000

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
Page = playwright_api.Page


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app on a temporary SQLite sample database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    db = open_database(url)
    db.create_schema()
    outcome = uploads.load_sample_data(db, get_service(url), stores=30, days=9, seed=5)
    assert outcome.report_id is not None
    get_service(url).wait(outcome.report_id)
    with serve(url, tmp_path_factory.mktemp("log")) as base:
        yield base, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Any, server: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context.new_page()
    context.close()


# The page has run: its title is drawn, the status widget (shown while the script
# runs) is gone and no element is still a grey placeholder.
_SETTLED = """() => document.querySelector('[data-testid="stMain"] h1')
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"], .stSkeleton')"""


def _settle(tab: Page) -> None:
    tab.wait_for_selector('[data-testid="stApp"]', timeout=WAIT_MS)
    tab.wait_for_function(_SETTLED, timeout=WAIT_MS)


def _shot(tab: Page, name: str) -> None:
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _open(tab: Page, url: str) -> None:
    tab.goto(url)
    _settle(tab)
    # Charts draw after the script ends: wait for every one before looking or shooting.
    tab.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length"
        " === document.querySelectorAll('.js-plotly-plot').length",
        timeout=WAIT_MS,
    )


def test_every_page_and_a_report_end_to_end(server: tuple[str, str], page: Page) -> None:
    base, url = server
    tab = page
    newest = open_database(url).newest_poll()
    assert newest is not None

    _open(tab, f"{base}/reports")
    service = get_service(url)
    before = set(service.list_reports(50)["report_id"])
    tab.get_by_role("button", name="Generate report").click()
    # The page may still show the report the sample's load made: wait for the new one.
    new_id = wait_until(lambda: next(iter(set(service.list_reports(50)["report_id"]) - before),
                                     None), timeout=WAIT_MS / 1000)
    tab.get_by_text(f"Report {new_id}: {ReportStatus.COMPLETE}", exact=False).wait_for(
        timeout=WAIT_MS)
    download = tab.locator('[data-testid="stDownloadButton"]').first
    download.wait_for(timeout=WAIT_MS)
    assert "Download report CSV" in download.inner_text()
    with tab.expect_download() as info:
        download.locator("button").click()
    csv_text = Path(info.value.path()).read_text()
    made = service.get_report(new_id)
    assert made is not None
    assert csv_text == made.csv

    _open(tab, f"{base}/")
    tab.get_by_text(f"Live view: as of the newest poll, {newest:%Y-%m-%d %H:%M:%S} UTC",
                    exact=False).wait_for(timeout=WAIT_MS)
    tab.get_by_text("Uptime, last week").wait_for(timeout=WAIT_MS)

    report = pd.read_csv(io.StringIO(csv_text), dtype={"store_id": str})
    store_id = str(report.sort_values("downtime_last_week", ascending=False)["store_id"].iloc[0])
    _open(tab, f"{base}/store?store_id={store_id}")
    tab.locator(".js-plotly-plot .barlayer .point").first.wait_for(timeout=WAIT_MS)
    tab.get_by_text("Time zone:", exact=False).wait_for(timeout=WAIT_MS)
    # Streamlit scrolls inside the page, so a tall viewport captures the whole store.
    tab.set_viewport_size({"width": 1400, "height": 1500})
    tab.wait_for_timeout(1000)
    # The README's picture is refreshed on request only, so test runs leave the tree clean.
    if os.environ.get("STOREMON_UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOT))
    tab.set_viewport_size({"width": 1400, "height": 1000})

    _open(tab, f"{base}/store?store_id=missing-store")
    tab.get_by_text("No store has an id that contains this text").wait_for(timeout=WAIT_MS)

    _open(tab, f"{base}/data")
    tab.get_by_text("Database: SQLite file", exact=False).wait_for(timeout=WAIT_MS)
    upload = tab.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    upload.set_input_files(
        files=[{
            "name": "store_status.csv",
            "mimeType": "text/csv",
            "buffer": (
                b"store_id,status,timestamp_utc\n"
                b"x:tada:,active,2024-11-06 23:50:00 UTC\n"
                b"bad id!,active,2024-11-06 23:50:00 UTC\n"
            ),
        }]
    )
    tab.get_by_text("1 row cannot be used", exact=False).wait_for(timeout=WAIT_MS)
    tab.get_by_role("button", name="Load 1 good row").click()
    tab.get_by_text("1 new poll of 1 read", exact=False).wait_for(timeout=WAIT_MS)
    assert open_database(url).search_store_ids("x:tada:", 5) == ["x:tada:"]

    # An id that markdown would turn into an emoji reads as typed.
    _open(tab, f"{base}/store?store_id=x:tada:")
    tab.get_by_text("Store x:tada:", exact=False).wait_for(timeout=WAIT_MS)
    assert "🎉" not in tab.locator('[data-testid="stMain"]').inner_text()


def _main_scrolls_sideways(tab: Page) -> bool:
    return bool(tab.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m.scrollWidth > m.clientWidth + 1"
        " || document.documentElement.scrollWidth > window.innerWidth + 1; }"
    ))


@pytest.mark.parametrize("width", [1400, 800])
def test_every_page_fits_the_screen(
    browser: Any, server: tuple[str, str], width: int
) -> None:
    base, url = server
    worst = get_service(url).latest_complete()
    assert worst is not None and worst.csv
    store_id = str(pd.read_csv(io.StringIO(worst.csv), dtype={"store_id": str})["store_id"][0])
    context = browser.new_context(viewport={"width": width, "height": 1200})
    tab = context.new_page()
    for name, path in (("overview", "/"), ("reports", "/reports"),
                       ("store", f"/store?store_id={store_id}"), ("data", "/data")):
        _open(tab, base + path)
        tab.wait_for_timeout(500)
        _shot(tab, f"{name}-{width}")
        assert not _main_scrolls_sideways(tab), f"{name} scrolls sideways at {width} px"
    context.close()


def test_back_returns_to_the_filtered_overview(browser: Any, server: tuple[str, str]) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    _open(tab, f"{base}/?down=hour&max=99")

    def filtered_view() -> tuple[str, str, bool]:
        matching = tab.get_by_text("matching the filters", exact=False)
        matching.wait_for(timeout=WAIT_MS)
        to = tab.get_by_label("to (%)").input_value()
        down = tab.get_by_role("switch", name="Only stores with downtime in the last hour")
        return matching.inner_text(), to, down.is_checked()

    before = filtered_view()
    assert before[1:] == ("99", True)
    tab.get_by_role("link", name="Open the worst store").click()
    tab.wait_for_url("**/store?**", timeout=WAIT_MS)
    _settle(tab)
    tab.go_back()
    tab.wait_for_url("**/?**", timeout=WAIT_MS)
    _settle(tab)
    assert "down=hour" in tab.url and "max=99" in tab.url
    assert filtered_view() == before
    context.close()


def test_api_routes_share_the_server(server: tuple[str, str]) -> None:
    base, _ = server
    trigger = httpx.post(f"{base}/trigger_report", timeout=10)
    assert trigger.status_code == 200
    report_id = trigger.json()["report_id"]

    def ended() -> httpx.Response | None:
        got = httpx.get(f"{base}/get_report", params={"report_id": report_id}, timeout=10)
        return None if got.status_code == 202 else got

    got = wait_until(ended, timeout=60, every=0.2)
    assert got.status_code == 200
    assert got.text.startswith("store_id,uptime_last_hour,")
    missing = httpx.get(f"{base}/get_report", params={"report_id": "nope"}, timeout=10)
    assert missing.status_code == 404


@pytest.mark.parametrize(("path", "title"), [
    ("overview", "Fleet overview"), ("trends", "Trends"), ("reports", "Reports"),
    ("store", "Store"), ("data", "Data"),
])
def test_each_page_opens_at_its_own_url_on_a_fresh_server(
    browser: Any, tmp_path: Path, path: str, title: str
) -> None:
    # A fresh server: before any session has run the router, Streamlit would
    # take the pages/ folder for the page list (see streamlit_app.py).
    with serve(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        tab.goto(f"{base}/{path}")
        _settle(tab)
        tab.get_by_role("heading", name=title, exact=True).wait_for(timeout=WAIT_MS)
        assert tab.url == f"{base}/{path}"
        assert tab.get_by_text("Page not found").count() == 0
        # The navigation lists the four pages, not the files of pages/.
        nav = tab.get_by_role("navigation", name="App pages").get_by_role("link")
        assert [n.inner_text().split("\n")[-1].strip() for n in nav.all()] == [
            "Overview", "Trends", "Reports", "Store", "Data"
        ]
        context.close()


def test_trends_opens_on_the_real_server(server: tuple[str, str], page: Page) -> None:
    base, _ = server
    tab = page
    tab.goto(f"{base}/trends")
    _settle(tab)
    tab.get_by_text("Fleet uptime per local date").first.wait_for(timeout=WAIT_MS)
    chart = tab.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for(timeout=WAIT_MS)
    assert tab.locator(".js-plotly-plot .scatterlayer .trace").count() > 0
    assert tab.locator('[data-testid="stDownloadButton"]').count() == 2
    _shot(tab, "trends")
