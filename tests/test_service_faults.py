"""Faults while reports run, with real connections and real processes: a MySQL
connection killed mid-report, a server process killed mid-report."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx2 as httpx
import pytest

from storemon_core.db import Database
from storemon_core.frames import Inputs
from storemon_core.output.report_csv import report_csv
from storemon_core.service import INTERRUPTED, ReportService, ReportStatus, runs, state
from tests.builders import engine_csv, wait_until
from tests.faults import (
    kill_while,
    mysql_session,
    report_writes_held,
    rows_held_as_triggered,
    table_locked,
)
from tests.service_fixtures import loaded_database, loaded_service  # noqa: F401 (fixtures)
from tests.serving import streamlit_server
from tests.test_service import Gate

on_mysql = pytest.mark.parametrize("db_url", ["mysql"], indirect=True)


def _running(svc: ReportService, report_id: str) -> bool:
    found = svc.get_report(report_id)
    return found is not None and found.status == ReportStatus.RUNNING


def _assert_failed_for_the_connection(svc: ReportService, report_id: str) -> None:
    failed = svc.wait(report_id)
    assert failed is not None and failed.status == ReportStatus.FAILED
    # Which database, what failed, what to check: a sentence, not a driver's dump.
    assert failed.error is not None and failed.error.startswith(svc.db.label)
    assert "connection to the server was lost" in failed.error
    assert "Check " in failed.error and "Traceback" not in failed.error


def _assert_next_report_is_right(svc: ReportService, export_inputs: Inputs) -> None:
    done = svc.wait(svc.trigger_report())
    assert done is not None and done.status == ReportStatus.COMPLETE, done and done.error
    assert done.csv == engine_csv(export_inputs)


@on_mysql
def test_connection_killed_while_the_report_reads(
    svc: ReportService, export_inputs: Inputs
) -> None:
    as_of = export_inputs.polls["timestamp_utc"].max()
    # The polls wait for another session, so the report's read is caught in the act.
    with table_locked(svc.db.url, "polls"):
        # With an as-of given, the trigger reads no polls: only the report does.
        report_id = svc.trigger_report(as_of)
        # Its retry through another connection is killed too.
        kill_while(svc.db.url, "SELECT % FROM polls %", lambda: _running(svc, report_id))
    _assert_failed_for_the_connection(svc, report_id)
    _assert_next_report_is_right(svc, export_inputs)


@on_mysql
def test_connection_killed_while_the_report_writes_its_result(
    svc: ReportService, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(runs, "report_csv", gate.wrap(report_csv))
    holder = mysql_session(svc.db.url)
    try:
        report_id = svc.trigger_report()
        assert gate.entered.wait(60)  # computed: writing the result comes next
        # Another session holds the report's row, so the final write waits in view.
        holder.autocommit(False)
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM reports WHERE id = %s FOR UPDATE", (report_id,))
        gate.release.set()
        kill_while(svc.db.url, "UPDATE reports SET %Complete%", lambda: False)
        holder.rollback()
    finally:
        gate.release.set()
        holder.close()
    _assert_failed_for_the_connection(svc, report_id)
    _assert_next_report_is_right(svc, export_inputs)


def test_server_killed_mid_report_leaves_it_interrupted_and_a_new_server_reports(
    db: Database, export_inputs: Inputs, tmp_path: Path
) -> None:
    db.load(export_inputs)
    expected = engine_csv(export_inputs)
    # One worker and several reports: some are queued or computing when the kill comes.
    with streamlit_server(db.url, tmp_path / "first.log",
                          {"STOREMON_REPORT_WORKERS": "1"}) as first, \
            rows_held_as_triggered(db.url) as hold:
        # On MySQL each report's row is held as soon as it exists, so none can end first.
        ids = [hold(httpx.get(f"{first.base}/trigger_report", timeout=30)
                    .json()["report_id"]) for _ in range(6)]
        sqlite_writes = report_writes_held(db.url) if db.is_sqlite else contextlib.nullcontext()
        with sqlite_writes:
            rows = [state.report_row(db, report_id) for report_id in ids]
            running = {r.id for r in rows if r is not None and r.status == ReportStatus.RUNNING}
            assert running, "every report ended before the kill"
            first.kill()

    with streamlit_server(db.url, tmp_path / "second.log") as second:
        for report_id in ids:
            answer = httpx.get(f"{second.base}/get_report", params={"report_id": report_id})
            if report_id in running:
                assert answer.status_code == 500
                assert answer.json() == {"status": ReportStatus.FAILED, "error": INTERRUPTED}
            else:
                assert answer.status_code == 200 and answer.text == expected
        new_id = httpx.post(f"{second.base}/trigger_report").json()["report_id"]

        def ended() -> httpx.Response | None:
            answer = httpx.get(f"{second.base}/get_report", params={"report_id": new_id})
            return None if answer.status_code == 202 else answer

        done = wait_until(ended)
        assert done.status_code == 200 and done.text == expected
