"""Every dashboard page through Streamlit's AppTest, on an empty and a loaded database."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from storemon_core.db import Database, open_database
from storemon_core.engine.uptime import REPORT_COLUMNS
from storemon_core.frames import Inputs
from storemon_core.service import get_service
from storemon_core.service.status import ReportStatus
from storemon_core.views import store
from tests.builders import engine_csv, engine_history_csvs
from tests.pages_app import (
    APP,
    PAGES,
    TIMEOUT,
    open_page,
    shown_report_row,
    table,
    texts,
    wait_complete,
)

# The fixtures of these pages' tests (empty_db, use_loaded, ...) live beside the helpers.
pytest_plugins = ["tests.pages_fixtures"]
pytestmark = pytest.mark.usefixtures("through_the_router")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(empty_db: str, page: str) -> None:
    at = open_page(page)
    assert at.title[0].value


def test_empty_database_says_what_to_do(empty_db: str) -> None:
    assert "no polls are loaded" in texts(open_page(PAGES[0])).lower()
    assert "no polls are loaded" in texts(open_page(PAGES[1])).lower()
    data = open_page(PAGES[3])
    assert data.button(key="load_sample")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_loaded_database(use_loaded: str, page: str) -> None:
    at = open_page(page)
    assert at.title[0].value


def test_overview_shows_the_live_report_worst_first(use_loaded: str) -> None:
    at = open_page(PAGES[0])
    latest = get_service(use_loaded).latest_complete()
    assert latest is not None and latest.as_of == open_database(use_loaded).newest_poll()
    report = get_service(use_loaded).report_frame(latest.report_id)
    assert report is not None
    stores = next(m for m in at.metric if m.label == "Stores")
    assert stores.value == f"{len(report):,}"
    assert f"Live view: as of the newest poll, {latest.as_of:%Y-%m-%d %H:%M:%S} UTC" in (
        texts(at).replace("\\", ""))
    stores_table = table(at, "stores_table")
    assert len(stores_table) == len(report)
    pct = stores_table["uptime_pct_week"].dropna()
    assert list(pct) == sorted(pct)  # worst first
    # the headline's worst store is the table's first row
    worst = stores_table["store_id"].iloc[0]
    assert f"Worst store, last week: {worst}" in [t.value for t in at.text]


def test_overview_filters_come_from_the_link(use_loaded: str) -> None:
    report = get_service(use_loaded).report_frame(
        get_service(use_loaded).latest_complete().report_id  # type: ignore[union-attr]
    )
    wanted = str(report["store_id"].iloc[0])
    at = open_page(PAGES[0], q=wanted)
    assert list(table(at, "stores_table")["store_id"]) == [wanted]
    assert at.query_params["q"] == wanted
    at.text_input(key="f_search").set_value("").run()
    assert len(table(at, "stores_table")) == len(report)
    assert "q" not in at.query_params


def test_overview_row_selection_opens_the_store(use_loaded: str) -> None:
    at = open_page(PAGES[0])
    first = str(table(at, "stores_table")["store_id"].iloc[0])
    at.session_state["stores_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params.get("store_id") == first
    assert at.title[0].value == "Store"


def test_generating_a_report_ends_with_download_buttons(use_loaded: str) -> None:
    at = open_page(PAGES[1])
    before = len(get_service(use_loaded).list_reports(50))
    at.button(key="generate").click().run()
    report_id = at.session_state["report_id"]
    deadline = time.monotonic() + TIMEOUT
    # AppTest does not run fragments on a timer: rerun as the browser's timer would.
    while not at.download_button and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
        assert not at.exception
    labels = [b.label for b in at.download_button]
    assert "Download report CSV" in labels and "Download extended CSV" in labels
    state = get_service(use_loaded).get_report(report_id)
    assert state is not None and state.status == ReportStatus.COMPLETE
    assert len(get_service(use_loaded).list_reports(50)) == before + 1
    history = table(at, "history")
    assert report_id in list(history["report_id"])


def test_reports_page_after_reload_shows_the_newest_report(use_loaded: str) -> None:
    # A fresh session has no report id in its state; the history supplies it.
    at = open_page(PAGES[1])
    assert at.download_button


def test_store_page_shows_the_report_csv_numbers(use_loaded: str) -> None:
    service = get_service(use_loaded)
    latest = service.latest_complete()
    assert latest is not None and latest.csv
    csv = pd.read_csv(io.StringIO(latest.csv), dtype={"store_id": str})
    busy = csv[csv["downtime_last_week"] > 0]
    assert len(busy), "the sample should have some downtime"
    for store_id in [str(busy["store_id"].iloc[0]), str(csv["store_id"].iloc[-1])]:
        at = open_page(PAGES[2], store_id=store_id)
        shown = shown_report_row(at)
        expected = store.csv_row(latest.csv, store_id)
        assert sorted(shown) == sorted(REPORT_COLUMNS[1:])
        assert any(t.value.startswith(f"Store {store_id}\n") for t in at.text)
        for column in REPORT_COLUMNS[1:]:
            assert shown[column] == pytest.approx(expected[column].iloc[0], abs=0.011)
        assert at.get("plotly_chart")


def test_store_page_switches_to_utc(use_loaded: str) -> None:
    latest = get_service(use_loaded).latest_complete()
    assert latest is not None and latest.csv
    store_id = str(pd.read_csv(io.StringIO(latest.csv), dtype={"store_id": str})["store_id"][0])
    at = open_page(PAGES[2], store_id=store_id)
    assert not [t for t in at.text if "UTC time" in t.value]
    at.segmented_control(key="time_mode").set_value("UTC").run()
    assert not at.exception


def test_store_page_suggests_ids_for_a_fragment(use_loaded: str) -> None:
    latest = get_service(use_loaded).latest_complete()
    assert latest is not None and latest.csv
    store_id = str(pd.read_csv(io.StringIO(latest.csv), dtype={"store_id": str})["store_id"][0])
    at = open_page(PAGES[2], store_id=store_id[:2])
    pick = at.selectbox(key="store_pick")
    assert store_id in pick.options
    pick.set_value(store_id).run()
    assert at.query_params["store_id"] == store_id
    assert any(t.value.startswith(f"Store {store_id}\n") for t in at.text)


def test_unknown_store_gets_a_clear_message(use_loaded: str) -> None:
    at = open_page(PAGES[2], store_id="no-such-store_<b>x</b>")
    assert not at.dataframe
    assert any("No store" in e.value for e in at.error)
    # shown as text, never rendered as markup
    assert any(c.value == "no-such-store_<b>x</b>" for c in at.code)


GOOD_AND_BAD = (
    "store_id,status,timestamp_utc\n"
    "upload-1,active,2024-11-06 23:00:00.000000 UTC\n"
    "bad id!,active,2024-11-06 23:00:00 UTC\n"
    "upload-1,sleeping,2024-11-06 23:10:00 UTC\n"
    "upload-1,inactive,2024-11-06 23:20:00 UTC\n"
)


def test_upload_lists_bad_rows_and_loads_the_good_ones(empty_db: str) -> None:
    at = open_page(PAGES[3])
    at.file_uploader(key="up_status").set_value(
        ("store_status.csv", GOOD_AND_BAD.encode(), "text/csv")
    ).run()
    assert not at.exception
    rejected = table(at, "upload_rejected")
    assert list(rejected["line"]) == [3, 4]
    assert list(rejected["row"]) == [
        "bad id!,active,2024-11-06 23:00:00 UTC",
        "upload-1,sleeping,2024-11-06 23:10:00 UTC",
    ]
    assert open_database(empty_db).newest_poll() is None  # validation loads nothing
    at.button(key="load_upload").click().run()
    assert not at.exception
    assert open_database(empty_db).newest_poll() == pd.Timestamp("2024-11-06 23:20", tz="UTC")
    assert open_database(empty_db).search_store_ids("upload-1", 10) == ["upload-1"]


def test_upload_of_unreadable_file_loads_nothing(empty_db: str) -> None:
    at = open_page(PAGES[3])
    at.file_uploader(key="up_hours").set_value(
        ("menu_hours.csv", b"what,is,this\n1,2,3\n", "text/csv")
    ).run()
    assert not at.exception
    assert any("cannot be read" in e.value for e in at.error)
    assert "load_upload" not in _keys(at)
    assert open_database(empty_db).newest_poll() is None


def _keys(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key}


def test_sample_data_button_fills_an_empty_database(empty_db: str) -> None:
    at = open_page(PAGES[3])
    at.button(key="load_sample").click().run()
    assert not at.exception
    assert open_database(empty_db).newest_poll() is not None
    said = " ".join(s.value for s in at.success).replace("\\", "")
    assert "new polls of" in said and "A report as of the newest poll is being made" in said
    reports = get_service(empty_db).list_reports(5)
    standard = reports[reports["first"].isna()]
    assert len(reports) == 3 and len(standard) == 1  # and Trends' two periods
    assert standard["report_id"].iloc[0] in said and "period reports" in said
    assert not _keys(at) & {"load_sample"}


def test_every_page_on_sqlite_and_mysql(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same pages, numbers included, on both kinds of database (conftest's `db`)."""
    url = db.url
    monkeypatch.setenv("DATABASE_URL", url)
    open_database(url).load(export_inputs)
    service = get_service(url)
    wait_complete(url, service.trigger_report())
    latest = service.latest_complete()
    assert latest is not None and latest.csv
    for page in PAGES:
        open_page(page)
    csv = pd.read_csv(io.StringIO(latest.csv), dtype={"store_id": str})
    store_id = str(csv.sort_values("downtime_last_week")["store_id"].iloc[-1])
    shown = shown_report_row(open_page(PAGES[2], store_id=store_id))
    expected = store.csv_row(latest.csv, store_id)
    for column in REPORT_COLUMNS[1:]:
        assert shown[column] == pytest.approx(expected[column].iloc[0], abs=0.011)


