"""Plotly figures drawn from engine outputs: a store's timeline, its days, the fleet.

Colours follow the Okabe-Ito palette so that they stay distinct for colour-blind
readers (blue = active, orange = inactive, greys = closed / no data), and every
state also has a label, a pattern or a marker shape so colour is never the only cue.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd
import plotly.graph_objects as go

from storemon_core.views.display import to_display_time

ACTIVE = "#0072B2"
INACTIVE = "#E69F00"
CLOSED = "#B0B0B0"
NO_DATA = "#E8E8E8"

# state -> (legend label, colour, bar pattern)
SEGMENT_STYLES: dict[str, tuple[str, str, str]] = {
    "active": ("Active (open)", ACTIVE, ""),
    "inactive": ("Inactive (open)", INACTIVE, "/"),
    # Unobserved: business time farther than an hour from every in-hours poll. It
    # keeps the colour of the status the rule gives it, crossed, so the bars still
    # add up to the report's numbers while nobody takes them for a measurement.
    "active unobserved": ("Active, unobserved (open)", ACTIVE, "x"),
    "inactive unobserved": ("Inactive, unobserved (open)", INACTIVE, "x"),
    "unknown": ("No data (open)", NO_DATA, "."),
    "closed": ("Closed", CLOSED, ""),
}
UNOBSERVED_NOTE = "<br>no poll came within an hour: the status is the rule's guess"

# (active, in business hours) -> (legend label, colour, marker symbol)
POLL_STYLES: dict[tuple[bool, bool], tuple[str, str, str]] = {
    (True, True): ("Poll: active, open", ACTIVE, "circle"),
    (False, True): ("Poll: inactive, open", INACTIVE, "diamond"),
    (True, False): ("Poll: active, closed", ACTIVE, "circle-open"),
    (False, False): ("Poll: inactive, closed", INACTIVE, "diamond-open"),
}

STATUS_ROW = "Status"
POLL_ROW = "Polls"


class TimelineLike(Protocol):
    """The parts of `storemon_core.engine.timeline.StoreTimeline` the charts read."""

    store_id: str
    timezone: str
    segments: pd.DataFrame
    polls: pd.DataFrame


def _pattern(shape: str) -> dict[str, Any]:
    # Overlay keeps the state's colour under the hatching instead of replacing it.
    return {"shape": shape, "fillmode": "overlay", "fgcolor": "rgba(0,0,0,0.5)", "size": 8}


def _duration_text(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def segment_states(segments: pd.DataFrame) -> pd.Series:
    """'closed' outside business hours, else the interpolated status, marked
    'unobserved' where the engine says no in-hours poll came within an hour."""
    in_hours = segments["in_business_hours"].astype(bool)
    states = segments["status"].astype(str)
    guessed = segments["unobserved"].astype(bool) & states.isin(["active", "inactive"])
    states = states.where(~guessed, states + " unobserved")
    return states.where(in_hours, "closed")


def timeline_figure(timeline: TimelineLike, local: bool = True) -> Any:
    """Last week of one store: state bands plus every poll as a marker."""
    zone = timeline.timezone if local else None
    zone_label = timeline.timezone if local else "UTC"
    figure = go.Figure()
    segments = timeline.segments
    states = segment_states(segments)
    starts = to_display_time(segments["start"], zone)
    ends = to_display_time(segments["end"], zone)
    seconds = (
        pd.to_datetime(segments["end"], utc=True) - pd.to_datetime(segments["start"], utc=True)
    ).dt.total_seconds()
    for state, (label, colour, pattern) in SEGMENT_STYLES.items():
        chosen = (states == state).to_numpy()
        if not chosen.any():
            continue
        start = starts[chosen]
        duration_ms = (ends[chosen] - start).dt.total_seconds() * 1000.0
        custom = list(
            zip(
                start.dt.strftime("%Y-%m-%d %H:%M:%S"),
                ends[chosen].dt.strftime("%Y-%m-%d %H:%M:%S"),
                [_duration_text(s) for s in seconds[chosen]],
                strict=True,
            )
        )
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                y=[STATUS_ROW] * len(start),
                base=start.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").tolist(),
                x=duration_ms.tolist(),
                marker={"color": colour, "line": {"width": 0}, "pattern": _pattern(pattern)},
                customdata=custom,
                hovertemplate=(
                    f"<b>{label}</b><br>start %{{customdata[0]}}<br>end %{{customdata[1]}}"
                    f"<br>duration %{{customdata[2]}}<br>{zone_label}"
                    + (UNOBSERVED_NOTE if state.endswith("unobserved") else "")
                    + "<extra></extra>"
                ),
            )
        )
    polls = timeline.polls
    poll_times = to_display_time(polls["timestamp_utc"], zone)
    for (active, in_hours), (label, colour, symbol) in POLL_STYLES.items():
        chosen = (
            (polls["active"].astype(bool) == active)
            & (polls["in_business_hours"].astype(bool) == in_hours)
        ).to_numpy()
        if not chosen.any():
            continue
        figure.add_trace(
            go.Scatter(
                name=label,
                mode="markers",
                x=poll_times[chosen].tolist(),
                y=[POLL_ROW] * int(chosen.sum()),
                marker={"color": colour, "symbol": symbol, "size": 7, "line": {"width": 1.5}},
                hovertemplate=(
                    f"<b>{label}</b><br>%{{x|%Y-%m-%d %H:%M:%S}} {zone_label}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        barmode="overlay",
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        title={"text": f"Last week, {zone_label} time"},
        yaxis={"categoryorder": "array", "categoryarray": [POLL_ROW, STATUS_ROW]},
    )
    figure.update_xaxes(type="date")
    return figure


def daily_figure(daily: pd.DataFrame) -> Any:
    """Per local day: uptime and downtime hours stacked, unobserved hours greyed."""
    dates = pd.to_datetime(daily["local_date"]).dt.strftime("%Y-%m-%d").tolist()
    up = daily["uptime_hours"].astype("float64")
    down = daily["downtime_hours"].astype("float64")
    gap = (daily["business_hours"].astype("float64") - up - down).clip(lower=0.0)
    figure = go.Figure()
    for label, values, colour, pattern in (
        ("Uptime (h)", up, ACTIVE, ""),
        ("Downtime (h)", down, INACTIVE, "/"),
        ("No data (h)", gap, NO_DATA, "."),
    ):
        if not (values.round(2) > 0).any():
            continue  # the legend lists only what the chart shows
        figure.add_trace(
            go.Bar(
                name=label,
                x=dates,
                y=values.round(2).tolist(),
                marker={"color": colour, "pattern": _pattern(pattern)},
                hovertemplate=f"%{{x}}<br>{label}: %{{y:.2f}}<extra></extra>",
            )
        )
    figure.update_layout(
        barmode="stack",
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": "Business hours per local day"},
        legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
    )
    figure.update_xaxes(type="category", title_text="local date")
    figure.update_yaxes(title_text="hours")
    return figure


def uptime_histogram(bins: pd.DataFrame) -> Any:
    """Stores per bin of weekly uptime % (overview.uptime_bins); "no data" greyed, apart."""
    measured = bins["low"].notna()
    width = float((bins["low"].diff().dropna()).iloc[0]) if measured.sum() > 1 else 5.0
    # Bars sit on a number line; the stores with no data get a place of their own past 100.
    no_data_at = 100.0 + 1.5 * width
    centres = (bins["low"] + width / 2).where(measured, no_data_at)
    figure = go.Figure(
        go.Bar(
            x=centres.tolist(),
            y=bins["stores"].tolist(),
            width=width * 0.95,
            customdata=bins["bin"].tolist(),
            marker={"color": [ACTIVE if m else NO_DATA for m in measured],
                    "line": {"color": "#808080", "width": [0 if m else 1 for m in measured]}},
            hovertemplate="%{customdata}<br>%{y} stores<extra></extra>",
            name="stores",
        )
    )
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title={"text": "Weekly uptime % across stores (business hours)"},
    )
    ticks = [0, 20, 40, 60, 80, 100]
    figure.update_xaxes(title_text="uptime last week (%)", range=[-1, no_data_at + width],
                        tickvals=[*ticks, no_data_at], ticktext=[*map(str, ticks), "no data"])
    figure.update_yaxes(title_text="stores")
    return figure


def prepare() -> None:
    """Build one figure of each kind and discard it.

    plotly sets up its validators on the first figure of a process (a third of a
    second); a server pays that when it starts rather than on a visitor's first page.
    """
    bins = pd.DataFrame({"bin": ["0–5 %"], "low": [0.0], "stores": [0]})
    uptime_histogram(bins).to_json()
    daily = pd.DataFrame({"local_date": [pd.Timestamp("2024-01-01").date()],
                          "uptime_hours": [1.0], "downtime_hours": [0.0], "business_hours": [1.0]})
    daily_figure(daily).to_json()
    go.Figure(go.Scatter(x=[0], y=[0], mode="markers")).to_json()
