"""Cached access to the database, the report service and their outputs.

Results are cached by report id (a finished report never changes) or by the
data version (changes whenever a load adds or replaces data), so pages stay
fast at fleet scale without ever showing stale numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from storemon_core import config
from storemon_core.db import Database, DataSummary, open_database
from storemon_core.db.freshness import Freshness, freshness
from storemon_core.db.history import read_store_history
from storemon_core.exports import InputError
from storemon_core.frames import Inputs
from storemon_core.service import ReportService, get_service
from storemon_core.service.status import ReportStatus
from storemon_core.views import failures, live, overview, periods, store, trends, uploads


def database() -> Database:
    return failures.opened(config.database_url(), open_database)


def service() -> ReportService:
    return failures.opened(config.database_url(), get_service)


@contextmanager
def database_guard() -> Iterator[None]:
    """Say so, in plain words, when the database cannot be used; re-raise other errors."""
    try:
        yield
    except Exception as error:
        failure = failures.database_failure(config.database_url(), error)
        if failure is None:
            raise
        failures.log_failure(failure)
        st.error("The database cannot be used, so this page cannot show its data.")
        st.text(
            f"Database: {failure.database}\n"
            f"What failed: {failure.what}\n"
            f"What to check: {failure.check}"
        )


def data_version() -> str:
    return database().data_version()


@st.cache_data(max_entries=8, show_spinner=False)
def report_table(report_id: str) -> pd.DataFrame | None:
    """A Complete report's extended rows with uptime %; call it for finished reports only
    (the cache keeps its answer)."""
    frame = service().report_frame(report_id)
    return None if frame is None else overview.with_uptime_pct(frame)


@st.cache_data(max_entries=2, show_spinner="Counting the fleet as of the newest poll...")
def counted_live(version: str) -> pd.DataFrame:
    del version  # part of the cache key only
    return live.count_live(database())


@st.cache_data(max_entries=4, show_spinner=False)
def data_freshness(version: str) -> Freshness:
    del version
    return freshness(database())


@st.cache_data(max_entries=256, show_spinner="Drawing the store's week...")
def store_week(store_id: str, as_of: pd.Timestamp, version: str) -> store.StoreWeek | None:
    del version  # part of the cache key only
    return store.store_week(database(), store_id, as_of)


@st.cache_data(max_entries=512, show_spinner=False)
def search_store_ids(fragment: str, version: str) -> list[str]:
    del version
    return database().search_store_ids(fragment, 50)


def newest_poll(version: str) -> pd.Timestamp | None:
    return data_freshness(version).newest_poll


@st.cache_data(max_entries=4, show_spinner=False)
def data_summary(version: str) -> DataSummary:
    del version
    return database().summary()


@st.cache_data(max_entries=4, show_spinner=False)
def rejected_rows(version: str) -> pd.DataFrame:
    del version
    return database().rejected_rows(1000)


def has_polls(version: str) -> bool:
    return newest_poll(version) is not None


def validated_uploads(*files: UploadedFile | None) -> Inputs | InputError:
    """Parse the uploaded exports once per set of files, not on every rerun."""
    key = tuple(None if f is None else f.file_id for f in files)
    cached = st.session_state.get("_validated_uploads")
    if cached is not None and cached[0] == key:
        result: Inputs | InputError = cached[1]
        return result
    with st.spinner("Checking the files..."):
        try:
            result = uploads.validate_uploads(*files)
        except InputError as error:
            result = error
    st.session_state["_validated_uploads"] = (key, result)
    return result


# How often a running report's progress is read; its end shows within this.
FOLLOW_SECONDS = 0.25


@st.fragment(run_every=FOLLOW_SECONDS)
def follow_report(report_id: str, doing: str) -> None:
    """A running report's progress; the whole page reruns when it ends."""
    # A fragment reruns on its own, outside the router's guard.
    with database_guard():
        state = service().get_report(report_id)
        if state is None or state.status != ReportStatus.RUNNING:
            st.rerun()
        fraction = min(max(float(state.progress or 0.0), 0.0), 1.0)
        st.progress(fraction, text=f"{doing}: {state.phase or 'running'}")


def set_params(params: dict[str, str], owned: tuple[str, ...]) -> None:
    """Write `params` into the URL, dropping the `owned` keys they leave out; other
    keys (another widget's) stay."""
    for key in owned:
        if key not in params and key in st.query_params:
            del st.query_params[key]
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


