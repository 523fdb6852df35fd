"""The database layer under hostile input and faults: rows too long for a column,
a server that cannot be reached, a disk that fills during a load."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from storemon_core.config import describe
from storemon_core.db import (
    Database,
    DatabaseUnavailable,
    create_database_if_missing,
    is_mysql_url,
    open_database,
)
from storemon_core.frames import Inputs
from tests.builders import engine_csv, polls
from tests.databases import child_script, run_child, snapshot

ONE_POLL = Inputs(polls=polls(("S1", "2024-01-01 10:00", "active")))


def with_rejected(inputs: Inputs, rows: list[dict[str, object]]) -> Inputs:
    more = pd.DataFrame({
        name: pd.Series([r[name] for r in rows], dtype="int64" if name == "line" else object)
        for name in inputs.rejected.columns
    })
    rejected = pd.concat([inputs.rejected, more], ignore_index=True)
    return Inputs(inputs.polls, inputs.business_hours, inputs.timezones, rejected)


# ----------------------------------------------------------------- rows too long to keep


def test_a_huge_rejected_row_is_kept_bounded_and_the_load_goes_through(db: Database) -> None:
    huge = "S9,active," + "x" * 70_000  # over MySQL's 65,535-byte TEXT
    wide = "S8," + "\U0001f600" * 20_000  # 80,000 bytes in UTF-8 from 20,003 characters
    inputs = with_rejected(ONE_POLL, [
        {"file": "store_status.csv", "line": 3, "reason": "bad status " + "y" * 70_000,
         "row": huge},
        {"file": "a" * 300 + "/store_status.csv", "line": 4, "reason": "bad", "row": wide},
        {"file": "store_status.csv", "line": 5, "reason": "bad", "row": "S7,\udcff,lone"},
    ])
    stats = db.load(inputs, files="store_status.csv " + "z" * 70_000)
    assert stats.polls_added == 1 and stats.rejected == 3
    assert len(db.read_inputs().polls) == 1
    kept = db.rejected_rows().sort_values("line").reset_index(drop=True)
    assert kept["line"].tolist() == [3, 4, 5]
    first, second, third = (kept.iloc[i] for i in range(3))
    # The start of each row and its full length, within what every column holds.
    assert first["row"].startswith(huge[:1000]) and "70,010 characters" in first["row"]
    assert second["row"].startswith(wide[:1000]) and "20,003 characters" in second["row"]
    for text in kept["row"].tolist() + kept["reason"].tolist():
        assert len(text.encode("utf-8")) < 65_535
    assert first["reason"].startswith("bad status yyy")
    assert second["file"].endswith("/store_status.csv") and len(second["file"]) <= 255
    assert third["row"].startswith("S7,") and third["row"].endswith(",lone")


# ----------------------------------------------------------------- a database out of reach


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(params=["refused", "denied"])
def unusable_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> str:
    """A URL like the suite's database that cannot be used: nothing listens at its
    port or its password is wrong (MySQL); its file is a folder, or its folder a
    file (SQLite)."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        if request.param == "refused":
            return f"sqlite:///{tmp_path}"
        (tmp_path / "plain-file").write_text("")
        return f"sqlite:///{tmp_path / 'plain-file' / 'storemon.db'}"
    if request.param == "refused":
        return parsed.set(port=free_port()).render_as_string(hide_password=False)
    return parsed.set(password="not-the-password").render_as_string(hide_password=False)


def failure_of(action: Callable[[], object]) -> DatabaseUnavailable:
    with pytest.raises(DatabaseUnavailable) as failed:
        action()
    return failed.value


def test_a_database_out_of_reach_is_said_so_for_every_operation(unusable_url: str) -> None:
    inputs = ONE_POLL
    failures: list[DatabaseUnavailable] = []
    try:
        db = Database(unusable_url)
    except DatabaseUnavailable as exc:  # an SQLite folder that cannot be made
        failures.append(exc)
    else:
        operations: list[Callable[[], object]] = [
            db.create_schema, db.upgrade_schema, lambda: db.load(inputs), db.read_inputs,
            db.summary, db.has_polls, db.newest_poll, db.rejected_rows, db.data_version,
            lambda: db.store_inputs("S1"), lambda: db.search_store_ids("S"), db.clear,
        ]
        failures += [failure_of(action) for action in operations]
        db.dispose()
    failures.append(failure_of(lambda: open_database(unusable_url)))
    if is_mysql_url(unusable_url):
        failures.append(failure_of(lambda: create_database_if_missing(unusable_url)))
    password = make_url(unusable_url).password
    for failure in failures:
        text = str(failure)
        assert failure.database == describe(unusable_url) and text.startswith(failure.database)
        assert failure.what != "the database could not be used", text  # a specific hint
        assert failure.__cause__ is not None  # the driver's error, for the log
        assert not password or str(password) not in text
        assert "Traceback" not in text and "[SQL:" not in text


# ----------------------------------------------------------------- a disk that fills


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder on a 2 MiB file system, and the child's preamble that runs there.

    A tmpfs where mounting is allowed (root); elsewhere the closest real
    substitute, a 2 MiB limit on the size of every file the loader writes
    (RLIMIT_FSIZE), which SQLite meets as the same failed write."""
    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(folder)],
            capture_output=True,
        ).returncode == 0
    except OSError:  # no mount command
        mounted = False
    limit = "pass" if mounted else (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({DISK_BYTES}, {DISK_BYTES}))"
    )
    try:
        yield folder, limit
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


DISK_BYTES = 2 * 1024 * 1024
FILLING_LOAD = """
import numpy as np, pandas as pd
from storemon_core.db import DatabaseUnavailable
from storemon_core.frames import Inputs
count = 200_000  # about 8 MB in SQLite
keys = np.arange(count) % 2_000
polls = pd.DataFrame({
    "store_id": pd.Series([f"D{k}" for k in keys], dtype=object),
    "timestamp_utc": pd.Series(pd.DatetimeIndex(
        (1_704_067_200_000_000 + np.arange(count) * 60_000_000).view("datetime64[us]"),
        tz="UTC")),
    "active": np.ones(count, dtype=bool),
})
try:
    Database(URL).load(Inputs(polls=polls))
except DatabaseUnavailable as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
"""


def test_a_disk_that_fills_during_a_load_leaves_the_database_as_it_was(
    small_disk: tuple[Path, str], export_inputs: Inputs
) -> None:
    folder, limit = small_disk
    url = f"sqlite:///{folder / 'storemon.db'}"
    db = Database(url)
    db.load(export_inputs)
    before, report = snapshot(db), engine_csv(db.read_inputs(), extended=True)
    summary = db.summary()
    db.dispose()

    failed = run_child(child_script(FILLING_LOAD, f"{limit}\nURL = {url!r}"))
    assert failed.returncode == 1, failed.stderr
    message = failed.stderr.strip()
    assert message.startswith(describe(url)) and "nothing of the failed write was kept" in message
    assert "Traceback" not in message

    again = Database(url)
    assert snapshot(again) == before
    assert again.summary() == summary
    assert engine_csv(again.read_inputs(), extended=True) == report
    again.dispose()
