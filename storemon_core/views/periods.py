"""A period's rows as the pages show them: from a stored period report, or counted here.

Either way the rows are the period CSVs read back, so a page shows the same
numbers (rounded as the CSVs are) whether a report after the last load had them
ready or the page had to count them, and its downloads are those CSVs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from storemon_core.engine.history import History
from storemon_core.engine.period import period_of
from storemon_core.output.history_csv import (
    daily_csv,
    period_csv,
    read_daily_csv,
    read_period_csv,
)

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.service import ReportState


@dataclass(frozen=True)
class PeriodRows:
    """A period's daily and period CSVs, and their rows."""

    history: History
    daily_text: str
    period_text: str
    report_id: str | None  # the stored report they come from; None when counted here


def _rows(first: date, last: date, as_of: pd.Timestamp, daily_text: str, period_text: str,
          report_id: str | None) -> PeriodRows:
    chosen = period_of(first, last, as_of)
    found = History(chosen, read_daily_csv(daily_text), read_period_csv(period_text))
    return PeriodRows(found, daily_text, period_text, report_id)


def from_report(state: ReportState) -> PeriodRows:
    """The rows of a Complete period report."""
    if (state.first is None or state.last is None or state.as_of is None
            or state.csv is None or state.daily_csv is None):
        raise ValueError(f"report {state.report_id} is not a finished period report")
    return _rows(state.first, state.last, state.as_of, state.daily_csv, state.csv,
                 state.report_id)


def counted(db: Database, first: date, last: date) -> PeriodRows:
    """The period counted now, as of the newest poll, from the database."""
    from storemon_core.db.history import read_history

    found = read_history(db, first, last)
    return _rows(first, last, found.period.as_of, daily_csv(found.daily),
                 period_csv(found.totals), None)


def counted_together(db: Database, chosen: list[tuple[date, date]]) -> list[PeriodRows]:
    """Each period (first, last) counted now, two at a time: a period's reads wait on
    the server and decode outside Python's lock, while the other's engine runs.
    Each period itself reads on two connections at once (docs/operations.md)."""
    if len(chosen) < 2:
        return [counted(db, first, last) for first, last in chosen]
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda period: counted(db, *period), chosen))
