"""`storemon report` (and `python -m storemon_core`): SPEC.md's example end to end, the
command line's shape, and clean one-line failures."""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from storemon_core.cli import COMMANDS, build_parser, command_parser, main
from storemon_core.db import Database
from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS
from storemon_core.exports import load_exports

ROOT = Path(__file__).resolve().parent.parent
ZONE = "America/New_York"
# SPEC.md's example on a Monday in winter: open 09:00-12:00, polls 10:14 active and 11:15
# inactive local time, now = 11:15 local.
MONDAY = datetime(2023, 1, 23)
OPEN, CLOSE = MONDAY.replace(hour=9), MONDAY.replace(hour=12)
POLL_UP, POLL_DOWN = MONDAY.replace(hour=10, minute=14), MONDAY.replace(hour=11, minute=15)
NOW = POLL_DOWN


def _utc(local: datetime) -> str:
    stamp = local.replace(tzinfo=ZoneInfo(ZONE)).astimezone(ZoneInfo("UTC"))
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _write_example(folder: Path, extra_status_rows: str = "") -> tuple[Path, Path, Path]:
    status = folder / "store_status.csv"
    hours = folder / "menu_hours.csv"
    zones = folder / "timezones.csv"
    status.write_text(
        "store_id,status,timestamp_utc\n"
        f"0042,active,{_utc(POLL_UP)}\n"
        f"0042,inactive,{_utc(POLL_DOWN)}\n" + extra_status_rows
    )
    hours.write_text("store_id,dayOfWeek,start_time_local,end_time_local\n0042,0,09:00,12:00\n")
    zones.write_text(f"store_id,timezone_str\n0042,{ZONE}\n")
    return status, hours, zones


