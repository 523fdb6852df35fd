"""`storemon history`: the CSVs it writes are the engine's, from the exports and from
the database, and every refusal is one `error:` line with its exit code."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from storemon_core.cli import main
from storemon_core.db import Database
from storemon_core.engine.history import DAILY_COLUMNS, PERIOD_COLUMNS, history
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import daily_csv, period_csv
from tests.builders import engine_history_csvs, newest_dates
from tests.test_cli import _assert_one_clear_line, _unreachable

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def _files(export_dir: Path) -> list[str]:
    return ["--status", str(export_dir / "store_status.csv"),
            "--hours", str(export_dir / "menu_hours.csv"),
            "--timezones", str(export_dir / "timezones.csv")]


@pytest.mark.parametrize("days_back, length, as_of_back_hours", [(8, 9, 0), (2, 2, 30)])
def test_history_from_the_exports_is_the_engines(
    export_dir: Path, export_inputs: Inputs, tmp_path: Path,
    days_back: int, length: int, as_of_back_hours: int,
) -> None:
    first, last = newest_dates(export_inputs, days_back, length)
    as_of = export_inputs.polls["timestamp_utc"].max() - pd.Timedelta(hours=as_of_back_hours)
    expected = history(export_inputs.polls, export_inputs.business_hours,
                       export_inputs.timezones, first, last, as_of)
    assert len(expected.daily) > len(expected.totals) > 0
    extra = ["--as-of", as_of.isoformat()] if as_of_back_hours else []

    daily = tmp_path / "daily.csv"
    code, stdout, stderr = run_main("history", "--first", first, "--last", last, *extra,
                                    *_files(export_dir), "--out", str(daily))
    assert code == 0, stderr
    assert stdout == ""
    assert daily.read_text().splitlines()[0] == ",".join(DAILY_COLUMNS)
    assert daily.read_text() == daily_csv(expected.daily)
    assert f"{len(expected.totals):,} stores" in stderr

    code, stdout, stderr = run_main("history", "--first", first, "--last", last, *extra,
                                    "--data-dir", str(export_dir), "--totals")
    assert code == 0, stderr
    assert stdout.splitlines()[0] == ",".join(PERIOD_COLUMNS)
    assert stdout == period_csv(expected.totals)


def test_history_from_the_database_is_the_engines(
    db: Database, export_inputs: Inputs, tmp_path: Path
) -> None:
    db.load(export_inputs)
    first, last = newest_dates(export_inputs, 6, 5)
    daily, period = engine_history_csvs(export_inputs, first, last)
    code, stdout, stderr = run_main("history", "--first", first, "--last", last,
                                    "--url", db.url)
    assert code == 0, stderr
    assert stdout == daily
    code, stdout, stderr = run_main("history", "--first", first, "--last", last,
                                    "--url", db.url, "--totals")
    assert code == 0, stderr
    assert stdout == period


def test_an_empty_database_is_a_clear_error(db: Database) -> None:
    code, stdout, stderr = run_main("history", "--first", "2024-01-01", "--last",
                                    "2024-01-02", "--url", db.url)
    assert code == 2
    assert stderr.splitlines()[-1].startswith("error: the database")
    assert "holds no polls" in stderr
    assert stdout == ""


@pytest.mark.parametrize("first, last, as_of, needle", [
    ("2024-13-01", "2024-12-02", None, "first: 2024-13-01 is not a date"),
    ("01/02/2024", "2024-01-03", None, "first: give a date as YYYY-MM-DD"),
    ("2024-01-01", "soon", None, "last: give a date as YYYY-MM-DD"),
    ("2024-01-05", "2024-01-04", None, "last (2024-01-04) is before first (2024-01-05)"),
    ("2023-01-01", "2024-01-02", None, "the period has 367 days; at most 366"),
    ("2099-01-01", "2099-01-02", None, "is after the as-of date"),
    ("2024-01-01", "2024-01-02", "2024-01-01T00:00:00", None),
    ("2024-01-05", "2024-01-06", "2024-01-04 10:00", "first (2024-01-05) is after the as-of "
     "date (2024-01-04, UTC)"),
    ("2024-01-01", "2024-01-02", "3000-01-01", "--as-of: 3000-01-01"),
    ("2024-01-01", "2024-01-02", "now", "--as-of: give a date and time"),
])
def test_refusals_are_one_clear_line(
    export_dir: Path, first: str, last: str, as_of: str | None, needle: str | None
) -> None:
    extra = ["--as-of", as_of] if as_of else []
    code, stdout, stderr = run_main("history", "--first", first, "--last", last, *extra,
                                    *_files(export_dir))
    if needle is None:  # a period that is fine: a contrast to the refusals
        assert code == 0, stderr
        return
    assert code == 2, stderr
    assert stderr.splitlines()[-1].startswith("error: ")
    assert needle in stderr.splitlines()[-1]
    assert "Traceback" not in stderr
    assert stdout == ""


def test_missing_first_or_last_is_refused_by_the_parser(export_dir: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        run_main("history", "--first", "2024-01-01", *_files(export_dir))
    assert exited.value.code == 2


def test_an_unusable_database_is_one_clear_line(db_url: str, tmp_path: Path) -> None:
    url, what = _unreachable(db_url, tmp_path)
    code, stdout, stderr = run_main("history", "--first", "2024-01-01", "--last",
                                    "2024-01-02", "--url", url)
    _assert_one_clear_line(code, stdout, stderr, what)


def test_python_m_runs_history(export_dir: Path, export_inputs: Inputs) -> None:
    first, last = newest_dates(export_inputs, 3, 2)
    done = subprocess.run(
        [sys.executable, "-m", "storemon_core", "history", "--first", first, "--last", last,
         "--totals", "--data-dir", str(export_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == engine_history_csvs(export_inputs, first, last)[1]
