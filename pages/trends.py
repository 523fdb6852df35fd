"""Trends: the fleet's uptime day by day over a period, against the period before."""

from __future__ import annotations

import streamlit as st

from pages._common import data_version, day_columns, newest_poll, period_rows, trends_view
from storemon_core.engine.period import previous_period
from storemon_core.views import trend_charts, trends

st.title("Trends")
version = data_version()
newest = newest_poll(version)
if newest is None:
    st.info("No polls are loaded yet. Load data on the Data page to see trends.")
    st.stop()

# The URL is the source of truth on first load, so a shared link reproduces the view.
shared, problem = trends.parse_choice(st.query_params.to_dict(), newest)
if problem:
    st.warning(problem)
st.session_state.setdefault("t_period", (shared.first, shared.last))
st.session_state.setdefault("t_search", shared.search)
st.session_state.setdefault("t_worst", shared.worst)
left, middle, right = st.columns([2, 2, 1])
picked = left.date_input("Period (local dates)", key="t_period",
                         max_value=newest.date(), format="YYYY-MM-DD")
search = middle.text_input("Store id contains", key="t_search", placeholder="part of an id",
                           max_chars=64)
worst = right.number_input("Worst stores shown", min_value=1, max_value=trends.MAX_WORST,
                           step=5, key="t_worst")
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Pick the period's last date too.")
    st.stop()
chosen, problem = trends.parse_choice(
    {"first": picked[0].isoformat(), "last": picked[1].isoformat(), "q": search,
     "worst": str(worst)}, newest)
if problem:
    st.warning(problem)
st.query_params.from_dict(trends.choice_params(chosen, newest))

before_first, before_last = previous_period(chosen.first, chosen.last)
current, previous = period_rows([(chosen.first, chosen.last), (before_first, before_last)],
                                version)
view = trends_view(chosen.first, chosen.last, chosen.search, chosen.worst, version,
                   current, previous)
st.caption(
    f"{chosen.first:%Y-%m-%d} … {chosen.last:%Y-%m-%d} ({chosen.days} local dates, as of the "
    f"newest poll {newest:%Y-%m-%d %H:%M:%S} UTC), against {before_first:%Y-%m-%d} … "
    f"{before_last:%Y-%m-%d}. Business hours only; unobserved time is counted as up or "
    "down by the nearest poll and shown beside it. "
    + trends.source_text(current.report_id, previous.report_id)
)
c1, c2, c3 = st.columns(3)
c1.metric("Stores", f"{view.current.stores:,}")
c2.metric(
    "Fleet uptime",
    "no data" if view.current.uptime_pct is None else f"{view.current.uptime_pct:.2f} %",
    trends.change_text(view.current.uptime_pct, view.previous.uptime_pct),
)
c3.metric(
    "Unobserved share",
    "no data" if view.current.unobserved_pct is None else f"{view.current.unobserved_pct:.1f} %",
    trends.change_text(view.current.unobserved_pct, view.previous.unobserved_pct),
    delta_color="inverse",
)

st.plotly_chart(trend_charts.fleet_figure(view.fleet), key="fleet_chart")
with st.expander("The chart's numbers, per local date"):
    st.dataframe(
        view.fleet, hide_index=True, key="fleet_days",
        column_config={
            **day_columns(),
            "stores": st.column_config.NumberColumn("Stores", format="%d"),
            "uptime_pct": st.column_config.NumberColumn("Uptime %", format="%.2f"),
            "unobserved_pct": st.column_config.NumberColumn("Unobserved %", format="%.1f"),
        },
    )

STORE_LINK = st.column_config.LinkColumn("Store page", display_text="open")
MOVER_COLUMNS = {
    "store_id": st.column_config.TextColumn("Store"),
    "uptime_pct": st.column_config.NumberColumn("Uptime % now", format="%.2f"),
    "previous_uptime_pct": st.column_config.NumberColumn("Uptime % before", format="%.2f"),
    "change": st.column_config.NumberColumn("Change (points)", format="%+.2f"),
    "store_page": STORE_LINK,
}
st.subheader("Against the previous period")
st.caption(f"{view.compared_stores:,} stores have an uptime % in both periods.")
declined_col, improved_col = st.columns(2)
declined_col.markdown("**Declined most**")
declined_col.dataframe(view.declined, hide_index=True, key="declined",
                       column_config=MOVER_COLUMNS)
improved_col.markdown("**Improved most**")
improved_col.dataframe(view.improved, hide_index=True, key="improved",
                       column_config=MOVER_COLUMNS)

st.subheader(f"The {len(view.worst):,} stores with the lowest uptime %")
if view.worst.empty:
    st.caption("No store has business hours counted in this period.")
else:
    st.plotly_chart(trend_charts.heatmap_figure(view.heatmap), key="heatmap")
    st.dataframe(
        view.worst, hide_index=True, key="worst",
        column_config={
            "store_id": st.column_config.TextColumn("Store"),
            "uptime_pct": st.column_config.NumberColumn("Uptime %", format="%.2f"),
            "downtime": st.column_config.NumberColumn("Down (h)", format="%.2f"),
            "unobserved": st.column_config.NumberColumn("Unobserved (h)", format="%.2f"),
            "business_hours": st.column_config.NumberColumn("Business (h)", format="%.2f"),
            "store_page": STORE_LINK,
        },
    )

st.subheader("Downloads (every store, whatever the filter)")
daily_text, period_text = current.daily_text, current.period_text
name = f"{chosen.first:%Y-%m-%d}_{chosen.last:%Y-%m-%d}"
down_left, down_right = st.columns(2)
down_left.download_button("Download daily CSV", daily_text, f"history_daily_{name}.csv",
                          "text/csv", key="daily_csv", on_click="ignore")
down_right.download_button("Download period CSV", period_text, f"history_period_{name}.csv",
                           "text/csv", key="period_csv", on_click="ignore")
