"""Store: one store's last week, drawn from its own polls only."""

from __future__ import annotations

import streamlit as st

from pages._common import (
    data_version,
    day_columns,
    newest_poll,
    period_history,
    report_table,
    search_store_ids,
    service,
    store_view,
)
from storemon_core.engine.uptime import REPORT_COLUMNS
from storemon_core.views import charts, store, store_days, trend_charts, trends

ROW_LABELS = {
    "uptime_last_hour": "Up, hour (min)",
    "uptime_last_day": "Up, day (h)",
    "uptime_last_week": "Up, week (h)",
    "downtime_last_hour": "Down, hour (min)",
    "downtime_last_day": "Down, day (h)",
    "downtime_last_week": "Down, week (h)",
}

st.title("Store")
version = data_version()

st.session_state.setdefault("store_query", str(st.query_params.get("store_id", "")))
typed = st.text_input(
    "Store id (type part of it for suggestions)", key="store_query", max_chars=64
).strip()
if not typed:
    st.info("Type a store id, or open one from the Overview table.")
    st.stop()

# The latest report's instant keeps this page's numbers equal to its CSV.
latest = service().latest_complete()
as_of = latest.as_of if latest is not None else newest_poll(version)
if as_of is None:
    st.info("No polls are loaded yet.")
    st.stop()

# A full id (a link, a row of the Overview) needs no search.
store_id = typed
timeline = store_view(typed, as_of, version)
if timeline is None:
    # The latest report already lists (nearly) every store: searching it in memory
    # spares the database a LIKE over all ids; stores polled only since then are
    # still found by the database search.
    report = report_table(latest.report_id) if latest is not None else None
    matches = [] if report is None else store.matching_ids(report["store_id"], typed)
    matches = matches or search_store_ids(typed, version)
    if not matches:
        st.error("No store has an id that contains this text:")
        st.code(typed, language=None)
        st.stop()
    if typed not in matches:
        picked = st.selectbox(
            f"{len(matches)} matching stores" + (" (first 50)" if len(matches) >= 50 else ""),
            matches,
            index=None,
            placeholder="pick a store",
            key="store_pick",
        )
        if picked is None:
            st.stop()
        store_id = picked
        timeline = store_view(store_id, as_of, version)
if timeline is None:
    st.error(f"This store has no polls at or before {as_of:%Y-%m-%d %H:%M:%S} UTC:")
    st.code(store_id, language=None)
    st.stop()

st.query_params["store_id"] = store_id
source = "from the time-zone file" if timeline.timezone_source == "file" else "default"
st.text(
    f"Store {store_id}. Time zone: {timeline.timezone} ({source}).\n"
    f"Week {timeline.window_start:%Y-%m-%d %H:%M} to {timeline.as_of:%Y-%m-%d %H:%M:%S} UTC"
    + (" (the latest report's as-of)." if latest is not None else " (newest poll).")
)
mode = st.segmented_control(
    "Show times in", ["Store local time", "UTC"], default="Store local time", key="time_mode"
)
local = mode != "UTC"
st.plotly_chart(charts.timeline_figure(timeline, local=local), key="timeline")

st.subheader("Report row")
st.caption("Minutes for the last hour, hours for the last day and week, as in the CSV.")
st.dataframe(
    store.report_row_table(timeline.report_row, REPORT_COLUMNS),
    hide_index=True,
    key="report_row",
    column_config={
        "store_id": st.column_config.TextColumn("Store", help="store_id"),
        **{
            column: st.column_config.NumberColumn(
                label, format="%.2f", help=f"{column} in the report CSV"
            )
            for column, label in ROW_LABELS.items()
        },
    },
)

st.plotly_chart(charts.daily_figure(timeline.daily), key="daily")

st.subheader("Incidents (business hours, longest first)")
zone_label = timeline.timezone if local else "UTC"
incidents = store.incidents_table(timeline.incidents, timeline.timezone if local else None)
if incidents.empty:
    st.caption("No inactive time in business hours this week.")
else:
    st.dataframe(
        incidents,
        hide_index=True,
        key="incidents",
        column_config={
            "start": st.column_config.DatetimeColumn(
                f"Start ({zone_label})", format="YYYY-MM-DD HH:mm:ss"
            ),
            "end": st.column_config.DatetimeColumn(
                f"End ({zone_label})", format="YYYY-MM-DD HH:mm:ss"
            ),
            "duration_hours": st.column_config.NumberColumn("Duration (h)", format="%.2f"),
        },
    )


# --- The store's days over the chosen period -------------------------------------
# The same period history as the Trends page (and its cache), so a store opened from
# there shows the days it was ranked by. The period lives in the URL like Trends'.
st.subheader("The store's days over the period")
newest = newest_poll(version)
shared_period, period_problem = trends.parse_choice(st.query_params.to_dict(), newest)
if period_problem:
    st.warning(period_problem)
st.session_state.setdefault("s_period", (shared_period.first, shared_period.last))
picked = st.date_input("Period (local dates)", key="s_period", max_value=newest.date(),
                       format="YYYY-MM-DD")
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Pick the period's last date too.")
    st.stop()
period_choice, period_problem = trends.parse_choice(
    {"first": picked[0].isoformat(), "last": picked[1].isoformat()}, newest)
if period_problem:
    st.warning(period_problem)
for name, value in [("first", None), ("last", None),
                    *trends.choice_params(period_choice, newest).items()]:
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value
days = store_days.store_days(
    period_history(period_choice.first, period_choice.last, version).daily,
    store_id, timeline.timezone, newest)
st.caption(
    f"Local dates {period_choice.first:%Y-%m-%d} … {period_choice.last:%Y-%m-%d} in "
    f"{timeline.timezone}, as of the newest poll. Unobserved hours are part of the up "
    "and down hours, never beside them."
)
if days.empty:
    st.caption("The store has no polls at or before the end of this period.")
else:
    st.plotly_chart(trend_charts.store_days_figure(days), key="store_days_chart")
    st.dataframe(
        days, hide_index=True, key="store_days",
        column_config={
            **day_columns(),
            "stores": st.column_config.NumberColumn("Stores", format="%d"),
            "closed": st.column_config.NumberColumn("Closed (h)", format="%.2f"),
            "polls": st.column_config.NumberColumn("In-hours polls", format="%d"),
        },
    )
