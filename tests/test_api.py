"""The HTTP routes through Starlette's TestClient, every status code."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from storemon_core.config import describe
from storemon_core.db import Database
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.instants import RANGE_TEXT
from storemon_core.service import ReportService, ReportStatus, api, get_service, runs
from storemon_core.service.api import routes
from tests.builders import engine_csv, wait_until
from tests.faults import TcpProxy, free_port
from tests.service_fixtures import loaded_database, loaded_service  # noqa: F401 (fixtures)
from tests.test_service import Gate


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


@pytest.mark.parametrize(
    "as_of",
    ["1600-01-05", "2262-05-01", "1969-12-31T23:59:59Z", "not-a-time", "2023-13-45",
     "now", "today", " NOW ", "Yesterday"],
)
def test_an_as_of_it_cannot_use_is_a_clear_400(
    client: TestClient, svc: ReportService, as_of: str
) -> None:
    response = client.get("/trigger_report", params={"as_of": as_of})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "Bad request" and body["error"].startswith("as_of: ")
    assert as_of.strip() in body["error"] or as_of[:10] in body["error"]
    # The answer shows what is accepted instead.
    assert "2023-01-25T18:00:00Z" in body["accepted"] and RANGE_TEXT in body["accepted"]
    # pandas' own words (nanosecond casts, parser internals) stay out of it.
    for internal in ("unit='ns'", "overflow", "Unknown datetime string format", "Traceback"):
        assert internal not in response.text
    assert svc.list_reports().empty


def test_head_does_not_create_a_report(client: TestClient, svc: ReportService) -> None:
    response = client.head("/trigger_report")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert svc.list_reports().empty
    # get_report has no side effects: HEAD answers as GET does.
    assert client.head("/get_report", params={"report_id": "x" * 32}).status_code == 404


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


def _assert_unavailable(response: Any, url: str, check: str) -> None:
    """A 503 naming the database (without its password) and what to check."""
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "Unavailable" and body["database"] == describe(url)
    assert check in body["check"] and body["database"] in body["error"]
    password = make_url(url).password
    assert not password or password not in response.text
    assert "Traceback" not in response.text


def _logged_cause(caplog: pytest.LogCaptureFixture) -> BaseException | None:
    """The driver's error behind the last failure the API logged."""
    failures = [r.exc_info[1] for r in caplog.records
                if r.name == api.__name__ and r.levelno >= logging.ERROR and r.exc_info]
    return failures[-1].__cause__ if failures and failures[-1] else None


def test_unreachable_database_is_503_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    url = f"mysql+pymysql://storemon:s3cret-pw@127.0.0.1:{free_port()}/storemon"
    client = TestClient(Starlette(routes=routes(lambda: get_service(url))))
    with caplog.at_level(logging.ERROR, logger=api.__name__):
        for response in (client.get("/trigger_report"),
                         client.get("/get_report", params={"report_id": "x" * 32})):
            _assert_unavailable(response, url, "that the server is running")
            assert isinstance(_logged_cause(caplog), OperationalError)


# MySQL only: SQLite has no password, and its file cannot go away under a connection.
on_mysql = pytest.mark.parametrize("db_url", ["mysql"], indirect=True)


@on_mysql
def test_wrong_password_is_503_saying_what_to_check(db: Database) -> None:
    url = make_url(db.url).set(password="wrong-pw").render_as_string(hide_password=False)
    client = TestClient(Starlette(routes=routes(lambda: get_service(url))))
    _assert_unavailable(client.get("/trigger_report"), url, "password")


@on_mysql
def test_database_lost_after_start_is_503(
    db: Database, export_inputs: Inputs, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_url(db.url)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 3306)
    url = server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    through_proxy = Database(url)
    through_proxy.load(export_inputs)
    service = ReportService(through_proxy)
    client = TestClient(Starlette(routes=routes(lambda: service)))
    try:
        report_id = client.get("/trigger_report").json()["report_id"]
        assert wait_done(client, report_id).text == engine_csv(export_inputs)
        proxy.cut()
        with caplog.at_level(logging.ERROR, logger=api.__name__):
            for response in (client.get("/trigger_report"),
                             client.get("/get_report", params={"report_id": report_id})):
                _assert_unavailable(response, url, "that the server is running")
                assert isinstance(_logged_cause(caplog), OperationalError)
    finally:
        service.shutdown()
        through_proxy.dispose()


@pytest.mark.parametrize(
    "report_id",
    ["' OR '1'='1' --", "<script>alert(1)</script>", "../../etc/passwd", "x" * 65, "a%00b"],
)
def test_hostile_report_ids_are_404_without_echo(client: TestClient, report_id: str) -> None:
    response = client.get("/get_report", params={"report_id": report_id})
    assert response.status_code == 404
    assert response.json() == {"status": "Report not found"}


def test_store_ids_stay_literal_in_every_answer(db: Database) -> None:
    ids = ["a__bold__", "b:tada:", "c.-_:9", "7" * 19, "d" * 64]
    stamps = pd.Series(pd.to_datetime(["2023-01-25 17:00"] * len(ids), utc=True)).dt.as_unit("us")
    inputs = Inputs(polls=pd.DataFrame({
        "store_id": pd.Series(ids, dtype=object), "timestamp_utc": stamps, "active": True,
    }))
    db.load(inputs)
    service = ReportService(db)
    client = TestClient(Starlette(routes=routes(lambda: service)))
    try:
        report_id = client.post("/trigger_report").json()["report_id"]
        csv = wait_done(client, report_id).text
        assert csv == engine_csv(inputs)
        assert [line.split(",")[0] for line in csv.splitlines()[1:]] == sorted(ids)
        as_json = client.get("/get_report", params={"report_id": report_id},
                             headers={"Accept": "application/json"})
        assert as_json.json()["csv"] == csv
    finally:
        service.shutdown()
