"""Shaping engine and service outputs into what the dashboard pages show.

The pages only lay out widgets; every table, headline number and filter they
display is computed here so it can be tested without a browser.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from storemon_core.frames import Inputs
from storemon_core.units import Progress
from storemon_core.views.display import to_display_time

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.engine.timeline import StoreTimeline


# Uptime percentages are derived from the observed business-hours time
# (uptime + downtime), which SPEC.md makes equal to the business hours of the
# window whenever the store has an in-hours poll; stores without one get NaN
# ("no data") rather than a misleading 0 %.
PCT_COLUMNS = {
    "uptime_pct_hour": ("uptime_last_hour", "downtime_last_hour"),
    "uptime_pct_day": ("uptime_last_day", "downtime_last_day"),
    "uptime_pct_week": ("uptime_last_week", "downtime_last_week"),
}

STORE_TABLE_COLUMNS = [
    "store_id",
    "timezone_str",
    "uptime_pct_week",
    "downtime_last_week",
    "downtime_last_day",
    "downtime_last_hour",
    "last_status",
    "polls_last_week",
]


@dataclass(frozen=True)
class Headline:
    """The four numbers at the top of the Overview page."""

    stores: int
    fleet_uptime_pct: float | None
    stores_down_last_hour: int
    worst_store: str | None
    worst_store_uptime_pct: float | None


@dataclass(frozen=True)
class Filters:
    """Overview table filters; round-trip through the URL query string."""

    search: str = ""
    zones: tuple[str, ...] = ()
    pct_min: float = 0.0
    pct_max: float = 100.0

    @property
    def full_range(self) -> bool:
        return self.pct_min <= 0.0 and self.pct_max >= 100.0


def with_uptime_pct(report: pd.DataFrame) -> pd.DataFrame:
    """Add uptime % columns (0..100, NaN when nothing was observed)."""
    out = report.copy()
    for pct, (up, down) in PCT_COLUMNS.items():
        upv = pd.to_numeric(out[up], errors="coerce").astype("float64")
        observed = upv + pd.to_numeric(out[down], errors="coerce").astype("float64")
        pct_values = (upv / observed.where(observed > 0)) * 100.0
        out[pct] = pct_values.clip(0.0, 100.0)
    return out


def headline(report: pd.DataFrame) -> Headline:
    """Fleet numbers for the latest report; `report` carries uptime % columns."""
    stores = len(report)
    if stores == 0:
        return Headline(0, None, 0, None, None)
    up = float(report["uptime_last_week"].astype("float64").sum())
    down = float(report["downtime_last_week"].astype("float64").sum())
    fleet = up / (up + down) * 100.0 if up + down > 0 else None
    down_hour = int((report["downtime_last_hour"].astype("float64") > 0).sum())
    observed = report[report["uptime_pct_week"].notna()]
    if observed.empty:
        return Headline(stores, fleet, down_hour, None, None)
    worst = observed.sort_values(
        ["uptime_pct_week", "downtime_last_week", "store_id"],
        ascending=[True, False, True],
        kind="mergesort",
    ).iloc[0]
    return Headline(
        stores, fleet, down_hour, str(worst["store_id"]), float(worst["uptime_pct_week"])
    )


def zone_options(report: pd.DataFrame) -> list[str]:
    """Distinct time zones in the report, sorted, for the filter widget."""
    if "timezone_str" not in report.columns:
        return []
    return sorted({str(z) for z in report["timezone_str"].dropna()})


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _first(value: Any) -> Any:
    # st.query_params-like mappings may hand back a list for repeated keys.
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """Read filters from query parameters, ignoring anything malformed."""
    search = str(_first(params.get("q")) or "").strip()[:64]
    zones_raw = str(_first(params.get("tz")) or "")
    zones = tuple(sorted({z.strip() for z in zones_raw.split(",") if z.strip()}))
    low = min(max(_number(_first(params.get("min")), 0.0), 0.0), 100.0)
    high = min(max(_number(_first(params.get("max")), 100.0), 0.0), 100.0)
    if low > high:
        low, high = high, low
    return Filters(search=search, zones=zones, pct_min=low, pct_max=high)


def filters_to_params(filters: Filters) -> dict[str, str]:
    """Query parameters for `filters`, leaving defaults out to keep links short."""
    params: dict[str, str] = {}
    if filters.search:
        params["q"] = filters.search
    if filters.zones:
        params["tz"] = ",".join(sorted(filters.zones))
    if filters.pct_min > 0.0:
        params["min"] = f"{filters.pct_min:g}"
    if filters.pct_max < 100.0:
        params["max"] = f"{filters.pct_max:g}"
    return params


def filter_stores(report: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows of `report` (with uptime %) that match the filters."""
    mask = pd.Series(True, index=report.index)
    if filters.search:
        ids = report["store_id"].astype(str)
        mask &= ids.str.contains(filters.search, case=False, regex=False)
    if filters.zones and "timezone_str" in report.columns:
        mask &= report["timezone_str"].astype(str).isin(list(filters.zones))
    if not filters.full_range:
        pct = report["uptime_pct_week"]
        mask &= pct.between(filters.pct_min, filters.pct_max) & pct.notna()
    return report[mask]


