"""`storemon load`, as scripts/dbcreate.py: loads a folder, appends, skips when not
empty, refuses bad files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from storemon_core.config import redact
from storemon_core.db import Database
from storemon_core.engine.period import default_period, previous_period
from storemon_core.frames import Inputs
from storemon_core.service import ReportService, ReportStatus

ROOT = Path(__file__).resolve().parent.parent


def dbcreate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "dbcreate.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # as the installed package would be
    )


def test_dbcreate_loads_appends_and_skips(
    db_url: str, db: Database, export_dir: Path, export_inputs: Inputs, tmp_path: Path
) -> None:
    first = dbcreate("--url", db_url, "--data-dir", str(export_dir))
    assert first.returncode == 0, first.stderr
    unique = len(export_inputs.polls.drop_duplicates(["store_id", "timestamp_utc"]))
    assert f"{unique:,} new polls" in first.stdout
    assert f"Database: {redact(db_url)}" in first.stdout
    password = make_url(db_url).password
    assert not password or f":{password}@" not in first.stdout
    assert db.summary().polls == unique
    # The load changed the data, so a report at the newest poll followed it, and the
    # period reports of Trends' default period and the one before.
    reports = ReportService(db).list_reports(10)
    assert list(reports["status"]) == [ReportStatus.COMPLETE] * 3
    standard = reports[reports["first"].isna()]
    assert len(standard) == 1
    assert f"Report {standard['report_id'].iloc[0]}: complete" in first.stdout
    newest = db.newest_poll()
    assert newest is not None
    current = default_period(newest)
    periods = reports[reports["first"].notna()]
    assert set(zip(periods["first"], periods["last"], strict=True)) == {
        current, previous_period(*current)}
    for report_id, period_first in zip(periods["report_id"], periods["first"], strict=True):
        assert f"Report {report_id} {period_first:%Y-%m-%d} … " in first.stdout

    again = dbcreate("--url", db_url, "--status", str(export_dir / "store_status.csv"), "--append")
    assert again.returncode == 0, again.stderr
    assert "0 new polls" in again.stdout
    assert len(ReportService(db).list_reports(10)) == 3  # nothing new, no report

    skipped = dbcreate("--url", db_url, "--data-dir", str(export_dir), "--if-empty")
    assert skipped.returncode == 0 and "nothing loaded" in skipped.stdout

    bad = tmp_path / "store_status.csv"
    bad.write_text("store_id,status,timestamp_utc\nS9,active,2024-01-01 10:00:00 UTC\nS9,???,x\n")
    partly = dbcreate("--url", db_url, "--status", str(bad))
    assert partly.returncode == 0, partly.stderr
    assert "line 3" in partly.stdout
    assert len(db.rejected_rows()) == 1

    broken = tmp_path / "broken.csv"
    broken.write_text("nothing,useful\n1,2\n")
    before = db.summary().polls
    refused = dbcreate("--url", db_url, "--status", str(broken))
    assert refused.returncode == 2 and "unchanged" in refused.stderr
    assert db.summary().polls == before


def test_append_needs_a_poll_export(db_url: str, export_dir: Path) -> None:
    done = dbcreate("--url", db_url, "--hours", str(export_dir / "menu_hours.csv"), "--append")
    assert done.returncode == 2
    assert "--append needs a poll export" in done.stderr
    assert "Traceback" not in done.stderr
