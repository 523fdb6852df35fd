"""The Overview page's numbers: uptime %, the headline, the distribution, the store table.

"Worst" means one thing everywhere: the lowest weekly uptime %, then the most
downtime, then the id; stores with nothing observed come last. The headline's worst
store is the table's first row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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

# Few enough to fit an 800 px wide screen; the Store page has the rest. The
# unobserved share is there once the report carries unobserved time.
STORE_TABLE_COLUMNS = [
    "store_id",
    "uptime_pct_week",
    "downtime_last_week",
    "downtime_last_hour",
    "unobserved_pct_week",
    "hours_since_poll",
    "last_status",
]

BIN_WIDTH = 5.0
NO_DATA = "no data"


@dataclass(frozen=True)
class Headline:
    """The numbers at the top of the Overview page, for the stores it is given."""

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


def with_freshness(report: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add how long before `as_of` each store's last poll came (hours) and, when the
    report has unobserved time, the share of the week's business hours it is (%)."""
    out = report.copy()
    last = pd.to_datetime(out["last_poll_utc"], utc=True)
    out["hours_since_poll"] = ((as_of - last).dt.total_seconds() / 3600.0).clip(lower=0.0)
    if "unobserved_last_week" in out.columns:
        business = out["business_hours_last_week"].astype("float64")
        unobserved = out["unobserved_last_week"].astype("float64")
        out["unobserved_pct_week"] = (unobserved / business.where(business > 0) * 100.0).clip(
            0.0, 100.0)
    return out


def worst_first(report: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered worst first (see the module's docstring)."""
    return report.sort_values(
        ["uptime_pct_week", "downtime_last_week", "store_id"],
        ascending=[True, False, True],
        na_position="last",
        kind="mergesort",
    )


def down_last_hour(report: pd.DataFrame) -> pd.Series:
    """Which stores had downtime in the last hour."""
    return report["downtime_last_hour"].astype("float64") > 0


def headline(report: pd.DataFrame) -> Headline:
    """Headline numbers of `report` (with uptime % columns): the fleet, or a filtered part."""
    stores = len(report)
    if stores == 0:
        return Headline(0, None, 0, None, None)
    up = float(report["uptime_last_week"].astype("float64").sum())
    down = float(report["downtime_last_week"].astype("float64").sum())
    fleet = up / (up + down) * 100.0 if up + down > 0 else None
    down_hour = int(down_last_hour(report).sum())
    worst = worst_first(report).iloc[0]
    if pd.isna(worst["uptime_pct_week"]):
        return Headline(stores, fleet, down_hour, None, None)
    return Headline(
        stores, fleet, down_hour, str(worst["store_id"]), float(worst["uptime_pct_week"])
    )


def zone_options(report: pd.DataFrame) -> list[str]:
    """Distinct time zones in the report, sorted, for the filter widget."""
    if "timezone_str" not in report.columns:
        return []
    return sorted({str(z) for z in report["timezone_str"].dropna()})


def store_table(report: pd.DataFrame, limit: int = 1000) -> pd.DataFrame:
    """The Overview's table: worst first, the columns it shows."""
    columns = [c for c in STORE_TABLE_COLUMNS if c in report.columns]
    table = worst_first(report)[columns].head(limit).reset_index(drop=True)
    table["store_id"] = table["store_id"].astype(str)
    return table


def uptime_bins(report: pd.DataFrame) -> pd.DataFrame:
    """Stores per 5 % of weekly uptime (the last bin holds exactly 100 %), then the
    stores with nothing observed: every store in one bin, so they sum to the count."""
    edges = np.arange(0.0, 100.0 + BIN_WIDTH, BIN_WIDTH)
    pct = report["uptime_pct_week"].astype("float64")
    # numpy closes the last bin on the right: 100 % is in 95-100.
    counts, _ = np.histogram(pct.dropna().to_numpy(), bins=edges)
    labels = [f"{lo:g}–{hi:g} %" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    return pd.DataFrame({
        "bin": [*labels, NO_DATA],
        "low": [*edges[:-1], np.nan],
        "stores": [*counts.tolist(), int(pct.isna().sum())],
    })


def bins_text(bins: pd.DataFrame) -> str:
    """The distribution in words, for readers who do not see the chart."""
    total = int(bins["stores"].sum())
    used = bins[bins["stores"] > 0]
    measured = used[used["low"].notna()].iloc[::-1]  # the best first
    parts = [f"{int(n):,} at {label}" for label, n in zip(measured["bin"], measured["stores"],
                                                        strict=True)]
    parts += [f"{int(n):,} with no data" for n in used.loc[used["low"].isna(), "stores"]]
    return f"{total:,} stores: " + ", ".join(parts) + "." if parts else "No stores."
