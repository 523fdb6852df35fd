"""The Trends page's view-models: the fleet day by day, two periods compared, the worst stores.

Every table and number the page shows is computed here from a History's rows
(DAILY_COLUMNS, PERIOD_COLUMNS), so the page only lays them out. Percentages
follow docs/counting.md "History": uptime % = 100 × uptime / (uptime + downtime),
empty when both are 0; the unobserved share is unobserved hours over business hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from storemon_core.engine.history import History
from storemon_core.engine.period import (
    DEFAULT_DAYS,
    PeriodError,
    dates_of,
    default_period,
)
from storemon_core.views.filters import first_value

DEFAULT_WORST = 30
MAX_WORST = 200
MOVERS = 10

FLEET_DAILY_COLUMNS = ["date", "stores", "business_hours", "uptime", "downtime", "unobserved",
                       "uptime_pct", "unobserved_pct"]
COMPARISON_COLUMNS = ["store_id", "uptime_pct", "previous_uptime_pct", "change", "store_page"]
WORST_COLUMNS = ["store_id", "uptime_pct", "downtime", "unobserved", "business_hours",
                 "store_page"]


@dataclass(frozen=True)
class TrendChoice:
    """What the page shows: a period of local dates, a store id filter, heatmap rows."""

    first: date
    last: date
    search: str = ""
    worst: int = DEFAULT_WORST

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1



def parse_choice(params: Mapping[str, Any], newest: pd.Timestamp) -> tuple[TrendChoice, str]:
    """The choice in a URL's query parameters, and a message when part of it was refused
    (then the default period is used). Dates later than the newest poll's are refused."""
    first, last = default_period(newest)
    problem = ""
    given_first, given_last = first_value(params.get("first")), first_value(params.get("last"))
    if given_first or given_last:
        try:
            chosen_first, chosen_last = dates_of(str(given_first or first),
                                                 str(given_last or last))
            if chosen_first > last:
                raise PeriodError(f"first ({chosen_first}) is after the newest poll's date "
                                  f"({last})")
            first, last = chosen_first, chosen_last
        except PeriodError as error:
            problem = f"{error}; showing the {DEFAULT_DAYS} days up to the newest poll."
    search = str(first_value(params.get("q")) or "").strip()[:64]
    try:
        worst = int(str(first_value(params.get("worst")) or DEFAULT_WORST))
    except ValueError:
        worst = DEFAULT_WORST
    return TrendChoice(first, last, search, min(max(worst, 1), MAX_WORST)), problem


def choice_params(choice: TrendChoice, newest: pd.Timestamp) -> dict[str, str]:
    """Query parameters for `choice`, defaults left out so that links stay short."""
    params: dict[str, str] = {}
    if (choice.first, choice.last) != default_period(newest):
        params["first"], params["last"] = choice.first.isoformat(), choice.last.isoformat()
    if choice.search:
        params["q"] = choice.search
    if choice.worst != DEFAULT_WORST:
        params["worst"] = str(choice.worst)
    return params


def store_link(store_ids: pd.Series) -> pd.Series:
    """Each store's Store page (relative URL; the id quoted for the query string)."""
    return pd.Series(["/store?store_id=" + quote(str(s), safe="") for s in store_ids],
                     index=store_ids.index, dtype=object)


def matching(rows: pd.DataFrame, search: str) -> pd.DataFrame:
    """Rows whose store_id contains `search` (any case, literal text); all when empty."""
    if not search:
        return rows
    ids = rows["store_id"]
    if isinstance(ids.dtype, pd.CategoricalDtype):
        # One test per store, not per row: a daily frame has a row per store and date.
        names = pd.Series(ids.cat.categories.astype(str))
        hit = names.str.contains(search, case=False, regex=False).to_numpy()
        keep = hit[np.asarray(ids.cat.codes)] & (np.asarray(ids.cat.codes) >= 0)
    else:
        keep = ids.astype(str).str.contains(search, case=False, regex=False).to_numpy()
    result: pd.DataFrame = rows[keep]
    return result


def _percent(part: pd.Series | float, whole: pd.Series | float) -> Any:
    """100 × part / whole, empty (NaN) where whole is 0."""
    whole_values = np.asarray(whole, dtype="float64")
    safe = np.where(whole_values > 0, whole_values, 1.0)
    return np.where(whole_values > 0, 100.0 * np.asarray(part, dtype="float64") / safe, np.nan)


def fleet_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The fleet per local date (FLEET_DAILY_COLUMNS): summed hours, stores with a row,
    uptime % of the counted hours and the unobserved share of business hours."""
    grouped = daily.groupby("date", sort=True)
    sums = grouped[["business_hours", "uptime", "downtime", "unobserved"]].sum()
    frame = sums.reset_index()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame.insert(1, "stores", grouped.size().to_numpy(dtype=np.int64))
    frame["uptime_pct"] = _percent(frame["uptime"], frame["uptime"] + frame["downtime"])
    frame["unobserved_pct"] = _percent(frame["unobserved"], frame["business_hours"])
    result: pd.DataFrame = frame.loc[:, FLEET_DAILY_COLUMNS]
    return result


@dataclass(frozen=True)
class PeriodSummary:
    """One period's fleet numbers (None where nothing was counted)."""

    stores: int
    uptime_pct: float | None
    unobserved_pct: float | None


