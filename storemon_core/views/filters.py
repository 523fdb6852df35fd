"""The Overview's table filters and their round trip through the URL's query string."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Filters:
    """Overview table filters; round-trip through the URL query string."""

    search: str = ""
    zones: tuple[str, ...] = ()
    pct_min: float = 0.0
    pct_max: float = 100.0
    down_last_hour: bool = False  # only stores with downtime in the last hour
    quiet_hours: float = 0.0  # only stores whose last poll is at least this old
    unobserved_min: float = 0.0  # only stores with at least this % of the week unobserved

    @property
    def full_range(self) -> bool:
        return self.pct_min <= 0.0 and self.pct_max >= 100.0

    @property
    def any(self) -> bool:
        """Whether the filters leave out any store at all."""
        return self != Filters()


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def first_value(value: Any) -> Any:
    """One value of a query parameter (st.query_params-like mappings may hand back
    a list for repeated keys: the last one wins)."""
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """Read filters from query parameters, ignoring anything malformed."""
    search = str(first_value(params.get("q")) or "").strip()[:64]
    zones_raw = str(first_value(params.get("tz")) or "")
    zones = tuple(sorted({z.strip() for z in zones_raw.split(",") if z.strip()}))
    low = min(max(_number(first_value(params.get("min")), 0.0), 0.0), 100.0)
    high = min(max(_number(first_value(params.get("max")), 100.0), 0.0), 100.0)
    if low > high:
        low, high = high, low
    down = str(first_value(params.get("down")) or "") == "hour"
    quiet = min(max(_number(first_value(params.get("quiet")), 0.0), 0.0), 24.0 * 365)
    unobserved = min(max(_number(first_value(params.get("unobs")), 0.0), 0.0), 100.0)
    return Filters(search=search, zones=zones, pct_min=low, pct_max=high, down_last_hour=down,
                   quiet_hours=quiet, unobserved_min=unobserved)


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
    if filters.down_last_hour:
        params["down"] = "hour"
    if filters.quiet_hours > 0.0:
        params["quiet"] = f"{filters.quiet_hours:g}"
    if filters.unobserved_min > 0.0:
        params["unobs"] = f"{filters.unobserved_min:g}"
    return params


# Every query parameter the filters own: the rest of a URL (the chosen report) stays.
FILTER_PARAMS = ("q", "tz", "min", "max", "down", "quiet", "unobs")


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
    if filters.down_last_hour:
        mask &= report["downtime_last_hour"].astype("float64") > 0
    if filters.quiet_hours > 0.0 and "hours_since_poll" in report.columns:
        mask &= report["hours_since_poll"] >= filters.quiet_hours
    if filters.unobserved_min > 0.0 and "unobserved_pct_week" in report.columns:
        mask &= report["unobserved_pct_week"] >= filters.unobserved_min
    return report[mask]