def matching_ids(store_ids: pd.Series, fragment: str, limit: int = 50) -> list[str]:
    """Ids containing `fragment` (any case, literal text), in text order."""
    ids = store_ids.astype(str)
    found = ids[ids.str.lower().str.contains(fragment.lower(), regex=False)]
    return sorted(found.tolist())[:limit]


def most_downtime(report: pd.DataFrame, limit: int = 1000) -> pd.DataFrame:
    """Stores with most downtime last week first, shaped for the Overview table."""
    columns = [c for c in STORE_TABLE_COLUMNS if c in report.columns]
    table = report.sort_values(
        ["downtime_last_week", "downtime_last_day", "store_id"],
        ascending=[False, False, True],
        kind="mergesort",
    )[columns]
    table = table.head(limit).reset_index(drop=True)
    table["store_id"] = table["store_id"].astype(str)
    return table


_HISTORY_COLUMNS = [
    "report_id",
    "status",
    "as_of",
    "requested_at",
    "duration_seconds",
    "store_count",
    "error",
]


def history_table(reports: pd.DataFrame) -> pd.DataFrame:
    """Past reports, newest first, with the columns the history table shows."""
    if reports.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _HISTORY_COLUMNS})
    table = reports.copy()
    for column in _HISTORY_COLUMNS:
        if column not in table.columns:
            table[column] = None
    for column in ("as_of", "requested_at"):
        table[column] = pd.to_datetime(table[column], utc=True, errors="coerce")
    table = table.sort_values("requested_at", ascending=False, kind="mergesort")
    table["duration_seconds"] = pd.to_numeric(table["duration_seconds"], errors="coerce").round(2)
    table["error"] = table["error"].fillna("").astype(str)
    return table[_HISTORY_COLUMNS].reset_index(drop=True)


def incidents_table(incidents: pd.DataFrame, timezone: str | None) -> pd.DataFrame:
    """Incidents (longest first) with times in the chosen zone."""
    return pd.DataFrame(
        {
            "start": to_display_time(incidents["start"], timezone),
            "end": to_display_time(incidents["end"], timezone),
            "duration_hours": incidents["duration_hours"].astype("float64").round(2),
        }
    ).reset_index(drop=True)


