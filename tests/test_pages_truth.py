"""Pages say as of when their numbers are, follow the data, and say what a load did."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from storemon_core.db import open_database
from storemon_core.frames import Inputs
from storemon_core.service import ReportService, get_service
from storemon_core.service.status import ReportStatus
from storemon_core.views import live
from tests import builders
from tests.pages_app import PAGES, open_page, shown_report_row, table, texts, wait_complete

pytest_plugins = ["tests.pages_fixtures"]
pytestmark = pytest.mark.usefixtures("through_the_router")


def _said(at: Any) -> str:
    return texts(at).replace("\\", "")  # markdown escapes are not what a reader sees


def _stores_metric(at: Any) -> str:
    return str(next(m for m in at.metric if m.label == "Stores").value)


def test_a_back_dated_report_changes_nothing_until_it_is_chosen(use_loaded: str) -> None:
    service = get_service(use_loaded)
    newest = open_database(use_loaded).newest_poll()
    assert newest is not None
    live_before = open_page(PAGES[0])
    worst_before = table(live_before, "stores_table")["store_id"].iloc[0]
    back = (newest - pd.Timedelta(days=2)).floor("h")
    back_id = service.trigger_report(back)
    wait_complete(use_loaded, back_id)

    at = open_page(PAGES[0])
    assert f"Live view: as of the newest poll, {newest:%Y-%m-%d %H:%M:%S} UTC" in _said(at)
    assert table(at, "stores_table")["store_id"].iloc[0] == worst_before
    assert live.REPORT_PARAM not in at.query_params

    at.selectbox(key="view_report").set_value(back_id).run()
    assert at.query_params[live.REPORT_PARAM] == back_id
    said = _said(at)
    assert f"Chosen report {back_id}: as of {back:%Y-%m-%d %H:%M:%S} UTC" in said
    assert f"Newer polls exist: the newest is at {newest:%Y-%m-%d %H:%M:%S} UTC" in said
    frame = service.report_frame(back_id)
    assert frame is not None
    shown = table(at, "stores_table").set_index("store_id")["downtime_last_week"]
    assert shown.to_dict() == frame.set_index("store_id")["downtime_last_week"].to_dict()

    # The choice is in the URL: a link opens it, and the Store page follows it.
    store_id = str(frame.sort_values("downtime_last_week")["store_id"].iloc[-1])
    linked = open_page(PAGES[2], store_id=store_id, report=back_id)
    assert f"Chosen report {back_id}" in _said(linked)
    row = frame.set_index("store_id").loc[store_id]
    for column, value in shown_report_row(linked).items():
        assert value == pytest.approx(float(row[column]), abs=0.011), column
    linked.selectbox(key="view_report").set_value("live view").run()
    assert live.REPORT_PARAM not in linked.query_params
    assert "Live view" in _said(linked)


@pytest.fixture
def held_reports(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Reports wait for the returned event before reading their polls (a slow fleet)."""
    release = threading.Event()
    read = ReportService._read_inputs

    def held(service: ReportService, as_of_us: int) -> Any:
        release.wait(60)
        return read(service, as_of_us)

    monkeypatch.setattr(ReportService, "_read_inputs", held)
    yield release
    release.set()


NEWER_POLLS = (
    "store_id,status,timestamp_utc\n"
    "upload-2,active,2024-11-07 10:00:00 UTC\n"
    "upload-2,inactive,2024-11-07 11:00:00 UTC\n"
)


