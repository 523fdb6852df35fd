"""The real app in headless Chromium: every page, a report run end to end, an upload.

Needs Debian's chromium (/usr/bin/chromium). Skipped without it, except in CI
(CI=true), where a missing browser is a failure. Screenshots go to tests/artifacts/;
STOREMON_UPDATE_SCREENSHOT=1 also refreshes docs/screenshot-store.png.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pandas as pd
import pytest

from storemon_core.db import open_database
from storemon_core.service import ReportStatus, get_service
from storemon_core.views import uploads
from tests.builders import wait_until

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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`streamlit run` on a free port against a temporary SQLite sample database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    db = open_database(url)
    db.create_schema()
    uploads.load_sample_data(db, stores=30, days=9, seed=5)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    log = (tmp_path_factory.mktemp("log") / "server.log").open("w")
    proc = subprocess.Popen(
        [streamlit, "run", "streamlit_app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "streamlit exited; see its log"
            try:
                if httpx.get(f"{base}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "streamlit did not start"
            time.sleep(0.3)
        yield base, url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(server: tuple[str, str]) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        yield tab
        context.close()
        browser.close()


def _settle(tab: Page) -> None:
    tab.wait_for_selector('[data-testid="stApp"]', timeout=WAIT_MS)
    # Streamlit marks the app as running while the script executes.
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )


def _shot(tab: Page, name: str) -> None:
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_every_page_and_a_report_end_to_end(server: tuple[str, str], page: Page) -> None:
    base, url = server
    tab = page

    tab.goto(f"{base}/")
    _settle(tab)
    tab.get_by_text("There is no complete report yet").wait_for(timeout=WAIT_MS)
    _shot(tab, "overview-empty")

    tab.goto(f"{base}/reports")
    _settle(tab)
    tab.get_by_role("button", name="Generate report").click()
    tab.get_by_text(ReportStatus.COMPLETE, exact=False).first.wait_for(timeout=WAIT_MS)
    download = tab.locator('[data-testid="stDownloadButton"]').first
    download.wait_for(timeout=WAIT_MS)
    assert "Download report CSV" in download.inner_text()
    with tab.expect_download() as info:
        download.locator("button").click()
    csv_text = Path(info.value.path()).read_text()
    latest = get_service(url).latest_complete()
    assert latest is not None
    assert csv_text == latest.csv
    _shot(tab, "reports")

    tab.goto(f"{base}/")
    _settle(tab)
    tab.get_by_text("Fleet uptime, last week").wait_for(timeout=WAIT_MS)
    tab.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    _shot(tab, "overview")

    report = pd.read_csv(io.StringIO(csv_text), dtype={"store_id": str})
    store_id = str(report.sort_values("downtime_last_week", ascending=False)["store_id"].iloc[0])
    tab.goto(f"{base}/store?store_id={store_id}")
    _settle(tab)
    chart = tab.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for(timeout=WAIT_MS)
    assert tab.locator(".js-plotly-plot .barlayer .point").count() > 0
    tab.get_by_text("Time zone:", exact=False).wait_for(timeout=WAIT_MS)
    # Streamlit scrolls inside the page, so a tall viewport captures the whole store.
    tab.set_viewport_size({"width": 1400, "height": 1500})
    tab.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=WAIT_MS)
    tab.wait_for_timeout(1000)
    _shot(tab, "store")
    # The README's picture is refreshed on request only, so test runs leave the tree clean.
    if os.environ.get("STOREMON_UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOT))
    tab.set_viewport_size({"width": 1400, "height": 1000})

    tab.goto(f"{base}/store?store_id=missing-store")
    _settle(tab)
    tab.get_by_text("No store has an id that contains this text").wait_for(timeout=WAIT_MS)

    tab.goto(f"{base}/data")
    _settle(tab)
    tab.get_by_text("Database: SQLite file", exact=False).wait_for(timeout=WAIT_MS)
    upload = tab.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    upload.set_input_files(
        files=[{
            "name": "store_status.csv",
            "mimeType": "text/csv",
            "buffer": (
                b"store_id,status,timestamp_utc\n"
                b"browser-1,active,2024-11-06 23:50:00 UTC\n"
                b"bad id!,active,2024-11-06 23:50:00 UTC\n"
            ),
        }]
    )
    tab.get_by_text("1 rows cannot be used", exact=False).wait_for(timeout=WAIT_MS)
    tab.get_by_role("button", name="Load 1 good rows").click()
    tab.get_by_text("Loaded 1 rows", exact=False).wait_for(timeout=WAIT_MS)
    assert open_database(url).search_store_ids("browser-1", 5) == ["browser-1"]
    _shot(tab, "data")


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
