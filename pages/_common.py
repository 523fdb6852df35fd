"""Cached access to the database, the report service and their outputs.

Results are cached by report id (a finished report never changes) or by the
data version (changes whenever a load adds or replaces data), so pages stay
fast at fleet scale without ever showing stale numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from storemon_core import config
from storemon_core.db import Database, open_database
from storemon_core.db.history import read_history
from storemon_core.engine.history import History
from storemon_core.engine.timeline import StoreTimeline
from storemon_core.exports import InputError
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import daily_csv, period_csv
from storemon_core.service import ReportService, get_service
from storemon_core.views import data, overview, store, trends, uploads


def database() -> Database:
    return open_database(config.database_url())


def service() -> ReportService:
    return get_service(config.database_url())


def data_version() -> str:
    return database().data_version()


@st.cache_data(max_entries=8, show_spinner=False)
def report_table(report_id: str) -> pd.DataFrame | None:
    frame = service().report_frame(report_id)
    return None if frame is None else overview.with_uptime_pct(frame)


@st.cache_data(max_entries=256, show_spinner="Drawing the store's week...")
def store_view(store_id: str, as_of: pd.Timestamp, version: str) -> StoreTimeline | None:
    del version  # part of the cache key only
    return store.store_view(database(), store_id, as_of)


@st.cache_data(max_entries=512, show_spinner=False)
def search_store_ids(fragment: str, version: str) -> list[str]:
    del version
    return database().search_store_ids(fragment, 50)


@st.cache_data(max_entries=4, show_spinner=False)
def newest_poll(version: str) -> pd.Timestamp | None:
    del version
    return database().newest_poll()


@st.cache_data(max_entries=4, show_spinner=False)
def data_summary(version: str) -> pd.DataFrame:
    del version
    # The database line is shown on its own, above the table.
    return data.summary_table(database().summary(), hide=("database",))


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


# History of a period, shared by the Trends page and the Store page's days. Kept as a
# resource (not copied on every hit): a period of the whole fleet is large, and the
# view-models only read it.
@st.cache_resource(max_entries=4, show_spinner="Computing the period day by day...")
def period_history(first: date, last: date, version: str) -> History:
    del version  # part of the cache key only
    return read_history(database(), first, last)


@st.cache_data(max_entries=8, show_spinner=False)
def trends_view(first: date, last: date, search: str, worst: int,
                version: str) -> trends.TrendsView:
    return trends.trends_view(period_history(first, last, version),
                              period_history(*trends.previous_period(first, last), version),
                              search, worst)


@st.cache_data(max_entries=4, show_spinner="Writing the CSVs...")
def period_csvs(first: date, last: date, version: str) -> tuple[str, str]:
    """The period's daily and period CSVs, as `storemon history` writes them."""
    chosen = period_history(first, last, version)
    return daily_csv(chosen.daily), period_csv(chosen.totals)


def day_columns() -> dict[str, Any]:
    """Column settings of a table of local dates and their hours (Trends, Store)."""
    return {
        "date": st.column_config.DateColumn("Local date", format="YYYY-MM-DD"),
        "business_hours": st.column_config.NumberColumn("Business (h)", format="%.2f"),
        "uptime": st.column_config.NumberColumn("Up (h)", format="%.2f"),
        "downtime": st.column_config.NumberColumn("Down (h)", format="%.2f"),
        "unobserved": st.column_config.NumberColumn("Unobserved (h)", format="%.2f"),
    }
