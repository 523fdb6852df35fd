"""The Overview page's numbers: uptime %, the fleet headline, the store table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Uptime percentages are derived from the observed business-hours time
# (uptime + downtime), which docs/counting.md makes equal to the business hours of the
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
