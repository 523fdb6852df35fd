"""A period's history from the database (docs/counting.md "History").

Every store's window lies between local midnight of `first` and local midnight
after `last` in its own zone, so the polls of all windows lie inside one UTC
range: from that first midnight in the zone furthest east to the last midnight in
the zone furthest west. Reading that range (and each quiet store's newest earlier
poll, so that it is listed) gives the engine all it needs.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from storemon_core.db.database import Database
from storemon_core.engine.history import History, history
from storemon_core.engine.period import Period, dates_of, period_of
from storemon_core.frames import Inputs
from storemon_core.instants import as_utc_instant, microseconds
from storemon_core.units import US_PER_DAY, US_PER_HOUR, Progress

# Local time runs from UTC-12 to UTC+14; an hour more on each side costs nothing.
_EAST_US = 15 * US_PER_HOUR
_WEST_US = 13 * US_PER_HOUR


def period_range_us(period: Period) -> tuple[int, int]:
    """The UTC instants [start, end] that hold every store's window of the period."""
    start = period.first_day * US_PER_DAY - _EAST_US
    end = (period.first_day + period.days) * US_PER_DAY + _WEST_US
    return start, min(end, microseconds(period.as_of))


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
) -> History:
    """Every store's period first … last as of `as_of` (default: the newest poll)."""
    period = resolve_period(db, first, last, as_of)
    if period is None:
        nothing = Inputs()
        return history(nothing.polls, nothing.business_hours, nothing.timezones, first, last)
    if progress:
        progress(0.0, "reading polls")
    start_us, end_us = period_range_us(period)
    inputs = db.read_inputs_between(start_us, end_us)
    return history(inputs.polls, inputs.business_hours, inputs.timezones,
                   period.first, period.last, period.as_of, progress)