def _upload(at: Any, csv: str) -> Any:
    at.file_uploader(key="up_status").set_value(("store_status.csv", csv.encode(), "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    assert not at.exception
    return at


def test_a_load_makes_a_report_and_pages_show_newer_polls_until_it_ends(
    use_loaded: str, held_reports: threading.Event
) -> None:
    service = get_service(use_loaded)
    before = service.latest_complete()
    assert before is not None
    data = _upload(open_page(PAGES[3]), NEWER_POLLS)
    made = live.standard_reports(service.list_reports(3)).iloc[0]
    assert made["status"] == ReportStatus.RUNNING and made["report_id"] in _said(data)
    newest = pd.Timestamp("2024-11-07 11:00", tz="UTC")
    assert open_database(use_loaded).newest_poll() == newest

    # While the load's report is counted, the last one stands in, marked as such.
    at = open_page(PAGES[0])
    said = _said(at)
    assert f"Latest report {before.report_id}: as of {before.as_of:%Y-%m-%d %H:%M:%S} UTC" in said
    assert "Newer polls exist: the newest is at 2024-11-07 11:00:00 UTC" in said
    assert "being counted" in said

    held_reports.set()
    wait_complete(use_loaded, str(made["report_id"]))
    at.run()
    assert "Live view: as of the newest poll, 2024-11-07 11:00:00 UTC" in _said(at)
    assert "Newer polls exist" not in _said(at)
    assert "upload-2" in set(table(at, "stores_table")["store_id"])


REPEATED = (
    "store_id,status,timestamp_utc\n"
    "again-1,active,2024-11-05 09:00:00 UTC\n"
    "bad id!,active,2024-11-05 09:00:00 UTC\n"
    "again-1,inactive,2024-11-05 10:00:00 UTC\n"
)


def test_an_identical_reload_adds_nothing_and_says_so(empty_db: str) -> None:
    db = open_database(empty_db)
    first = _upload(open_page(PAGES[3]), REPEATED)
    said = _said(first)
    assert "2 new polls of 2 read (0 already loaded)." in said
    assert "1 row rejected" in said
    assert "A report as of the newest poll is being made" in said
    reports_after_first = get_service(empty_db).list_reports(10)
    # The standard report, and the period reports of Trends' default period and the one before.
    assert len(reports_after_first) == 3
    assert reports_after_first["first"].isna().sum() == 1

    again = _upload(open_page(PAGES[3]), REPEATED)
    said = _said(again)
    assert "No new polls: 2 polls read, all already loaded." in said
    assert "1 rejected row already on record from an earlier load, not listed again." in said
    assert "no report was started" in said
    assert db.summary().polls == 2 and db.summary().rejected_rows == 1
    assert len(db.rejected_rows(10)) == 1
    assert len(get_service(empty_db).list_reports(10)) == len(reports_after_first)


def test_no_report_after_a_load_when_turned_off(
    empty_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREMON_AUTO_REPORT", "0")
    said = _said(_upload(open_page(PAGES[3]), REPEATED))
    assert "2 new polls" in said and "no report was started" in said
    assert get_service(empty_db).list_reports(10).empty


def test_the_overview_shows_and_filters_time_since_the_last_poll(empty_db: str) -> None:
    stamps = pd.date_range("2024-11-05 00:00", "2024-11-06 12:00", freq="h", tz="UTC")
    rows = [("busy-1", str(t), "active") for t in stamps]
    rows += [("quiet-1", str(t), "active") for t in stamps[stamps <= stamps[-1] - pd.Timedelta(
        hours=30)]]
    open_database(empty_db).load(Inputs(polls=builders.polls(*rows)))
    at = open_page(PAGES[0], quiet="24")
    shown = table(at, "stores_table")
    assert list(shown["store_id"]) == ["quiet-1"]
    assert shown["hours_since_poll"].iloc[0] == pytest.approx(30.0)
    assert "of the 1 store matching the filters, out of 2" in _said(at)
    assert at.number_input(key="f_quiet").value == 24


def test_the_store_page_says_hours_zone_and_week_and_orders_incidents(empty_db: str) -> None:
    # Open 09:00-17:00 on Mondays, no zone on file; down twice on Monday 2024-11-04.
    polls = builders.polls(
        ("only-store-7", "2024-11-04 15:00", "active"),
        ("only-store-7", "2024-11-04 16:00", "inactive"),
        ("only-store-7", "2024-11-04 18:00", "active"),
        ("only-store-7", "2024-11-04 19:00", "inactive"),
        ("only-store-7", "2024-11-04 21:00", "inactive"),
    )
    hours = builders.hours(("only-store-7", 0, "09:00", "17:00"))
    open_database(empty_db).load(Inputs(polls=polls, business_hours=hours))
    at = open_page(PAGES[2], store_id="store-7")  # the only match opens at once
    assert at.query_params["store_id"] == "only-store-7"
    said = _said(at)
    assert "Time zone: America/Chicago, assumed: none on file" in said
    assert "Week 2024-10-28 16:00 to 2024-11-04 15:00:00 (America/Chicago)" in said
    assert list(table(at, "business_hours")["open"]) == ["09:00–17:00"] + ["closed"] * 6
    longest = table(at, "incidents")
    assert list(longest["duration_hours"]) == sorted(longest["duration_hours"], reverse=True)
    at.segmented_control(key="incident_order").set_value("Oldest first").run()
    oldest = table(at, "incidents")
    assert list(oldest["start"]) == sorted(oldest["start"]) and len(oldest) == len(longest) == 2
    at.segmented_control(key="time_mode").set_value("UTC").run()
    assert "Week 2024-10-28 21:00 to 2024-11-04 21:00:00 (UTC)" in _said(at)
