"""Overview: the fleet's numbers as of one instant, filtered, worst stores first."""

from __future__ import annotations

import streamlit as st

from pages._common import data_version, set_params
from pages._view import fleet_view, say_what_is_shown
from storemon_core.views import charts, filters, live, overview

st.title("Fleet overview")
view = fleet_view(data_version())

if view is None or view.report is None:
    st.info("No polls are loaded yet. Load data on the Data page first.")
    st.page_link("pages/data.py", label="Open the Data page", icon=":material/database:")
    st.stop()
report = view.report
say_what_is_shown(view)

# The URL is the source of truth (a shared link, Back, the links below); the widgets
# write it when changed, so it never disagrees with them.
shared = filters.parse_filters(st.query_params.to_dict())
zones = overview.zone_options(report)


def _write_filters() -> None:
    state = st.session_state
    low, high = state["f_range"]
    chosen = filters.Filters(state["f_search"].strip(), tuple(sorted(state["f_zones"])),
                             low, high, state["f_down"])
    set_params(filters.filters_to_params(chosen), filters.FILTER_PARAMS)


st.session_state["f_search"] = shared.search
st.session_state["f_zones"] = [z for z in shared.zones if z in zones]
st.session_state["f_range"] = (shared.pct_min, shared.pct_max)
st.session_state["f_down"] = shared.down_last_hour
with st.container(horizontal=True, key="filters"):
    st.text_input("Search store id", key="f_search", placeholder="part of an id",
                  on_change=_write_filters, width=220)
    st.multiselect("Time zone", zones, key="f_zones", on_change=_write_filters, width=220)
    st.slider("Weekly uptime %", min_value=0.0, max_value=100.0, step=1.0, format="%.0f",
              key="f_range", on_change=_write_filters, width=220)
st.toggle("Only stores with downtime in the last hour", key="f_down", on_change=_write_filters)

matching = filters.filter_stores(report, shared)
head = overview.headline(matching)
if shared.any:
    st.caption(f"The numbers below are of the {len(matching):,} stores matching the "
               f"filters, out of {len(report):,}.")
else:
    st.caption("The numbers below are fleet-wide.")
link_params = {k: v for k, v in st.query_params.to_dict().items() if k == live.REPORT_PARAM}

with st.container(horizontal=True, key="headline"):
    st.metric("Stores", f"{head.stores:,}", width=170)
    st.metric("Uptime, last week",
              "no data" if head.fleet_uptime_pct is None else f"{head.fleet_uptime_pct:.1f} %",
              width=170)
    with st.container(width=200):
        st.metric("Down in the last hour", f"{head.stores_down_last_hour:,}")
        if head.stores_down_last_hour and not shared.down_last_hour:
            st.page_link(
                "pages/overview.py", label="Show these stores", icon=":material/filter_list:",
                query_params={**st.query_params.to_dict(), "down": "hour"},
            )
    # A store id may hold markdown (`a.__b__`, `x:tada:`), which metrics render: the id
    # goes in plain text under its number.
    with st.container(width=220):
        st.metric("Worst store's uptime, week",
                  "none" if head.worst_store_uptime_pct is None
                  else f"{head.worst_store_uptime_pct:.1f} %")
        if head.worst_store:
            st.text(head.worst_store)
            st.page_link("pages/store.py", label="Open the worst store",
                         icon=":material/open_in_new:",
                         query_params={**link_params, "store_id": head.worst_store})

bins = overview.uptime_bins(matching)
st.plotly_chart(charts.uptime_histogram(bins), key="histogram")
st.caption(overview.bins_text(bins))

st.subheader("Stores, worst first")
table = overview.store_table(matching, limit=1000)
st.caption(
    f"{len(matching):,} of {len(report):,} stores match; showing {len(table):,}, "
    "lowest weekly uptime first. Select a row to open the store."
)
event = st.dataframe(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="stores_table",
    column_config={
        "store_id": st.column_config.TextColumn("Store"),
        "uptime_pct_week": st.column_config.ProgressColumn(
            "Uptime, week", min_value=0.0, max_value=100.0, format="%.1f%%",
            color=charts.ACTIVE, width="small",
        ),
        "downtime_last_week": st.column_config.NumberColumn("Down, week (h)", format="%.2f"),
        "downtime_last_hour": st.column_config.NumberColumn("Down, hour (min)", format="%.2f"),
        "last_status": st.column_config.TextColumn("Last status"),
        "timezone_str": st.column_config.TextColumn("Time zone"),
    },
)
if event.selection.rows:
    store_id = str(table["store_id"].iloc[event.selection.rows[0]])
    st.switch_page("pages/store.py", query_params={**link_params, "store_id": store_id})
