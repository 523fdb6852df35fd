"""Period reports over HTTP: /trigger_report?first=&last= and /get_report (&daily=1),
every status code."""

from __future__ import annotations

import pandas as pd
import pytest
from starlette.testclient import TestClient

from storemon_core.db.history import read_history
from storemon_core.engine.period import MAX_PERIOD_DAYS
from storemon_core.frames import Inputs
from storemon_core.service import ReportService, ReportStatus, runs
from tests.builders import engine_csv, engine_history_csvs, newest_dates
from tests.service_fixtures import loaded_database, loaded_service  # noqa: F401 (fixtures)
from tests.test_api import client, wait_done  # noqa: F401 (client is a fixture)
from tests.test_service import Gate


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_period_report_answers_the_period_and_daily_csvs(
    client: TestClient, export_inputs: Inputs, method: str  # noqa: F811
) -> None:
    first, last = newest_dates(export_inputs, 5, 4)
    response = client.request(method, "/trigger_report", params={"first": first, "last": last})
    assert response.status_code == 200
    report_id = response.json()["report_id"]
    daily, period = engine_history_csvs(export_inputs, first, last)

    done = wait_done(client, report_id)
    assert done.status_code == 200
    assert done.headers["content-type"].startswith("text/csv")
    assert done.headers["x-report-status"] == ReportStatus.COMPLETE
    assert f'filename="report_{report_id}_period.csv"' in done.headers["content-disposition"]
    assert done.text == period

    by_day = client.get("/get_report", params={"report_id": report_id, "daily": "1"})
    assert by_day.status_code == 200
    assert f'filename="report_{report_id}_daily.csv"' in by_day.headers["content-disposition"]
    assert by_day.text == daily

    as_json = client.get("/get_report", params={"report_id": report_id, "daily": "1"},
                         headers={"Accept": "application/json"})
    assert as_json.status_code == 200
    assert as_json.json() == {"status": ReportStatus.COMPLETE, "csv": daily,
                              "first": first, "last": last}


def test_a_period_report_with_as_of(client: TestClient, export_inputs: Inputs) -> None:  # noqa: F811
    first, last = newest_dates(export_inputs, 3, 3)
    as_of = export_inputs.polls["timestamp_utc"].max() - pd.Timedelta(hours=30)
    response = client.post("/trigger_report",
                           params={"first": first, "last": last, "as_of": as_of.isoformat()})
    assert response.status_code == 200
    done = wait_done(client, response.json()["report_id"])
    assert done.status_code == 200
    assert done.text == engine_history_csvs(export_inputs, first, last, as_of)[1]


def test_a_running_period_report_is_202(
    client: TestClient, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    gate = Gate()
    monkeypatch.setattr(runs, "read_history", gate.wrap(read_history))  # type: ignore[arg-type]
    first, last = newest_dates(export_inputs, 2, 2)
    try:
        report_id = client.get("/trigger_report",
                               params={"first": first, "last": last}).json()["report_id"]
        assert gate.entered.wait(30)
        for extra in ({}, {"daily": "1"}):
            response = client.get("/get_report", params={"report_id": report_id, **extra})
            assert response.status_code == 202
            assert response.json()["status"] == ReportStatus.RUNNING
    finally:
        gate.release.set()
    assert wait_done(client, report_id).status_code == 200


@pytest.mark.parametrize("params, needle", [
    ({"first": "2024-10-01"}, "both first and last"),
    ({"last": "2024-10-01"}, "both first and last"),
    ({"first": "2024-10-01", "last": "31/10/2024"}, "last: give a date as YYYY-MM-DD"),
    ({"first": "yesterday", "last": "2024-10-02"}, "first: give a date as YYYY-MM-DD"),
    ({"first": "2024-02-30", "last": "2024-03-02"}, "first: 2024-02-30 is not a date"),
    ({"first": "2024-10-05", "last": "2024-10-04"}, "last (2024-10-04) is before first"),
    ({"first": "2023-01-01", "last": "2024-01-02"},
     f"the period has 367 days; at most {MAX_PERIOD_DAYS}"),
    ({"first": "2199-01-01", "last": "2199-01-02"}, "is after the as-of date"),
    ({"first": "2024-03-02", "last": "2024-03-03", "as_of": "2024-03-01T23:00:00Z"},
     "first (2024-03-02) is after the as-of date (2024-03-01, UTC)"),
])
def test_a_period_it_cannot_compute_is_a_clear_400(
    client: TestClient, svc: ReportService, params: dict[str, str], needle: str  # noqa: F811
) -> None:
    response = client.get("/trigger_report", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "Bad request" and needle in body["error"]
    assert "YYYY-MM-DD" in body["accepted"] and str(MAX_PERIOD_DAYS) in body["accepted"]
    assert svc.list_reports().empty


def test_a_period_with_an_as_of_out_of_range_is_the_as_of_400(
    client: TestClient, svc: ReportService  # noqa: F811
) -> None:
    response = client.post("/trigger_report", params={"first": "2024-03-02",
                                                      "last": "2024-03-03", "as_of": "now"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("as_of: ")
    assert svc.list_reports().empty


def test_csvs_of_the_other_kind_are_400(
    client: TestClient, export_inputs: Inputs  # noqa: F811
) -> None:
    standard_id = client.get("/trigger_report").json()["report_id"]
    assert wait_done(client, standard_id).text == engine_csv(export_inputs)
    refused = client.get("/get_report", params={"report_id": standard_id, "daily": "1"})
    assert refused.status_code == 400
    assert "daily=1 is for period reports" in refused.json()["error"]

    first, last = newest_dates(export_inputs, 2, 2)
    period_id = client.get("/trigger_report",
                           params={"first": first, "last": last}).json()["report_id"]
    assert wait_done(client, period_id).status_code == 200
    refused = client.get("/get_report", params={"report_id": period_id, "extended": "1"})
    assert refused.status_code == 400
    assert "extended=1 is for standard reports" in refused.json()["error"]


def test_an_unknown_period_report_is_404(client: TestClient) -> None:  # noqa: F811
    response = client.get("/get_report", params={"report_id": "y" * 32, "daily": "1"})
    assert response.status_code == 404


def test_a_failed_period_report_is_500(
    client: TestClient, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("history exploded")

    monkeypatch.setattr(runs, "read_history", broken)
    first, last = newest_dates(export_inputs, 2, 2)
    report_id = client.get("/trigger_report",
                           params={"first": first, "last": last}).json()["report_id"]
    response = wait_done(client, report_id)
    assert response.status_code == 500
    assert "history exploded" in response.json()["error"]
