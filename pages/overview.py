"""Overview: the fleet's numbers as of one instant, filtered, worst stores first."""

from __future__ import annotations

import streamlit as st

from pages._common import data_version, set_params
from pages._view import fleet_view, say_what_is_shown
from storemon_core.views import charts, filters, live, overview, text

st.title("Fleet overview")
view = fleet_view(data_version())

if view is None or view.report is None:
    st.info("No polls are loaded yet. Load data on the Data page first.")
    st.page_link("pages/data.py", label="Open the Data page", icon=":material/database:")
    st.stop()
report = overview.with_freshness(view.report, view.shown.as_of)
say_what_is_shown(view)

# The URL is the source of truth (a shared link, Back, the links below); the widgets
# write it when changed, so it never disagrees with them.
shared = filters.parse_filters(st.query_params.to_dict())
zones = overview.zone_options(report)


def _write_filters() -> None:
    state = st.session_state
    chosen = filters.Filters(state["f_search"].strip(), tuple(sorted(state["f_zones"])),
                             float(state["f_min"]), float(state["f_max"]), state["f_down"],
                             float(state["f_quiet"]), float(state.get("f_unobs", 0.0)))
    set_params(filters.filters_to_params(chosen), filters.FILTER_PARAMS)


st.session_state["f_search"] = shared.search
st.session_state["f_zones"] = [z for z in shared.zones if z in zones]
st.session_state["f_min"] = shared.pct_min
st.session_state["f_max"] = shared.pct_max
st.session_state["f_down"] = shared.down_last_hour
st.session_state["f_quiet"] = shared.quiet_hours
st.session_state["f_unobs"] = shared.unobserved_min
# Two number fields rather than a range slider: each is named once to a screen reader.
with st.container(horizontal=True, key="filters"):
    st.text_input("Search store id", key="f_search", placeholder="part of an id",
                  on_change=_write_filters, width=220)
    st.multiselect("Time zone", zones, key="f_zones", on_change=_write_filters, width=220)
    st.number_input("Weekly uptime from (%)", min_value=0.0, max_value=100.0, step=5.0,
                    format="%.0f", key="f_min", on_change=_write_filters, width=150)
    st.number_input("to (%)", min_value=0.0, max_value=100.0, step=5.0, format="%.0f",
                    key="f_max", on_change=_write_filters, width=150)
    st.number_input("Last poll at least (h) ago", min_value=0.0, step=1.0, format="%.0f",
                    key="f_quiet", on_change=_write_filters, width=190)
    if "unobserved_pct_week" in report.columns:
        st.number_input("Unobserved at least (%)", min_value=0.0, max_value=100.0, step=5.0,
                        format="%.0f", key="f_unobs", on_change=_write_filters, width=190)
st.toggle("Only stores with downtime in the last hour", key="f_down", on_change=_write_filters)

matching = filters.filter_stores(report, shared)
head = overview.headline(matching)
if shared.any:
    st.caption(f"The numbers below are of the {text.count_of(len(matching), 'store')} "
               f"matching the filters, out of {len(report):,}.")
else:
    st.caption("The numbers below are fleet-wide.")
link_params = {k: v for k, v in st.query_params.to_dict().items() if k == live.REPORT_PARAM}

with st.container(horizontal=True, key="headline"):
    st.metric("Stores", f"{head.stores:,}", width=160)
    st.metric("Uptime, last week",
              "no data" if head.fleet_uptime_pct is None else f"{head.fleet_uptime_pct:.1f} %",
              width=160)
    st.metric("Down in the last hour", f"{head.stores_down_last_hour:,}", width=160)
    st.metric("Worst store's uptime, week", "none" if head.worst_store_uptime_pct is None
              else f"{head.worst_store_uptime_pct:.1f} %", width=200)
# A store id may hold markdown (`a.__b__`, `x:tada:`), which metrics render: the id is
# plain text, and links name what they open.
if head.worst_store:
    st.text(f"Worst store, last week: {head.worst_store}")
with st.container(horizontal=True, key="headline_links"):
    if head.stores_down_last_hour and not shared.down_last_hour:
        st.page_link("pages/overview.py", icon=":material/filter_list:",
                     label=f"Show the {head.stores_down_last_hour:,} stores down in the last hour",
                     query_params={**st.query_params.to_dict(), "down": "hour"})
    if head.worst_store:
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
            color=charts.ACTIVE, width="medium",
        ),
        "downtime_last_week": st.column_config.NumberColumn("Down, week (h)", format="%.2f"),
        "downtime_last_hour": st.column_config.NumberColumn("Down, hour (min)", format="%.2f"),
        "unobserved_pct_week": st.column_config.NumberColumn(
            "Unobserved, week", format="%.0f%%",
            help="share of the week's business hours with no poll within an hour"),
        "hours_since_poll": st.column_config.NumberColumn(
            "Since last poll (h)", format="%.1f", help="before the instant shown"),
        "last_status": st.column_config.TextColumn("Last status"),
    },
)
if event.selection.rows:
    store_id = str(table["store_id"].iloc[event.selection.rows[0]])
    st.switch_page("pages/store.py", query_params={**link_params, "store_id": store_id})
