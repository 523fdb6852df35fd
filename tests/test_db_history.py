"""A period's history read from the database equals the engine's on the CSV exports."""

from __future__ import annotations

import pandas as pd
import pytest

from storemon_core.db import Database
from storemon_core.db.history import read_history
from storemon_core.engine.history import history
from storemon_core.engine.period import PeriodError
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import daily_csv, period_csv


def _csvs(result: object) -> tuple[str, str]:
    return daily_csv(result.daily), period_csv(result.totals)  # type: ignore[attr-defined]


@pytest.mark.parametrize("days_back, length, as_of_back_hours", [
    (8, 9, 0),  # every date with polls, and the stale store's before them
    (4, 2, 0),  # a period in the middle
    (1, 2, 30),  # as_of inside the period
])
def test_history_from_database_equals_engine(
    db: Database, export_inputs: Inputs, days_back: int, length: int, as_of_back_hours: int
) -> None:
    db.load(export_inputs)
    newest = export_inputs.polls["timestamp_utc"].max()
    as_of = newest - pd.Timedelta(hours=as_of_back_hours)
    first = (newest - pd.Timedelta(days=days_back)).date()
    last = first + pd.Timedelta(days=length - 1)
    expected = history(export_inputs.polls, export_inputs.business_hours,
                       export_inputs.timezones, first, last, as_of)
    got = read_history(db, first, last, as_of if as_of_back_hours else None)
    assert len(expected.totals) > 0
    assert _csvs(got) == _csvs(expected)


def test_history_errors_and_empty_database(db: Database) -> None:
    assert read_history(db, "2024-01-01", "2024-01-31").totals.empty
    with pytest.raises(PeriodError):
        read_history(db, "2024-02-01", "2024-01-31")
