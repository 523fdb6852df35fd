"""A burst on the real server: concurrent reports and page views, on SQLite and MySQL.

The full-size run (50 reports at 14,000 stores, with figures) is bench/load.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from storemon_core.db import Database
from storemon_core.frames import Inputs
from storemon_core.service import ReportStatus, state
from tests.builders import engine_csv
from tests.serving import PAGE_PATHS, run_load, streamlit_server

TRIGGERS, VIEWERS, ROUNDS = 10, 2, 2


def test_concurrent_reports_and_page_views_give_identical_csvs(
    db: Database, export_inputs: Inputs, tmp_path: Path
) -> None:
    db.load(export_inputs)
    with streamlit_server(db.url, tmp_path / "server.log") as server:
        # On the real server too, HEAD is refused rather than starting a report.
        head = httpx.head(f"{server.base}/trigger_report")
        assert head.status_code == 405 and "POST" in head.headers["allow"]
        result = run_load(server.base, TRIGGERS, VIEWERS, ROUNDS, timeout=300)
    expected = engine_csv(export_inputs)
    assert [a.status_code for a in result.answers] == [200] * TRIGGERS
    assert all(a.text == expected for a in result.answers)
    assert len(result.page_views) == VIEWERS * ROUNDS * len(PAGE_PATHS)
    assert {status for _, status, _ in result.page_views} == {200}
    stored = state.listed_reports(db, 100)
    assert len(stored) == TRIGGERS and stored["report_id"].is_unique
    assert set(stored["status"]) == {ReportStatus.COMPLETE}
