"""Store: one store's last week, drawn from its own polls only."""

from __future__ import annotations

import streamlit as st

from pages._common import (
    data_version,
    day_columns,
    newest_poll,
    search_store_ids,
    store_period_days,
    store_week,
)
from pages._view import fleet_view, say_what_is_shown
from storemon_core.views import charts, store, store_days, trend_charts, trends

st.title("Store")
version = data_version()
view = fleet_view(version, with_report=False)
if view is None:
    st.info("No polls are loaded yet. Load data on the Data page first.")
    st.stop()
say_what_is_shown(view)
as_of = view.shown.as_of

st.session_state["store_query"] = str(st.query_params.get("store_id", ""))


def _write_store() -> None:
    st.query_params["store_id"] = st.session_state["store_query"].strip()


typed = st.text_input(
    "Store id (type part of it for suggestions)", key="store_query", max_chars=64,
    on_change=_write_store,
).strip()
if not typed:
    st.info("Type a store id, or open one from the Overview table.")
    st.stop()

# A full id (a link, a row of the Overview) needs no search.
store_id = typed
week = store_week(typed, as_of, version)
if week is None:
    matches = search_store_ids(typed, version)
    if not matches:
        st.error("No store has an id that contains this text:")
        st.code(typed, language=None)
        st.stop()
    if len(matches) == 1:
        store_id = matches[0]  # one match: that is the store
    else:
        picked = st.selectbox(
            f"{len(matches)} matching stores" + (" (first 50)" if len(matches) >= 50 else ""),
            matches, index=None, placeholder="pick a store", key="store_pick",
        )
        if picked is None:
            st.stop()
        store_id = picked
    week = store_week(store_id, as_of, version)
if week is None:
    st.error(f"This store has no polls at or before {as_of:%Y-%m-%d %H:%M:%S} UTC:")
    st.code(store_id, language=None)
    st.stop()
if store_id != typed:
    st.query_params["store_id"] = store_id

timeline = week.timeline
mode = st.segmented_control(
    "Show times in", ["Store local time", "UTC"], default="Store local time", key="time_mode"
)
local = mode != "UTC"
st.text(f"Store {store_id}\nTime zone: {store.zone_text(timeline)}\n"
        f"{store.week_text(timeline, local)}")

st.plotly_chart(charts.timeline_figure(timeline, local=local), key="timeline")
st.caption(store.timeline_text(timeline))

st.subheader("Numbers of the report")
st.caption("Uptime and downtime in business hours, as in the report CSV: minutes for the "
           "last hour, hours for the last day and week.")
st.dataframe(
    store.windows_table(timeline.report_row),
    hide_index=True,
    key="report_row",
    column_config={
        "window": st.column_config.TextColumn("Window"),
        "uptime": st.column_config.NumberColumn("Up", format="%.2f"),
        "downtime": st.column_config.NumberColumn("Down", format="%.2f"),
        "business_hours": st.column_config.NumberColumn("Open", format="%.2f"),
        "unobserved": st.column_config.NumberColumn(
            "Unobserved", format="%.2f", help="counted as up or down, but no poll within an hour"),
        "polls": st.column_config.NumberColumn("In-hours polls", format="%d"),
    },
)

st.subheader("Business hours (local time)")
hours = store.weekly_hours(week.business_hours)
if hours is None:
    st.caption("None on file: the store counts as open 24 hours, 7 days a week.")
else:
    st.dataframe(hours, hide_index=True, key="business_hours",
                 column_config={"day": st.column_config.TextColumn("Day"),
                                "open": st.column_config.TextColumn("Open")})

st.plotly_chart(charts.daily_figure(timeline.daily), key="daily")
with st.expander("The same per day, as a table"):
    st.dataframe(store.daily_table(timeline.daily), hide_index=True, key="daily_table")

st.subheader("Incidents (inactive in business hours)")
zone_label = timeline.timezone if local else "UTC"
if timeline.incidents.empty:
    st.caption("No inactive time in business hours this week.")
else:
    order = st.segmented_control("Order", list(store.INCIDENT_ORDERS), default="Longest first",
                                 key="incident_order") or "Longest first"
    st.dataframe(
        store.incidents_table(timeline.incidents, timeline.timezone if local else None, order),
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
            "observed_hours": st.column_config.NumberColumn(
                "Observed (h)", format="%.2f", help="of it within an hour of a poll"),
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
    store_period_days(store_id, period_choice.first, period_choice.last, version),
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
