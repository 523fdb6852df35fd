"""A period's history from the database (docs/counting.md "History").

From kept day totals (storemon_core.db.kept_history), or directly (`kept=False`):
every store's window lies between local midnight of `first` and local midnight
after `last` in its own zone, so the polls of all windows lie inside one UTC
range: from that first midnight in the zone furthest east to the last midnight
in the zone furthest west. Reading that range (and each quiet store's newest
earlier poll, so that it is listed) gives the engine all it needs.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from storemon_core.db.database import Database
from storemon_core.db.kept_history import kept_history_days, period_range_us
from storemon_core.engine.history import History, daily_frame, history, period_frame
from storemon_core.engine.period import Period, dates_of, period_of
from storemon_core.frames import Inputs
from storemon_core.instants import as_utc_instant
from storemon_core.units import Progress

__all__ = ["period_range_us", "read_history", "read_store_history",
           "resolve_period"]


def resolve_period(
    db: Database, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None,
) -> Period | None:
    """The checked period, as of `as_of` or the newest poll; None when there are no polls.

    Raises PeriodError or InstantError (both ValueErrors) with a message for people.
    """
    if as_of is None:
        dates_of(first, last)
        newest = db.newest_poll()
        if newest is None:
            return None
        return period_of(first, last, newest)
    return period_of(first, last, as_utc_instant(as_of))


def read_history(
    db: Database, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None, progress: Progress | None = None,
    kept: bool = True,
) -> History:
    """Every store's period first … last as of `as_of` (default: the newest poll),
    from kept day totals, or `kept=False` directly from the raw polls."""
    period = resolve_period(db, first, last, as_of)
    if period is None:
        return _nothing(first, last)
    if kept:
        days = kept_history_days(db, period, progress)
        return History(period, daily_frame(days), period_frame(days))
    if progress:
        progress(0.0, "reading polls")
    start_us, end_us = period_range_us(period)
    inputs = db.read_inputs_between(start_us, end_us)
    return history(inputs.polls, inputs.business_hours, inputs.timezones,
                   period.first, period.last, period.as_of, progress)


def _nothing(first: str | date, last: str | date) -> History:
    nothing = Inputs()
    return history(nothing.polls, nothing.business_hours, nothing.timezones, first, last)


def read_store_history(
    db: Database, store_id: str, first: str | date, last: str | date,
    as_of: str | datetime | pd.Timestamp | None = None,
) -> History:
    """One store's period, as read_history gives it, from that store's polls alone."""
    period = resolve_period(db, first, last, as_of)
    if period is None:
        return _nothing(first, last)
    start_us, end_us = period_range_us(period)
    inputs = db.store_inputs_between(store_id, start_us, end_us)
    return history(inputs.polls, inputs.business_hours, inputs.timezones,
                   period.first, period.last, period.as_of)


