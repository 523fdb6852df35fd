"""History: every store's period, day by day (docs/counting.md "History: the period report").

The period is laid out like the report, on lanes, with each store's window its
own local dates: from local midnight at the start of `first` to local midnight
at the end of `last`, or `as_of` if earlier. The rule reads its clocks at every
local midnight of every store at once (one array of (store, date) edges), and a
day is the difference of two readings: no loop over stores, polls or days.

`day_totals` keeps whole microseconds per (store, date), which sum exactly, so a
database can keep them and add them up later; `daily_frame` and `period_frame`
turn them into the two CSVs' rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from storemon_core.engine.business_hours import StoreZones
from storemon_core.engine.fleet import Fleet, Windows, lay_out, utc_microseconds
from storemon_core.engine.intervals import in_key_order
from storemon_core.engine.period import Period, dates_of, period_of
from storemon_core.engine.rule import clock, status_spans
from storemon_core.engine.zones import local_midnights
from storemon_core.units import I64, US_PER_DAY, US_PER_HOUR, Progress

# One row per store and local date, sorted by store_id then date.
#   store_id            categorical of the ids given (categories: the period's stores,
#                       sorted): text from the exports, in code-point order; a
#                       database's integer keys where only keys matter (db.engine_days)
#   date                datetime64[s], the local date at midnight (naive)
#   business_us ... unobserved_us, polls   int64: microseconds, in-hours polls that date
#   first_poll_utc, last_poll_utc          datetime64[us, UTC]: the date's first and
#                                          last in-hours poll (NaT: none)
#   near_start, near_end                   bool: the date's numbers depend on where the
#                                          window starts / ends (see `day_totals`)
DAY_TOTAL_COLUMNS = [
    "store_id", "date", "business_us", "uptime_us", "downtime_us", "unobserved_us", "polls",
    "first_poll_utc", "last_poll_utc", "near_start", "near_end",
]
# The daily and period CSVs' columns (docs/formats.md, hours).
DAILY_COLUMNS = ["store_id", "date", "business_hours", "uptime", "downtime", "unobserved",
                 "polls"]
PERIOD_COLUMNS = ["store_id", "business_hours", "uptime", "downtime", "unobserved",
                  "uptime_pct", "polls"]
_SUMMED = ["business_us", "uptime_us", "downtime_us", "unobserved_us", "polls"]
_HOURS = {"business_us": "business_hours", "uptime_us": "uptime", "downtime_us": "downtime",
          "unobserved_us": "unobserved"}


@dataclass(frozen=True)
class History:
    """A period's answer: its rows day by day and per store, as the period CSVs hold them."""

    period: Period
    daily: pd.DataFrame  # DAILY_COLUMNS
    totals: pd.DataFrame  # PERIOD_COLUMNS


def history(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    first: str | date,
    last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None,
    progress: Progress | None = None,
) -> History:
    """Every store's period first ... last as of `as_of` (default: the newest poll).

    Raises PeriodError (a ValueError) for a period docs/counting.md calls an error and
    InstantError for an as-of out of range.
    """
    chosen = period_for(polls, first, last, as_of)
    days = day_totals(polls, business_hours, timezones, chosen, progress)
    return History(chosen, daily_frame(days), period_frame(days))


def period_for(polls: pd.DataFrame, first: str | date, last: str | date,
               as_of: str | datetime | pd.Timestamp | None = None) -> Period:
    """The checked period, as of `as_of` or else the newest of the polls.

    Without polls (and as-of) no store can take part, whatever the dates: only
    the dates are checked.
    """
    if as_of is None and len(polls):
        newest = int(utc_microseconds(polls["timestamp_utc"]).max())
        as_of = pd.Timestamp(newest, unit="us", tz="UTC")
    if as_of is None:
        first_date, last_date = dates_of(first, last)
        return Period(first_date, last_date, pd.Timestamp(0, unit="us", tz="UTC"))
    return period_of(first, last, as_of)