def test_failed_report_shows_its_reason(empty_db: str) -> None:
    # The page offers no button without data, but the API can still ask for one.
    report_id = get_service(empty_db).trigger_report()
    get_service(empty_db).wait(report_id)
    at = open_page(PAGES[1])
    assert any("failed" in e.value.lower() for e in at.error)
    reason = get_service(empty_db).get_report(report_id).error  # type: ignore[union-attr]
    assert reason and any(c.value == reason for c in at.code)
    assert list(table(at, "history")["error"]) == [reason]
    assert not at.download_button


def test_report_at_a_chosen_instant(use_loaded: str) -> None:
    at = open_page(PAGES[1])
    at.checkbox(key="pick_as_of").check().run()
    newest = open_database(use_loaded).newest_poll()
    assert newest is not None
    chosen = (newest - pd.Timedelta(days=1)).floor("min")
    at.date_input(key="as_of_date").set_value(chosen.date())
    at.time_input(key="as_of_time").set_value(chosen.time())
    at.button(key="generate").click().run()
    state = get_service(use_loaded).wait(at.session_state["report_id"])
    assert state is not None and state.status == ReportStatus.COMPLETE
    assert state.as_of == chosen


def test_history_rows_can_be_downloaded(use_loaded: str) -> None:
    service = get_service(use_loaded)
    service.wait(service.trigger_report())  # so the oldest report is not the current one
    older = service.list_reports(50)["report_id"].iloc[-1]
    at = open_page(PAGES[1])
    assert {b.key for b in at.download_button} == {"current_csv", "current_extended"}
    row = list(table(at, "history")["report_id"]).index(older)
    at.session_state["history"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    selected = [b for b in at.download_button if b.key.startswith("selected")]
    assert {b.label for b in selected} == {"Download report CSV", "Download extended CSV"}
    assert any(t.value == f"Report {older}: {ReportStatus.COMPLETE}" for t in at.text)


def test_overview_without_any_report_counts_the_polls_itself(
    empty_db: str, export_inputs: Inputs
) -> None:
    open_database(empty_db).load(export_inputs)  # a load that started no report
    at = open_page(PAGES[0])
    assert "counted from the polls" in texts(at)
    expected = pd.read_csv(io.StringIO(engine_csv(export_inputs)), dtype={"store_id": str})
    assert next(m for m in at.metric if m.label == "Stores").value == f"{len(expected):,}"
    shown = table(at, "stores_table").set_index("store_id")["downtime_last_week"]
    assert shown.to_dict() == pytest.approx(
        expected.set_index("store_id")["downtime_last_week"].to_dict(), abs=0.011)
    assert get_service(empty_db).list_reports(5).empty


def test_pages_folder_override_is_still_needed_and_applied() -> None:
    """streamlit_app.py overrides an internal of Streamlit's; this fails when that
    internal changes, so the override can be reviewed (and dropped if not needed)."""
    import importlib.util
    import inspect

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    saved = PagesManager.uses_pages_directory
    try:
        # Streamlit still guesses the old layout from the pages/ folder beside the app...
        PagesManager.uses_pages_directory = None
        PagesManager(APP)
        assert PagesManager.uses_pages_directory is True
        # ...and its script runner still obeys the guess...
        assert "PagesManager.uses_pages_directory" in inspect.getsource(script_runner)
        # ...so loading the app as the server does (to find `app`) turns it off.
        spec = importlib.util.spec_from_file_location("storemon_served_app", APP)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert PagesManager.uses_pages_directory is False
        assert module.app is not None
    finally:
        PagesManager.uses_pages_directory = saved


def test_reports_page_makes_a_period_report_and_lists_its_period(use_loaded: str) -> None:
    at = open_page(PAGES[1])
    newest = get_service(use_loaded).db.newest_poll()
    assert newest is not None
    at.segmented_control(key="report_kind").set_value("A period, day by day").run()
    first = (newest - pd.Timedelta(days=3)).date()
    at.date_input(key="period_dates").set_value((first, newest.date()))
    at.button(key="generate_period").click().run()
    assert not at.exception
    state = get_service(use_loaded).wait(at.session_state["report_id"], TIMEOUT)
    assert state is not None and state.status == ReportStatus.COMPLETE, state
    assert (state.first, state.last) == (first, newest.date())
    inputs = open_database(use_loaded).read_inputs_between(0, 2**62)
    daily, totals = engine_history_csvs(inputs, first, newest.date())
    assert (state.daily_csv, state.csv) == (daily, totals)
    at.run()
    labels = [b.label for b in at.download_button]
    assert "Download period CSV" in labels and "Download daily CSV" in labels
    shown = table(at, "history").set_index("report_id")
    assert shown.loc[state.report_id, "period"] == f"{first:%Y-%m-%d} … {newest:%Y-%m-%d}"


def test_reports_page_refuses_a_period_with_a_sentence(use_loaded: str) -> None:
    at = open_page(PAGES[1])
    at.segmented_control(key="report_kind").set_value("A period, day by day").run()
    newest = get_service(use_loaded).db.newest_poll()
    assert newest is not None
    at.date_input(key="period_dates").set_value((newest.date(),))
    at.button(key="generate_period").click().run()
    assert not at.exception
    assert "No report was started for this period." in [e.value for e in at.error]
