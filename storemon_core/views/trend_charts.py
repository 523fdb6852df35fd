"""Plotly figures of a period: the fleet's days, the worst stores' days, one store's days.

Same palette and cues as `charts` (Okabe-Ito blue = up, orange = down, grey = no
data): the unobserved share is a grey bar under the uptime line, so a day that
was mostly guessed never looks like a measured one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from storemon_core.views.charts import ACTIVE, CLOSED, INACTIVE, NO_DATA, _pattern

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _date_labels(dates: pd.Series) -> list[str]:
    return pd.to_datetime(dates).dt.strftime("%Y-%m-%d").tolist()


def fleet_figure(fleet: pd.DataFrame) -> Any:
    """Fleet uptime % per local date (line) over the unobserved share (grey bars)."""
    dates = _date_labels(fleet["date"])
    figure = go.Figure()
    figure.add_trace(go.Bar(
        name="Unobserved share of business hours (%)", x=dates,
        y=fleet["unobserved_pct"].round(2).tolist(),
        marker={"color": NO_DATA, "line": {"color": CLOSED, "width": 1},
                "pattern": _pattern(".")},
        hovertemplate="%{x}<br>unobserved %{y:.1f}%<extra></extra>",
    ))
    figure.add_trace(go.Scatter(
        name="Fleet uptime (%)", x=dates, y=fleet["uptime_pct"].round(2).tolist(),
        mode="lines+markers", line={"color": ACTIVE, "width": 2},
        marker={"symbol": "circle", "size": 6},
        hovertemplate="%{x}<br>uptime %{y:.2f}%<extra></extra>",
    ))
    figure.update_layout(
        height=340, margin=_MARGIN, title={"text": "Fleet uptime per local date"},
        legend={"orientation": "h", "y": -0.25}, bargap=0.2,
    )
    figure.update_xaxes(type="category", title_text="local date")
    figure.update_yaxes(title_text="% of business hours", range=[0, 100])
    return figure


def heatmap_figure(table: pd.DataFrame) -> Any:
    """Stores (rows, worst first) × local dates, coloured by uptime %; blank = nothing
    counted that date."""
    dates = [d.isoformat() if hasattr(d, "isoformat") else str(d) for d in table.columns]
    values = table.to_numpy(dtype="float64")
    figure = go.Figure(go.Heatmap(
        z=[[None if v != v else round(float(v), 2) for v in row] for row in values],
        x=dates, y=[str(s) for s in table.index], zmin=0, zmax=100,
        colorscale=[[0.0, INACTIVE], [1.0, ACTIVE]], xgap=1, ygap=1,
        colorbar={"title": {"text": "uptime %"}},
        hovertemplate="store %{y}<br>%{x}<br>uptime %{z:.1f}%<extra></extra>",
    ))
    figure.update_layout(
        height=max(300, 22 * len(table) + 120), margin=_MARGIN,
        title={"text": "Worst stores, uptime % per local date"},
    )
    figure.update_xaxes(type="category", title_text="local date")
    figure.update_yaxes(type="category", autorange="reversed")
    return figure


def store_days_figure(days: pd.DataFrame) -> Any:
    """One store's dates: up, down and closed hours stacked to the date's length, and
    the unobserved hours (part of up and down, never beside them) as markers."""
    dates = _date_labels(days["date"])
    figure = go.Figure()
    for column, label, colour, pattern in (
        ("uptime", "Up (h)", ACTIVE, ""),
        ("downtime", "Down (h)", INACTIVE, "/"),
        ("closed", "Closed (h)", CLOSED, ""),
    ):
        figure.add_trace(go.Bar(
            name=label, x=dates, y=days[column].round(2).tolist(),
            marker={"color": colour, "pattern": _pattern(pattern)},
            hovertemplate=f"%{{x}}<br>{label}: %{{y:.2f}}<extra></extra>",
        ))
    figure.add_trace(go.Scatter(
        name="Unobserved (h, within up and down)", x=dates,
        y=days["unobserved"].round(2).tolist(), mode="markers",
        marker={"color": "black", "symbol": "x-thin", "size": 10, "line": {"width": 2}},
        hovertemplate="%{x}<br>unobserved: %{y:.2f} h<extra></extra>",
    ))
    figure.update_layout(
        barmode="stack", height=320, margin=_MARGIN,
        title={"text": "The store's days over the period"},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
    )
    figure.update_xaxes(type="category", title_text="local date")
    figure.update_yaxes(title_text="hours")
    return figure
