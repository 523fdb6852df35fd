"""Reports: generate one, watch it run, download it; past reports below."""

from __future__ import annotations

import streamlit as st

from pages._common import data_version, follow_report, newest_poll, service
from storemon_core.engine.period import default_period
from storemon_core.instants import InstantError
from storemon_core.service.status import ReportStatus
from storemon_core.views import live, reports

st.title("Reports")
svc = service()
newest = newest_poll(data_version())

if newest is None:
    st.info("No polls are loaded yet. Load data on the Data page first.")
    kind = None
else:
    st.caption(f"Newest poll: {newest:%Y-%m-%d %H:%M:%S} UTC")
    kind = st.segmented_control("Kind of report", list(reports.KINDS), default=reports.KINDS[0],
                                key="report_kind") or reports.KINDS[0]
if newest is not None and kind == reports.KINDS[1]:
    picked = st.date_input("Period: local dates, both included",
                           value=default_period(newest), max_value=newest.date(),
                           key="period_dates", format="YYYY-MM-DD")
    if st.button("Generate period report", type="primary", key="generate_period"):
        try:
            first, last = reports.picked_period(picked)
            st.session_state["report_id"] = svc.trigger_report(first=first, last=last)
        except ValueError as error:  # PeriodError, InstantError: a sentence each
            st.error("No report was started for this period.")
            st.text(str(error))
elif newest is not None:
    pick = st.checkbox("Choose the as-of instant (default: the newest poll)", key="pick_as_of")
    day = clock = None
    if pick:
        left, right = st.columns(2)
        first, last = reports.AS_OF_DATES
        day = left.date_input(
            "As-of date (UTC)", value=reports.as_of_default_date(newest),
            min_value=first, max_value=last, key="as_of_date",
        )
        clock = right.time_input(
            "As-of time (UTC)", value=newest.time().replace(microsecond=0),
            key="as_of_time", step=60,
        )
    if st.button("Generate report", type="primary", key="generate"):
        try:
            chosen = None if day is None or clock is None else (
                reports.as_of_from_parts(day, clock, newest))
            as_of = reports.report_as_of(chosen, newest)
            st.session_state["report_id"] = svc.trigger_report(as_of)
        except InstantError as error:
            st.error("No report was started: it cannot be made at this instant.")
            st.text(str(error))

recent = svc.list_reports(50)
history = reports.history_table(recent)
report_id = st.session_state.get("report_id")
if report_id is None and not history.empty:
    # A reload loses session state; the newest report in the database stands in.
    report_id = str(history["report_id"].iloc[0])


def _csv(report_id: str, second: bool) -> bytes:
    state = service().get_report(report_id)
    return reports.csv_bytes(state, second)


def download_buttons(report_id: str, key: str, period: bool) -> None:
    # The CSVs are read when a button is pressed, not on every run of the page.
    for label, second, suffix, kind in reports.downloads(period):
        st.download_button(
            label,
            data=lambda second=second: _csv(report_id, second),
            file_name=f"report_{report_id}{suffix}.csv",
            mime="text/csv",
            key=f"{key}{suffix or '_csv'}",
            on_click="ignore",
            type=kind,
        )


def show_result(report_id: str, key: str) -> None:
    shown = reports.outcome(recent, report_id)
    if shown is None:
        state = svc.get_report(report_id)
        shown = None if state is None else reports.Outcome(
            state.report_id, state.status, state.error, state.as_of, state.store_count,
            state.duration_seconds, reports.period_text(state.first, state.last))
    if shown is None:
        st.warning("That report no longer exists.")
        return
    st.text(f"Report {report_id}: {shown.status}"
            + (f" (period {shown.period})" if shown.is_period else ""))
    if shown.status == ReportStatus.RUNNING:
        follow_report(report_id, "Counting")
    elif shown.status == ReportStatus.FAILED:
        st.error("The report failed. Reason:")
        st.code(shown.error or "unknown", language=None)
    else:
        with st.container(horizontal=True, key=f"{key}_figures"):
            st.metric("Stores", f"{shown.store_count or 0:,}", width="content")
            st.metric("Duration", f"{shown.duration_seconds or 0:.1f} s", width="content")
            as_of = "none" if shown.as_of is None else f"{shown.as_of:%Y-%m-%d %H:%M:%S}"
            st.metric("As of (UTC)", as_of, width="content")
        with st.container(horizontal=True, key=f"{key}_actions"):
            download_buttons(report_id, key, shown.is_period)
            if not shown.is_period:
                st.page_link("pages/overview.py", label="Show it in the Overview",
                             icon=":material/dashboard:",
                             query_params={live.REPORT_PARAM: report_id})


if report_id is not None:
    st.subheader("Current report")
    show_result(report_id, "current")

st.subheader("History")
if history.empty:
    st.caption("No reports yet.")
else:
    event = st.dataframe(
        history,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="history",
        column_config={
            "report_id": st.column_config.TextColumn("Report"),
            "status": st.column_config.TextColumn("Status"),
            "period": st.column_config.TextColumn("Period"),
            "as_of": st.column_config.DatetimeColumn("As of (UTC)", format="YYYY-MM-DD HH:mm"),
            "requested_at": st.column_config.DatetimeColumn("Asked (UTC)", format="MM-DD HH:mm"),
            "duration_seconds": st.column_config.NumberColumn("Secs", format="%.1f"),
            "store_count": st.column_config.NumberColumn("Stores", format="%d"),
            "error": st.column_config.TextColumn("Failure reason"),
        },
    )
    st.caption("Select a row to download that report.")
    rows = event.selection.rows
    if rows:
        chosen = str(history["report_id"].iloc[rows[0]])
        if chosen != report_id:
            st.subheader("Selected report")
            show_result(chosen, "selected")
