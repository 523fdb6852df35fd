"""A period of local dates and its as-of instant (docs/counting.md "History"), checked once.

Every surface (CLI, HTTP, pages) takes a period as text; reading it here gives
them the same refusals in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from storemon_core.instants import FIRST_YEAR, LAST_YEAR, as_utc_instant

# The longest period the engine computes from raw polls: a leap year. Lanes of
# 14,000 stores would fit ten years, but the raw polls of more than a year are
# gigabytes; longer periods belong to kept day totals.
MAX_PERIOD_DAYS = 366
# The period pages and the reports after a load start from: the last 30 local dates.
DEFAULT_DAYS = 30

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = date(1970, 1, 1)


class PeriodError(ValueError):
    """A period that cannot be computed; the message says why."""


@dataclass(frozen=True)
class Period:
    """Local dates first ... last (both included) as of one UTC instant."""

    first: date
    last: date
    as_of: pd.Timestamp

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def first_day(self) -> int:
        """`first` as days since 1970-01-01, the engine's count of local dates."""
        return (self.first - _EPOCH).days


def local_date(value: str | date, what: str) -> date:
    """A date given as YYYY-MM-DD text or a date (a datetime gives its date)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        text = value.strip()
        if not _DATE.fullmatch(text):
            raise PeriodError(f"{what}: give a date as YYYY-MM-DD, not {value!r}")
        try:
            value = date.fromisoformat(text)
        except ValueError as exc:
            raise PeriodError(f"{what}: {text} is not a date") from exc
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PeriodError(f"{what}: {value.isoformat()} is outside {FIRST_YEAR}-01-01 … "
                          f"{LAST_YEAR}-12-31")
    return value


def dates_of(first: str | date, last: str | date) -> tuple[date, date]:
    """The two dates of a period, checked against each other and the length limit."""
    first_date, last_date = local_date(first, "first"), local_date(last, "last")
    if last_date < first_date:
        raise PeriodError(f"last ({last_date.isoformat()}) is before first "
                          f"({first_date.isoformat()})")
    days = (last_date - first_date).days + 1
    if days > MAX_PERIOD_DAYS:
        raise PeriodError(f"the period has {days} days; at most {MAX_PERIOD_DAYS} are allowed")
    return first_date, last_date


def period_of(first: str | date, last: str | date,
              as_of: str | datetime | pd.Timestamp) -> Period:
    """A checked period: first <= last, at most MAX_PERIOD_DAYS, and first no later
    than the UTC date of as_of (otherwise no store could have a window)."""
    first_date, last_date = dates_of(first, last)
    stamp = as_utc_instant(as_of)
    if first_date > stamp.date():
        raise PeriodError(f"first ({first_date.isoformat()}) is after the as-of date "
                          f"({stamp.date().isoformat()}, UTC)")
    return Period(first_date, last_date, stamp)


def default_period(newest: pd.Timestamp, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The `days` local dates ending on the newest poll's (UTC) date."""
    last = pd.Timestamp(newest).tz_convert("UTC").date()
    return last - timedelta(days=days - 1), last


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `first`."""
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)