def _expected() -> dict[str, float]:
    """The numbers straight from SPEC.md's rule: each poll speaks for the time up to the
    midpoint with its neighbour; the first reaches back to the week window's edge."""
    midpoint = POLL_UP + (POLL_DOWN - POLL_UP) / 2
    hour, minute = timedelta(hours=1), timedelta(minutes=1)

    def business(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        spans = []
        day = start.replace(hour=0, minute=0)
        while day <= end:
            if day.weekday() == 0:
                lo, hi = max(start, day.replace(hour=9)), min(end, day.replace(hour=12))
                if lo < hi:
                    spans.append((lo, hi))
            day += timedelta(days=1)
        return spans

    def up_down(length: timedelta) -> tuple[timedelta, timedelta]:
        up = down = timedelta()
        for lo, hi in business(NOW - length, NOW):
            up += max(timedelta(), min(hi, midpoint) - lo)
            down += max(timedelta(), hi - max(lo, midpoint))
        return up, down

    result: dict[str, float] = {}
    for name, length, unit in [
        ("hour", hour, minute),
        ("day", 24 * hour, hour),
        ("week", 7 * 24 * hour, hour),
    ]:
        up, down = up_down(length)
        result[f"uptime_last_{name}"] = up / unit
        result[f"downtime_last_{name}"] = down / unit
    return result


def run_main(*args: str) -> tuple[int, str, str]:
    """The command in this process (quicker than a subprocess; same code path)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storemon_core", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_expected_numbers_are_the_ones_spec_states() -> None:
    # Guards the hand computation itself against SPEC.md's own figures.
    expected = _expected()
    assert round(expected["uptime_last_hour"], 2) == 29.5
    assert round(expected["downtime_last_hour"], 2) == 30.5
    assert round(expected["uptime_last_day"], 2) == 1.74
    assert round(expected["downtime_last_day"], 2) == 0.51


def test_report_of_spec_example(tmp_path: Path) -> None:
    status, hours, zones = _write_example(tmp_path)
    out = tmp_path / "report.csv"
    done = run_cli(
        "report",
        "--status", str(status),
        "--hours", str(hours),
        "--timezones", str(zones),
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "reading" in done.stderr and "writing" in done.stderr  # progress phases
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(REPORT_COLUMNS)
    report = pd.read_csv(out, dtype={"store_id": str})
    assert report["store_id"].tolist() == ["0042"]  # an id, not a number
    row = report.iloc[0]
    for column, value in _expected().items():
        assert row[column] == pytest.approx(value, abs=0.006), column


def test_as_of_is_read_as_utc_and_stdout_output(tmp_path: Path) -> None:
    status, hours, zones = _write_example(tmp_path)
    # An hour after the last poll: the last hour then holds 11:15-12:00 local only.
    later = (NOW + timedelta(hours=1)).replace(tzinfo=ZoneInfo(ZONE)).astimezone(ZoneInfo("UTC"))
    done = run_cli(
        "report",
        "--status", str(status),
        "--hours", str(hours),
        "--timezones", str(zones),
        "--as-of", later.strftime("%Y-%m-%d %H:%M:%S"),
        "--extended",
        "--out", "-",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = pd.read_csv(io.StringIO(done.stdout), dtype={"store_id": str})
    assert list(report.columns) == EXTENDED_COLUMNS
    row = report.iloc[0]
    # From 12:15 back to 11:15 the store is open 11:15-12:00, all of it nearest the
    # inactive 11:15 poll.
    assert row["uptime_last_hour"] == pytest.approx(0.0)
    assert row["downtime_last_hour"] == pytest.approx(45.0)
    assert row["business_hours_last_hour"] == pytest.approx(45.0)


def test_rejected_rows_are_summarised_and_the_rest_reported(tmp_path: Path) -> None:
    status, hours, zones = _write_example(
        tmp_path, "bad id!,active,2023-01-23 15:00:00 UTC\n0042,active\n0042,up,2023-01-23\n"
    )
    code, stdout, stderr = run_main(
        "report", "--status", str(status), "--hours", str(hours), "--timezones", str(zones)
    )
    assert code == 0, stderr
    assert "store_status.csv: 3 of 5 rows rejected" in stderr
    assert "line 4: bad store_id" in stderr
    assert "line 5: expected 3 fields but found 2" in stderr
    assert "line 6: unknown status" in stderr
    report = pd.read_csv(io.StringIO(stdout), dtype={"store_id": str})
    assert report["store_id"].tolist() == ["0042"]
    assert report.iloc[0]["uptime_last_hour"] == pytest.approx(
        _expected()["uptime_last_hour"], abs=0.006
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "store_status.csv is empty"),
        ("\r\n\r\n", "store_status.csv is empty"),
        ("id,state,when\n1,active,2023-01-23 15:00:00\n", "found: id, state, when"),
    ],
)
def test_unreadable_file_gives_a_clean_error(tmp_path: Path, content: str, needle: str) -> None:
    status = tmp_path / "store_status.csv"
    status.write_text(content)
    out = tmp_path / "report.csv"
    done = run_cli("report", "--status", str(status), "--out", str(out))
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_missing_file_and_no_polls_give_clean_errors(tmp_path: Path) -> None:
    code, _, stderr = run_main("report", "--status", str(tmp_path / "nope.csv"))
    assert code == 2 and "nope.csv" in stderr
    _, hours, _ = _write_example(tmp_path)
    code, _, stderr = run_main("report", "--hours", str(hours))
    assert code == 2 and "no usable polls" in stderr


def test_bad_as_of_is_a_clean_error(tmp_path: Path) -> None:
    status, _, _ = _write_example(tmp_path)
    code, stdout, stderr = run_main("report", "--status", str(status), "--as-of", "next tuesday")
    assert code == 2
    assert "--as-of" in stderr
    assert stdout == ""


def test_without_files_the_database_is_reported(tmp_path: Path) -> None:
    status, hours, zones = _write_example(tmp_path)
    url = f"sqlite:///{tmp_path / 'storemon.db'}"
    db = Database(url)
    db.create_schema()
    db.load(load_exports(status, hours, zones))
    db.dispose()
    from_db = run_cli("report", "--out", "-", env={"DATABASE_URL": url})
    assert from_db.returncode == 0, from_db.stderr
    assert f"reading database {url}" in from_db.stderr
    code, from_csv, _ = run_main(
        "report", "--status", str(status), "--hours", str(hours), "--timezones", str(zones)
    )
    assert code == 0
    assert from_db.stdout == from_csv
    report = pd.read_csv(io.StringIO(from_db.stdout), dtype={"store_id": str})
    assert report.iloc[0]["downtime_last_day"] == pytest.approx(
        _expected()["downtime_last_day"], abs=0.006
    )


@pytest.mark.parametrize(
    ("as_of", "needle"),
    [
        ("1600-01-05", "outside 1970-01-01"),
        ("2262-05-01", "outside 1970-01-01"),
        ("now", "not 'now'"),
        ("today", "not 'today'"),
    ],
)
def test_as_of_out_of_range_or_relative_is_a_clear_error(
    tmp_path: Path, as_of: str, needle: str
) -> None:
    status, hours, zones = _write_example(tmp_path)
    code, stdout, stderr = run_main(
        "report", "--status", str(status), "--hours", str(hours), "--timezones", str(zones),
        "--as-of", as_of,
    )  # fmt: skip
    assert code == 2
    assert stderr.splitlines()[-1].startswith("error: --as-of: ")
    assert needle in stderr
    assert "Traceback" not in stderr and "Overflow" not in stderr
    assert stdout == ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _unreachable(db_url: str, tmp_path: Path) -> tuple[str, str]:
    """A URL of the same kind as `db_url` that cannot be used, and what the error says."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        # A folder where the database file should be.
        return f"sqlite:///{tmp_path}", "cannot be opened"
    return (
        parsed.set(password="not-the-password").render_as_string(hide_password=False),
        "refused the user name or password",
    )


def _assert_one_clear_line(code: int, stdout: str, stderr: str, what: str) -> None:
    assert code == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert what in errors[0] and "Check " in errors[0]
    assert "not-the-password" not in stderr + stdout


def test_report_from_an_unusable_database_is_one_clear_line(db_url: str, tmp_path: Path) -> None:
    url, what = _unreachable(db_url, tmp_path)
    code, stdout, stderr = run_main("report", "--url", url)
    _assert_one_clear_line(code, stdout, stderr, what)
    assert ("SQLite file" if url.startswith("sqlite") else "MySQL") in stderr


def test_load_into_an_unusable_database_is_one_clear_line(
    db_url: str, tmp_path: Path
) -> None:
    url, what = _unreachable(db_url, tmp_path)
    status, _, _ = _write_example(tmp_path)
    _assert_one_clear_line(*run_main("load", "--url", url, "--status", str(status)), what)


def test_a_closed_port_is_one_clear_line_without_traceback() -> None:
    url = f"mysql+pymysql://storemon:secret@127.0.0.1:{_free_port()}/storemon"
    done = run_cli("report", env={"DATABASE_URL": url})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: MySQL {make_url(url).render_as_string(hide_password=True)}: no server "
        "answered. Check that the server is running and DATABASE_URL's host and port."
    )