# A period's rows, shared by the Trends page (and kept as resources, not copied on
# every hit: a period of the whole fleet is large, and the view-models only read it).
@st.cache_resource(max_entries=8, show_spinner="Reading the period report...")
def stored_period(report_id: str) -> periods.PeriodRows:
    """A Complete period report's rows; call it for finished reports only."""
    found = service().get_report(report_id)
    if found is None:
        raise LookupError(f"report {report_id} is gone")
    return periods.from_report(found)


class _CountedPeriods:
    """Periods counted by this server, each kept on its own (the newest few): a
    period stepped back to, or one whose partner now has a report, is not counted
    again."""

    KEPT = 4

    def __init__(self) -> None:
        self.rows: OrderedDict[tuple[date, date, str], periods.PeriodRows] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[date, date, str]) -> periods.PeriodRows | None:
        with self.lock:
            found = self.rows.get(key)
            if found is not None:
                self.rows.move_to_end(key)
            return found

    def put(self, key: tuple[date, date, str], rows: periods.PeriodRows) -> None:
        with self.lock:
            self.rows[key] = rows
            while len(self.rows) > self.KEPT:
                self.rows.popitem(last=False)


@st.cache_resource
def _counted() -> _CountedPeriods:
    return _CountedPeriods()


def counted_periods(chosen: list[tuple[date, date]], version: str,
                    with_daily: list[tuple[date, date]]) -> list[periods.PeriodRows]:
    """The periods counted from the database as of the newest poll: the ones this
    server has not counted yet are counted together (periods.counted_together),
    the daily rows of those `with_daily` (shown day by day) included."""
    kept = _counted()
    found = {period: kept.get((*period, version)) for period in chosen}
    missing = [period for period, rows in found.items() if rows is None]
    counted: dict[tuple[date, date], periods.PeriodRows] = {}
    if missing:
        with st.spinner("Computing the period day by day..."):
            counted = dict(zip(missing, periods.counted_together(
                database(), missing, with_daily), strict=True))
        for period, rows in counted.items():
            kept.put((*period, version), rows)
    return [found[period] or counted[period] for period in chosen]


def period_rows(chosen: list[tuple[date, date]],
                version: str) -> list[periods.PeriodRows]:
    """Each period (first, last) as of the newest poll: the period report made after
    the last load when there is one, else counted here (the missing ones together;
    the first is the one shown day by day). While such a report is still being
    made, its progress is shown and the page stops (it reruns when the report ends)."""
    reports, fresh = service().list_reports(50), data_freshness(version)
    found = [live.live_report(reports, fresh, period) for period in chosen]
    for row, (first, last) in zip(found, chosen, strict=True):
        if row is not None and row["status"] != ReportStatus.COMPLETE:
            follow_report(str(row["report_id"]),
                          f"Computing {first:%Y-%m-%d} … {last:%Y-%m-%d} after the load")
            st.stop()
    missing = [period for row, period in zip(found, chosen, strict=True) if row is None]
    counted = iter(counted_periods(missing, version, chosen[:1]) if missing else [])
    return [next(counted) if row is None else stored_period(str(row["report_id"]))
            for row in found]


@st.cache_data(max_entries=64, show_spinner=False)
def store_period_days(store_id: str, first: date, last: date, version: str) -> pd.DataFrame:
    """One store's daily rows of the period: its own polls, not the fleet's history."""
    del version  # part of the cache key only
    return read_store_history(database(), store_id, first, last).daily


@st.cache_data(max_entries=8, show_spinner=False)
def trends_view(first: date, last: date, search: str, worst: int, version: str,
                _current: periods.PeriodRows, _previous: periods.PeriodRows) -> trends.TrendsView:
    """The Trends page's tables for the period first … last and the one before it."""
    del first, last, version  # the cache key: with these, the two periods' rows are given
    return trends.trends_view(_current.history, _previous.totals, search, worst)


def day_columns() -> dict[str, Any]:
    """Column settings of a table of local dates and their hours (Trends, Store)."""
    return {
        "date": st.column_config.DateColumn("Local date", format="YYYY-MM-DD"),
        "business_hours": st.column_config.NumberColumn("Business (h)", format="%.2f"),
        "uptime": st.column_config.NumberColumn("Up (h)", format="%.2f"),
        "downtime": st.column_config.NumberColumn("Down (h)", format="%.2f"),
        "unobserved": st.column_config.NumberColumn("Unobserved (h)", format="%.2f"),
    }
