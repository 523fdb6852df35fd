"""A period's rows as the pages show them: from a stored period report, or counted here.

Either way the rows are the period CSVs read back, so a page shows the same
numbers (rounded as the CSVs are) whether a report after the last load had them
ready or the page had to count them, and its downloads are those CSVs. A
counted period's CSVs are written when first asked for, and its rows are made as
its CSVs read back without parsing them (history_csv.daily_as_read, period_as_read).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from storemon_core.engine.history import History
from storemon_core.engine.period import Period, period_of
from storemon_core.output.history_csv import (
    daily_as_read,
    daily_csv,
    period_as_read,
    period_csv,
    read_daily_csv,
    read_period_csv,
)

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.service import ReportState


class PeriodRows:
    """A period's daily and period CSVs, and their rows, each made when first asked
    for: the Trends page needs only the rows per store of the period before, and
    a daily CSV of the fleet (tens of megabytes) costs a tenth of a second to
    write. A counted period's rows are made without its text."""

    def __init__(self, period: Period, report_id: str | None,
                 texts: tuple[str, str] | None = None, counted: History | None = None):
        if (texts is None) == (counted is None):
            raise ValueError("a period's rows come from its CSVs or from its counting")
        self.period = period
        self.report_id = report_id  # the stored report they come from; None when counted
        self._counted = counted
        if texts is not None:
            self.__dict__["daily_text"], self.__dict__["period_text"] = texts

    @cached_property
    def daily_text(self) -> str:
        assert self._counted is not None
        return daily_csv(self._counted.daily)

    @cached_property
    def period_text(self) -> str:
        assert self._counted is not None
        return period_csv(self._counted.totals)

    @cached_property
    def daily(self) -> pd.DataFrame:
        if self._counted is not None:
            return daily_as_read(self._counted.daily)
        return read_daily_csv(self.daily_text)

    @cached_property
    def totals(self) -> pd.DataFrame:
        if self._counted is not None:
            return period_as_read(self._counted.totals)
        return read_period_csv(self.period_text)

    @property
    def history(self) -> History:
        return History(self.period, self.daily, self.totals)


def from_report(state: ReportState) -> PeriodRows:
    """The rows of a Complete period report."""
    if (state.first is None or state.last is None or state.as_of is None
            or state.csv is None or state.daily_csv is None):
        raise ValueError(f"report {state.report_id} is not a finished period report")
    return PeriodRows(period_of(state.first, state.last, state.as_of), state.report_id,
                      texts=(state.daily_csv, state.csv))


def counted(db: Database, first: date, last: date) -> PeriodRows:
    """The period counted now, as of the newest poll, from the database."""
    from storemon_core.db.history import read_history

    found = read_history(db, first, last)
    return PeriodRows(found.period, None, counted=found)


def counted_together(db: Database, chosen: list[tuple[date, date]],
                     with_daily: Collection[tuple[date, date]] = ()) -> list[PeriodRows]:
    """Each period (first, last) counted now, two at a time: a period's reads wait on
    the server and decode outside Python's lock, while the other's engine runs.
    Each period's edge reads run on two connections at once (docs/operations.md).
    The daily rows of the periods `with_daily` are made beside the other's counting;
    the others' when first asked for."""
    def count(period: tuple[date, date]) -> PeriodRows:
        rows = counted(db, *period)
        if period in with_daily:
            rows.daily_text  # noqa: B018 (made now, in this thread)
            rows.daily  # noqa: B018
        return rows

    if len(chosen) < 2:
        return [count(period) for period in chosen]
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(count, chosen))