def test_a_url_that_is_no_url_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "localhost:3306")
    code, _, stderr = run_main("report")
    assert code == 2
    assert stderr.splitlines()[-1].startswith("error: not a usable database URL")


def _flags(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    return {
        action.option_strings[-1]: action.help
        for action in parser._actions
        if action.option_strings and action.option_strings[-1] != "--help"
    }


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def test_every_subcommand_and_flag_has_a_help_text() -> None:
    subcommands = _subparsers(build_parser())
    assert list(subcommands) == [c.name for c in COMMANDS]
    assert {"report", "load", "sample"} <= set(subcommands)
    for name, parser in subcommands.items():
        assert parser.description, name
        for flag, text in _flags(parser).items():
            assert text and len(text) > 10, f"storemon {name} {flag}"


def test_help_runs_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    top = run_cli("--help")
    assert top.returncode == 0 and top.stdout.startswith("usage: python -m storemon_core")
    for command in COMMANDS:
        assert command.name in top.stdout
        with pytest.raises(SystemExit) as exited:
            main([command.name, "--help"])
        assert exited.value.code == 0
        shown = capsys.readouterr().out
        for flag in _flags(_subparsers(build_parser())[command.name]):
            assert flag in shown


@pytest.mark.parametrize(("script", "command"), [("dbcreate.py", "load"),
                                                 ("make_sample_data.py", "sample")])
def test_scripts_take_the_subcommands_flags(script: str, command: str) -> None:
    # The scripts are the subcommand under another name: the same flags, one definition.
    assert _flags(command_parser(command, script)) == _flags(
        _subparsers(build_parser())[command]
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--help"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # as the installed package would be
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {script}")
    source = (ROOT / "scripts" / script).read_text()
    assert "sys.path" not in source and "add_argument" not in source


def test_a_bad_flag_value_is_refused_before_any_work(tmp_path: Path) -> None:
    code, _, stderr = run_main("report", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2 and "--data-dir" in stderr and "no such folder" in stderr
    code, _, stderr = run_main("load", "--hours", str(tmp_path / "nope.csv"))
    assert code == 2 and "--hours" in stderr and "no such file" in stderr
    with pytest.raises(SystemExit) as exited:
        main(["sample", "--days", "0"], io.StringIO(), io.StringIO())
    assert exited.value.code == 2


def test_report_reads_a_data_dir(tmp_path: Path) -> None:
    _write_example(tmp_path)
    code, from_dir, stderr = run_main("report", "--data-dir", str(tmp_path))
    assert code == 0, stderr
    report = pd.read_csv(io.StringIO(from_dir), dtype={"store_id": str})
    assert report.iloc[0]["uptime_last_hour"] == pytest.approx(
        _expected()["uptime_last_hour"], abs=0.006
    )
