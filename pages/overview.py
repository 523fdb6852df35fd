"""Overview: fleet headline numbers, uptime distribution, stores with most downtime."""

from __future__ import annotations

import streamlit as st

from pages._common import report_table, service
from storemon_core.views import charts, filters, overview, text

st.title("Fleet overview")
svc = service()
latest = svc.latest_complete()

if latest is None:
    st.info("There is no complete report yet. Generate one to see the fleet.")
    if st.button("Generate a report", type="primary", key="overview_generate"):
        st.session_state["report_id"] = svc.trigger_report()
        st.switch_page("pages/reports.py")
    st.stop()

report = report_table(latest.report_id)
if report is None:
    st.warning("The latest report cannot be read; generate a new one on the Reports page.")
    st.stop()
head = overview.headline(report)
st.caption(
    f"From report {text.escape_markdown(latest.report_id)}, "
    f"as of {latest.as_of:%Y-%m-%d %H:%M:%S} UTC. "
    "Uptime counts business hours only."
)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Stores", f"{head.stores:,}")
c2.metric(
    "Fleet uptime, last week",
    "no data" if head.fleet_uptime_pct is None else f"{head.fleet_uptime_pct:.1f} %",
)
c3.metric("Stores with downtime in the last hour", f"{head.stores_down_last_hour:,}")
# A store id may hold markdown (`a.__b__`, `x:tada:`), which metrics render: the id
# goes in plain text under its number.
c4.metric(
    "Worst store's uptime, last week",
    "none" if head.worst_store_uptime_pct is None else f"{head.worst_store_uptime_pct:.1f} %",
)
if head.worst_store:
    c4.text(head.worst_store)
    c4.page_link(
        "pages/store.py",
        label="Open the worst store",
        icon=":material/open_in_new:",
        query_params={"store_id": head.worst_store},
    )

st.plotly_chart(charts.uptime_histogram(report), key="histogram")

st.subheader("Stores with most downtime")
# The URL is the source of truth on first load, so a shared link reproduces the view.
shared = filters.parse_filters(st.query_params.to_dict())
zones = overview.zone_options(report)
st.session_state.setdefault("f_search", shared.search)
st.session_state.setdefault("f_zones", [z for z in shared.zones if z in zones])
st.session_state.setdefault("f_range", (shared.pct_min, shared.pct_max))
left, middle, right = st.columns([2, 2, 2])
search = left.text_input("Search store id", key="f_search", placeholder="part of an id")
chosen_zones = middle.multiselect("Time zone", zones, key="f_zones")
low, high = right.slider(
    "Weekly uptime %", min_value=0.0, max_value=100.0, step=1.0, format="%.0f%%", key="f_range"
)
chosen = filters.Filters(search.strip(), tuple(sorted(chosen_zones)), low, high)
st.query_params.from_dict(filters.filters_to_params(chosen))

matching = filters.filter_stores(report, chosen)
table = overview.most_downtime(matching, limit=1000)
st.caption(
    f"{len(matching):,} of {len(report):,} stores match; showing {len(table):,}. "
    "Select a row to open the store."
)
event = st.dataframe(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="stores_table",
    column_config={
        "store_id": st.column_config.TextColumn("Store"),
        "timezone_str": st.column_config.TextColumn("Time zone"),
        "uptime_pct_week": st.column_config.ProgressColumn(
            "Uptime % (week)",
            min_value=0.0,
            max_value=100.0,
            format="%.1f%%",
            color=charts.ACTIVE,
        ),
        "downtime_last_week": st.column_config.NumberColumn("Down, week (h)", format="%.2f"),
        "downtime_last_day": st.column_config.NumberColumn("Down, day (h)", format="%.2f"),
        "downtime_last_hour": st.column_config.NumberColumn("Down, hour (min)", format="%.2f"),
        "last_status": st.column_config.TextColumn("Last status"),
        "polls_last_week": st.column_config.NumberColumn("In-hours polls, week", format="%d"),
    },
)
if event.selection.rows:
    store_id = str(table["store_id"].iloc[event.selection.rows[0]])
    st.switch_page("pages/store.py", query_params={"store_id": store_id})