def report_row_table(report_row: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The store's report row, rounded like the CSV (2 decimals)."""
    row = report_row[list(columns)].copy().reset_index(drop=True)
    row.attrs = {}  # engine metadata (as_of) is not table content
    row["store_id"] = row["store_id"].astype(str)
    numeric = [c for c in columns if c != "store_id"]
    row[numeric] = row[numeric].astype("float64").round(2)
    return row


def csv_row(csv_text: str, store_id: str) -> pd.DataFrame:
    """One store's row of a report CSV, parsed with store ids kept as text."""
    import io

    frame = pd.read_csv(io.StringIO(csv_text), dtype={"store_id": str})
    return frame[frame["store_id"] == store_id].reset_index(drop=True)


def rejected_table(inputs: Inputs, limit: int = 1000) -> pd.DataFrame:
    """Rejected rows (file, line, reason, row) in file and line order."""
    rejected = inputs.rejected
    if rejected.empty:
        return rejected.reset_index(drop=True)
    ordered = rejected.sort_values(["file", "line"], kind="mergesort").head(limit)
    return ordered.astype({"file": str, "reason": str, "row": str}).reset_index(drop=True)


def file_summary_table(inputs: Inputs) -> pd.DataFrame:
    """How each uploaded file fared: rows read, kept, rejected."""
    return pd.DataFrame(
        [
            {"file": s.file, "read": s.read, "kept": s.kept, "rejected": s.rejected}
            for s in inputs.summaries
        ],
        columns=["file", "read", "kept", "rejected"],
    )


def summary_table(summary: Any, hide: Sequence[str] = ()) -> pd.DataFrame:
    """A data summary object (dataclass or mapping) as a two-column table."""
    if is_dataclass(summary) and not isinstance(summary, type):
        items = [(f.name, getattr(summary, f.name)) for f in fields(summary)]
    elif isinstance(summary, Mapping):
        items = list(summary.items())
    else:
        items = list(vars(summary).items())
    items = [(name, value) for name, value in items if name not in hide]
    return pd.DataFrame(
        {
            "what": [name.replace("_", " ") for name, _ in items],
            "value": [_summary_value(value) for _, value in items],
        }
    )


def _summary_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value.tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC" if value.tzinfo else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


_MARKDOWN_SPECIAL = set("\\`*_{}[]()<>#+-.!|~$:")


def escape_markdown(text: str) -> str:
    """`text` safe to embed in a Streamlit caption, shown literally."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def as_of_from_parts(day: date, clock: time, newest: pd.Timestamp | None = None) -> pd.Timestamp:
    """A UTC as-of instant from the date and time widgets.

    The widgets drop sub-second digits, so leaving them at the newest poll's time
    means that poll itself, not the instant just before it.
    """
    chosen = pd.Timestamp(datetime.combine(day, clock), tz="UTC")
    if newest is not None and chosen == newest.floor("s"):
        return newest
    return chosen


def store_view(db: Database, store_id: str, as_of: pd.Timestamp) -> StoreTimeline | None:
    """One store's week read on its own (never the fleet); None when it has no polls."""
    from storemon_core.engine.timeline import UnknownStoreError, store_timeline

    inputs = db.store_inputs(store_id, as_of)
    try:
        return store_timeline(
            inputs.polls, inputs.business_hours, inputs.timezones, store_id, as_of
        )
    except UnknownStoreError:
        return None


def validate_uploads(
    status: IO[bytes] | None, hours: IO[bytes] | None, zones: IO[bytes] | None
) -> Inputs:
    """Parse uploaded exports without touching the database.

    Raises `loading.InputError` for a file that cannot be read at all (empty,
    wrong header); bad rows only end up in `Inputs.rejected`.
    """
    from storemon_core.exports import load_exports

    return load_exports(status, hours, zones)


def load_sample_data(
    db: Database, stores: int = 200, days: int = 9, seed: int = 0, progress: Progress | None = None
) -> Inputs:
    """Generate the sample exports, read them like uploads and load them."""
    from storemon_core.exports import load_exports
    from storemon_core.sample.generate import generate_exports, write_exports

    exports = generate_exports(stores=stores, days=days, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_exports(Path(tmp), exports)
        inputs = load_exports(paths["status"], paths["hours"], paths["timezones"])
    db.load(inputs, progress=progress)
    return inputs
