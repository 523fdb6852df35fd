"""The HTTP routes through Starlette's TestClient, every status code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from storemon_core.db import Database
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.service import ReportService, ReportStatus, runs
from storemon_core.service.api import routes
from tests.builders import engine_csv, wait_until
from tests.test_service import Gate


@pytest.fixture
def svc(db: Database, export_inputs: Inputs) -> Iterator[ReportService]:
    db.load(export_inputs)
    service = ReportService(db)
    yield service
    service.shutdown()


@pytest.fixture
def client(svc: ReportService) -> TestClient:
    return TestClient(Starlette(routes=routes(lambda: svc)))


def wait_done(client: TestClient, report_id: str) -> Any:
    def ended() -> Any:
        response = client.get("/get_report", params={"report_id": report_id})
        return None if response.status_code == 202 else response

    return wait_until(ended)



def test_trigger_and_get_csv(client: TestClient, export_inputs: Inputs) -> None:
    response = client.get("/trigger_report")
    assert response.status_code == 200
    report_id = response.json()["report_id"]
    done = wait_done(client, report_id)
    assert done.status_code == 200
    assert done.headers["content-type"].startswith("text/csv")
    assert done.headers["x-report-status"] == ReportStatus.COMPLETE
    assert f'filename="report_{report_id}.csv"' in done.headers["content-disposition"]
    assert "attachment" in done.headers["content-disposition"]
    assert done.text == engine_csv(export_inputs)

    extended = client.get("/get_report", params={"report_id": report_id, "extended": "1"})
    assert extended.status_code == 200
    assert extended.text == engine_csv(export_inputs, extended=True)

    as_json = client.get(
        "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 200
    assert as_json.json() == {"status": ReportStatus.COMPLETE, "csv": engine_csv(export_inputs)}


def test_post_trigger_with_as_of(client: TestClient, export_inputs: Inputs) -> None:
    as_of = export_inputs.polls["timestamp_utc"].max() - pd.Timedelta(days=2)
    response = client.post("/trigger_report", params={"as_of": as_of.isoformat()})
    assert response.status_code == 200
    done = wait_done(client, response.json()["report_id"])
    assert done.status_code == 200
    assert done.text == engine_csv(export_inputs, as_of)


def test_running_is_202_with_progress(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setattr(runs, "uptime_report", gate.wrap(uptime_report))
    try:
        report_id = client.post("/trigger_report").json()["report_id"]
        assert gate.entered.wait(30)
        response = client.get("/get_report", params={"report_id": report_id})
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == ReportStatus.RUNNING and 0 < body["progress"] < 1
    finally:
        gate.release.set()
    assert wait_done(client, report_id).status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"report_id": "x" * 32}, {"report_id": "not a valid id!"}, {"report_id": ""}, {}],
)
def test_unknown_or_malformed_id_is_404(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/get_report", params=params)
    assert response.status_code == 404
    assert response.json() == {"status": "Report not found"}


def test_failed_report_is_500_with_error(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> pd.DataFrame:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(runs, "uptime_report", broken)
    report_id = client.get("/trigger_report").json()["report_id"]
    response = wait_done(client, report_id)
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == ReportStatus.FAILED and "engine exploded" in body["error"]


def test_bad_as_of_is_400(client: TestClient) -> None:
    response = client.get("/trigger_report", params={"as_of": "not-a-time"})
    assert response.status_code == 400
    assert response.json()["status"] == "Bad request"


def test_unreadable_setting_is_503_naming_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real factory, as the server has it: the service reads its settings.
    monkeypatch.setenv("STOREMON_REPORT_RETENTION_DAYS", "a month")
    client = TestClient(Starlette(routes=routes(lambda: ReportService(db))))
    for response in (client.get("/trigger_report"),
                     client.get("/get_report", params={"report_id": "x" * 32})):
        assert response.status_code == 503
        assert "STOREMON_REPORT_RETENTION_DAYS" in response.json()["error"]


def test_unreachable_database_is_503() -> None:
    def down() -> ReportService:
        raise OperationalError("connect", {}, ConnectionRefusedError("refused"))

    client = TestClient(Starlette(routes=routes(down)))
    assert client.get("/trigger_report").status_code == 503
    response = client.get("/get_report", params={"report_id": "x" * 32})
    assert response.status_code == 503 and response.json()["status"] == "Unavailable"