def summary(totals: pd.DataFrame) -> PeriodSummary:
    up, down = float(totals["uptime"].sum()), float(totals["downtime"].sum())
    business, unobserved = float(totals["business_hours"].sum()), float(
        totals["unobserved"].sum())
    return PeriodSummary(
        stores=len(totals),
        uptime_pct=100.0 * up / (up + down) if up + down > 0 else None,
        unobserved_pct=100.0 * unobserved / business if business > 0 else None,
    )


def comparison(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Stores with an uptime % in both periods: now, before and the change (points),
    without their Store pages (declined and improved add them)."""
    now = current.loc[current["uptime_pct"].notna(), ["store_id", "uptime_pct"]]
    before = previous.loc[previous["uptime_pct"].notna(), ["store_id", "uptime_pct"]]
    both = now.assign(store_id=now["store_id"].astype(str)).merge(
        before.assign(store_id=before["store_id"].astype(str)).rename(
            columns={"uptime_pct": "previous_uptime_pct"}),
        on="store_id", how="inner")
    both["change"] = both["uptime_pct"] - both["previous_uptime_pct"]
    result: pd.DataFrame = both.loc[:, [c for c in COMPARISON_COLUMNS if c != "store_page"]]
    return result


def declined(compared: pd.DataFrame, limit: int = MOVERS) -> pd.DataFrame:
    """The stores whose uptime % fell most (largest fall first; ties by store_id)."""
    fell = compared[compared["change"] < 0]
    return _linked(fell.sort_values(["change", "store_id"], ascending=[True, True],
                                    kind="stable").head(limit))


def improved(compared: pd.DataFrame, limit: int = MOVERS) -> pd.DataFrame:
    """The stores whose uptime % rose most (largest rise first; ties by store_id)."""
    rose = compared[compared["change"] > 0]
    return _linked(rose.sort_values(["change", "store_id"], ascending=[False, True],
                                    kind="stable").head(limit))


def _linked(movers: pd.DataFrame) -> pd.DataFrame:
    """Movers with their Store pages: made for the few shown, not every store compared."""
    rows = movers.reset_index(drop=True)
    rows["store_page"] = store_link(rows["store_id"])
    result: pd.DataFrame = rows.loc[:, COMPARISON_COLUMNS]
    return result


def worst_stores(totals: pd.DataFrame, limit: int = DEFAULT_WORST) -> pd.DataFrame:
    """The `limit` stores with the lowest uptime % over the period (ties by store_id);
    stores with nothing counted have no uptime % and are left out."""
    counted = totals[totals["uptime_pct"].notna()]
    rows = counted.assign(store_id=counted["store_id"].astype(str)).sort_values(
        ["uptime_pct", "store_id"], kind="stable").head(limit)
    rows = rows.assign(store_page=store_link(rows["store_id"]))
    result: pd.DataFrame = rows.loc[:, WORST_COLUMNS].reset_index(drop=True)
    return result


def heatmap(daily: pd.DataFrame, store_ids: list[str]) -> pd.DataFrame:
    """Uptime % per store (rows, in the order given) and local date (columns); NaN
    where the date had nothing counted."""
    rows = daily[daily["store_id"].isin(store_ids)]
    counted = rows["uptime"] + rows["downtime"]
    values = pd.DataFrame({
        "store_id": rows["store_id"].astype(str).to_numpy(),
        "date": pd.to_datetime(rows["date"]).dt.date.to_numpy(),
        "uptime_pct": _percent(rows["uptime"], counted),
    })
    table = values.pivot(index="store_id", columns="date", values="uptime_pct")
    result: pd.DataFrame = table.reindex(store_ids)
    return result


@dataclass(frozen=True)
class TrendsView:
    """Everything the Trends page shows for one choice, small enough to cache and copy."""

    current: PeriodSummary
    previous: PeriodSummary
    fleet: pd.DataFrame  # FLEET_DAILY_COLUMNS
    declined: pd.DataFrame  # COMPARISON_COLUMNS
    improved: pd.DataFrame  # COMPARISON_COLUMNS
    compared_stores: int
    worst: pd.DataFrame  # WORST_COLUMNS
    heatmap: pd.DataFrame  # store × date uptime %


def trends_view(current: History, previous_totals: pd.DataFrame, search: str = "",
                worst: int = DEFAULT_WORST) -> TrendsView:
    """The page's tables for stores whose id contains `search` (all when empty), from
    the period's history and the rows per store (PERIOD_COLUMNS) of the one before."""
    daily, totals = matching(current.daily, search), matching(current.totals, search)
    before = matching(previous_totals, search)
    compared = comparison(totals, before)
    worst_rows = worst_stores(totals, worst)
    return TrendsView(
        current=summary(totals), previous=summary(before), fleet=fleet_daily(daily),
        declined=declined(compared), improved=improved(compared),
        compared_stores=len(compared), worst=worst_rows,
        heatmap=heatmap(daily, worst_rows["store_id"].tolist()),
    )


def change_text(now: float | None, before: float | None) -> str | None:
    """A metric's change against the previous period, in points; None when either is
    missing."""
    if now is None or before is None:
        return None
    return f"{now - before:+.2f} points"


def source_text(current_id: str | None, previous_id: str | None) -> str:
    """Where the two periods' numbers come from: period reports made after the last
    load, or counted for this page."""
    def one(report_id: str | None) -> str:
        return f"period report {report_id}" if report_id else "counted from the polls"

    if current_id is None and previous_id is None:
        return "Both periods are counted from the polls for this page."
    return f"This period: {one(current_id)}; the one before: {one(previous_id)}."
