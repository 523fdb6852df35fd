"""Period reports through ReportService: stored with their period, the engine's CSVs,
refused before any row when the period cannot be computed; standard reports as before."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from storemon_core.db.history import read_history
from storemon_core.engine.period import MAX_PERIOD_DAYS, PeriodError
from storemon_core.frames import Inputs
from storemon_core.instants import InstantError
from storemon_core.service import ReportService, ReportStatus, runs
from tests.builders import engine_csv, engine_history_csvs, newest_dates
from tests.service_fixtures import loaded_database, loaded_service  # noqa: F401 (fixtures)
from tests.test_service import Gate


def test_a_period_report_holds_the_engines_csvs_and_its_period(
    svc: ReportService, export_inputs: Inputs
) -> None:
    first, last = newest_dates(export_inputs, 6, 5)
    report_id = svc.trigger_report(first=first, last=last)
    done = svc.wait(report_id)
    assert done is not None and done.status == ReportStatus.COMPLETE, done
    daily, period = engine_history_csvs(export_inputs, first, last)
    assert done.csv == period and done.daily_csv == daily
    assert done.extended_csv is None
    assert (done.first, done.last) == (date.fromisoformat(first), date.fromisoformat(last))
    assert done.is_period
    assert done.as_of == export_inputs.polls["timestamp_utc"].max()
    assert done.store_count == len(period.splitlines()) - 1
    assert svc.report_frame(report_id) is None  # no extended report to parse

    standard = svc.wait(svc.trigger_report())
    assert standard is not None and standard.csv == engine_csv(export_inputs)
    assert (standard.first, standard.last, standard.daily_csv) == (None, None, None)
    assert not standard.is_period
    # The dashboard's latest report is the newest standard one, not a period.
    period_again = svc.wait(svc.trigger_report(first=first, last=last))
    assert period_again is not None and period_again.status == ReportStatus.COMPLETE
    assert svc.latest_complete().report_id == standard.report_id  # type: ignore[union-attr]

    listed = svc.list_reports().set_index("report_id")
    assert listed.loc[report_id, "first"] == date.fromisoformat(first)
    assert listed.loc[report_id, "last"] == date.fromisoformat(last)
    assert listed.loc[standard.report_id, "first"] is None
    assert listed.loc[standard.report_id, "last"] is None


def test_a_period_report_as_of_inside_the_period(
    svc: ReportService, export_inputs: Inputs
) -> None:
    first, last = newest_dates(export_inputs, 3, 3)
    as_of = export_inputs.polls["timestamp_utc"].max() - pd.Timedelta(hours=30)
    done = svc.wait(svc.trigger_report(as_of=as_of, first=first, last=last))
    assert done is not None and done.status == ReportStatus.COMPLETE, done
    assert (done.daily_csv, done.csv) == engine_history_csvs(export_inputs, first, last, as_of)
    assert done.as_of == as_of


@pytest.mark.parametrize("as_of, first, last, error, needle", [
    (None, "2024-01-01", None, PeriodError, "both first and last"),
    (None, None, "2024-01-01", PeriodError, "both first and last"),
    (None, "2024-1-1", "2024-01-02", PeriodError, "YYYY-MM-DD"),
    (None, "2024-02-30", "2024-03-02", PeriodError, "not a date"),
    (None, "2024-01-05", "2024-01-04", PeriodError, "before first"),
    (None, "2023-01-01", "2024-01-02", PeriodError, f"at most {MAX_PERIOD_DAYS}"),
    (None, "2199-01-01", "2199-01-02", PeriodError, "after the as-of date"),
    ("2024-03-01 10:00", "2024-03-02", "2024-03-03", PeriodError, "after the as-of date"),
    ("2300-01-01", "2024-03-02", "2024-03-03", InstantError, "outside"),
])
def test_a_period_that_cannot_be_computed_is_refused_before_any_row(
    svc: ReportService, as_of: str | None, first: str | None, last: str | None,
    error: type[Exception], needle: str,
) -> None:
    with pytest.raises(error, match=needle):
        svc.trigger_report(as_of=as_of, first=first, last=last)
    assert svc.list_reports().empty


def test_a_running_period_report_shows_its_period_and_progress(
    svc: ReportService, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(runs, "read_history", gate.wrap(read_history))  # type: ignore[arg-type]
    first, last = newest_dates(export_inputs, 2, 2)
    try:
        report_id = svc.trigger_report(first=first, last=last)
        assert gate.entered.wait(30)
        running = svc.get_report(report_id)
        assert running is not None and running.status == ReportStatus.RUNNING
        assert running.phase == "gated" and 0.3 < running.progress < 1
        assert running.first == date.fromisoformat(first)
    finally:
        gate.release.set()
    done = svc.wait(report_id)
    assert done is not None and done.status == ReportStatus.COMPLETE
    assert done.progress == 1.0