def day_totals(
    polls: pd.DataFrame,
    business_hours: pd.DataFrame,
    timezones: pd.DataFrame,
    period: Period,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The period's numbers per store and local date, in DAY_TOTAL_COLUMNS.

    `near_start` marks the dates that meet [window start, first in-hours poll),
    `near_end` those that meet (last in-hours poll, window end] (both: every date
    of a store without an in-hours poll in its window): there the first and last
    polls reach to the window's edges, where polls outside the window would speak
    or observe instead. A date that is not `near_end` has the same row in any
    longer period with the same `first` and as-of; one not `near_start` in any
    period starting earlier with the same end; one that is neither in any period
    whose window holds this one.
    """
    fleet = lay_out(polls, business_hours, timezones, period.as_of, progress,
                    windows=_period_windows(period))
    if progress:
        progress(0.8, "cutting days")
    days = _cut_days(fleet, period)
    if progress:
        progress(1.0, "done")
    return days


def _local_days(chosen: Period) -> I64:
    """The period's dates and the one after, as days since 1970-01-01."""
    result: I64 = chosen.first_day + np.arange(chosen.days + 1, dtype=np.int64)
    return result


def _period_windows(chosen: Period) -> Windows:
    edges = _local_days(chosen)[[0, -1]]

    def windows(zones: StoreZones, as_of_us: int) -> tuple[I64, I64]:
        midnights = local_midnights(zones.names, edges)
        return midnights[:, 0], midnights[:, 1]

    return windows


def _cut_days(fleet: Fleet, chosen: Period) -> pd.DataFrame:
    """Read the rule's clocks at every store's local midnights; a date is a difference."""
    stores, days = len(fleet.store_ids), chosen.days
    lanes = np.arange(stores, dtype=np.int64)
    midnight = local_midnights(fleet.zones.names, _local_days(chosen))
    start = fleet.window_start_us[:, None]
    end = fleet.window_end_us[:, None]
    origin = fleet.position(lanes, np.zeros(stores, dtype=np.int64))[:, None]
    # Row-major (store, edge) positions are sorted: lanes end to end, dates in order.
    edge = np.clip(midnight, start, end) + origin
    spans = status_spans(fleet)
    reading = clock(fleet.hours, spans, spans.running_totals(), edge.ravel())

    def per_day(values: I64) -> I64:
        cumulative = values.reshape(stores, days + 1)
        result: I64 = (cumulative[:, 1:] - cumulative[:, :-1]).ravel()
        return result

    # A date's polls are [midnight, next midnight); the window's end is included
    # when as_of cuts the date short.
    poll_at = fleet.poll_at
    first_poll = np.searchsorted(poll_at, edge[:, :-1].ravel(), side="left")
    after_polls = np.searchsorted(
        poll_at, (np.minimum(midnight[:, 1:], end + 1) + origin).ravel(), side="left")
    polls = after_polls - first_poll
    day_origin = np.repeat(origin[:, 0], days)

    def poll_instant(index: I64) -> pd.DatetimeIndex:
        found = poll_at[np.clip(index, 0, len(poll_at) - 1)] - day_origin if len(poll_at) \
            else np.zeros(len(index), dtype=np.int64)
        stamps = pd.to_datetime(np.where(polls > 0, found, 0), unit="us", utc=True)
        return pd.DatetimeIndex(pd.DatetimeIndex(stamps).where(polls > 0))

    near_start, near_end = _near_edges(fleet, lanes, edge)
    dates = np.tile((_local_days(chosen)[:-1] * US_PER_DAY).astype("datetime64[us]"), stores)
    keep = (midnight[:, :-1] < end).ravel()  # dates whose midnight comes before the end
    return pd.DataFrame({
        "store_id": pd.Categorical.from_codes(np.repeat(lanes, days)[keep],
                                              categories=pd.Index(fleet.store_ids)),
        "date": pd.Series(dates[keep]).astype("datetime64[s]"),
        "business_us": per_day(reading.business)[keep],
        "uptime_us": per_day(reading.uptime)[keep],
        "downtime_us": per_day(reading.downtime)[keep],
        "unobserved_us": per_day(reading.unobserved)[keep],
        "polls": polls[keep],
        "first_poll_utc": poll_instant(first_poll)[keep],
        "last_poll_utc": poll_instant(after_polls - 1)[keep],
        "near_start": near_start[keep],
        "near_end": near_end[keep],
    }, copy=False)  # fresh arrays: stacking them into blocks would copy each again


def _near_edges(fleet: Fleet, lanes: I64, edge: I64) -> tuple[npt.NDArray[np.bool_],
                                                              npt.NDArray[np.bool_]]:
    """Dates that meet the stretch before the first in-hours poll, and after the last.

    Polls outside the window are farther from any later (earlier) instant than the
    first (last) poll is, so they could neither speak for it nor observe it.
    """
    poll_at = fleet.poll_at
    if len(poll_at) == 0:
        every = np.ones(edge[:, 1:].size, dtype=bool)
        return every, every
    run_start = np.searchsorted(poll_at, fleet.lane_start(lanes), side="left")
    run_end = np.searchsorted(poll_at, fleet.lane_end(lanes), side="right")
    polled = run_end > run_start
    first_at = poll_at[np.minimum(run_start, len(poll_at) - 1)]
    last_at = poll_at[np.maximum(run_end - 1, 0)]
    first_at = np.where(polled, first_at, np.iinfo(np.int64).max)
    last_at = np.where(polled, last_at, np.iinfo(np.int64).min)
    near_start = (edge[:, :-1] < first_at[:, None]).ravel()
    near_end = (edge[:, 1:] > last_at[:, None]).ravel()
    return near_start, near_end


def _text_order_codes(store_id: pd.Series) -> I64:
    """Codes that sort the stores by id as text (code-point order)."""
    if (isinstance(store_id.dtype, pd.CategoricalDtype)
            and store_id.cat.categories.is_monotonic_increasing):
        ordered: I64 = np.asarray(store_id.cat.codes, dtype=np.int64)
        return ordered
    codes, _ = pd.factorize(np.asarray(store_id, dtype=object), sort=True)
    result: I64 = np.asarray(codes, dtype=np.int64)
    return result


def _ids_at(store_id: pd.Series, rows: I64) -> npt.NDArray[np.object_]:
    """The ids at `rows`, without making a text of every row's (a period has millions)."""
    if isinstance(store_id.dtype, pd.CategoricalDtype):
        names = np.asarray(store_id.cat.categories, dtype=object)
        picked: npt.NDArray[np.object_] = names[np.asarray(store_id.cat.codes)[rows]]
        return picked
    every: npt.NDArray[np.object_] = np.asarray(store_id, dtype=object)
    return every[rows]


def daily_frame(totals: pd.DataFrame) -> pd.DataFrame:
    """Day totals as the daily CSV's rows (DAILY_COLUMNS, hours), sorted by store_id as
    text, then date. Accepts day totals from anywhere (the engine's come sorted)."""
    codes = _text_order_codes(totals["store_id"])
    dates = totals["date"].to_numpy()
    if not in_key_order(codes, dates):
        totals = totals.iloc[np.lexsort((dates, codes))]
    daily = totals.loc[:, ["store_id", "date", *_SUMMED]].rename(columns=_HOURS)
    for column in _HOURS.values():
        daily[column] = daily[column] / US_PER_HOUR
    result: pd.DataFrame = daily.loc[:, DAILY_COLUMNS].reset_index(drop=True)
    return result


def period_frame(totals: pd.DataFrame) -> pd.DataFrame:
    """Day totals summed per store as the period CSV's rows (PERIOD_COLUMNS, hours),
    sorted by store_id as text.

    Accepts any day totals with the summed columns (kept ones from a database
    and edge days computed afresh alike), in any order.
    """
    codes = _text_order_codes(totals["store_id"])
    order = np.argsort(codes, kind="stable")
    grouped = codes[order]
    first_row = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(grouped) \
        else np.zeros(0, dtype=np.int64)
    ids = _ids_at(totals["store_id"], order[first_row])
    sums = {column: np.add.reduceat(totals[column].to_numpy(dtype=np.int64)[order], first_row)
            if len(first_row) else np.zeros(0, dtype=np.int64) for column in _SUMMED}
    counted = sums["uptime_us"] + sums["downtime_us"]
    frame = pd.DataFrame({"store_id": pd.Series(ids, dtype=object),
                          **{_HOURS[c]: sums[c] / US_PER_HOUR for c in _HOURS}})
    frame["uptime_pct"] = pd.Series(100 * sums["uptime_us"] / np.maximum(counted, 1)).where(
        counted > 0)
    frame["polls"] = sums["polls"]
    result: pd.DataFrame = frame.loc[:, PERIOD_COLUMNS]
    return result
