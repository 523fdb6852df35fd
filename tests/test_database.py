"""The data layer on SQLite and MySQL: loads, reloads, appends, failures, reads."""

from __future__ import annotations

import os
import signal
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from storemon_core.db import Database, bulk
from storemon_core.db.schema import business_hours, polls, stores, timezones
from storemon_core.engine.uptime import uptime_report
from storemon_core.exports import load_exports
from storemon_core.frames import Inputs
from storemon_core.output.report_csv import report_csv
from tests.builders import engine_csv
from tests.databases import child_script, run_child, snapshot
from tests.real_data import REAL_2023, needs_real_data


def poll_count(db: Database) -> int:
    return db.summary().polls


def subset(inputs: Inputs, mask: pd.Series) -> Inputs:
    return Inputs(
        polls=inputs.polls[mask].reset_index(drop=True),
        business_hours=inputs.business_hours,
        timezones=inputs.timezones,
        rejected=inputs.rejected,
    )


# ----------------------------------------------------------------- equal to the CSV path


def test_report_from_database_equals_report_from_csv(db: Database, export_inputs: Inputs) -> None:
    db.load(export_inputs)
    from_db = db.read_inputs()
    assert engine_csv(from_db, extended=True) == engine_csv(export_inputs, extended=True)
    assert engine_csv(from_db) == engine_csv(export_inputs)
    # The service's categorical store ids hold the same strings and give the same report.
    categorical = db.read_inputs(categorical_ids=True)
    assert categorical.polls["store_id"].dtype == "category"
    assert (
        categorical.polls["store_id"].astype(object).tolist() == from_db.polls["store_id"].tolist()
    )
    assert engine_csv(categorical, extended=True) == engine_csv(export_inputs, extended=True)
    # The stale store has no poll in the week but is still reported, with its last status.
    report = uptime_report(from_db.polls, from_db.business_hours, from_db.timezones)
    stale = report.loc[report["store_id"] == "stale-store-1"].iloc[0]
    assert stale["uptime_last_week"] == 0 and stale["downtime_last_week"] == 0
    assert stale["last_status"] == "inactive"  # its newest poll, 8 days back


@pytest.mark.parametrize("days_back", [0.5, 3, 8.5])
def test_report_at_an_earlier_as_of_equals_csv(
    db: Database, export_inputs: Inputs, days_back: float
) -> None:
    db.load(export_inputs)
    newest = export_inputs.polls["timestamp_utc"].max()
    as_of = newest - pd.Timedelta(days=days_back)
    from_db = db.read_inputs(as_of)
    assert from_db.polls["timestamp_utc"].max() <= as_of
    expected = engine_csv(export_inputs, as_of, extended=True)
    assert engine_csv(from_db, as_of, extended=True) == expected


@needs_real_data
def test_real_2023_exports_load_and_report_like_the_csv(db: Database) -> None:
    inputs = load_exports(
        REAL_2023 / "store_status_head.csv",
        REAL_2023 / "menu_hours.csv",
        REAL_2023 / "timezones.csv",
    )
    stats = db.load(inputs)
    assert stats.polls_added == len(inputs.polls.drop_duplicates(["store_id", "timestamp_utc"]))
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(inputs, extended=True)


def test_a_load_committing_during_a_read_is_read_again(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = export_inputs.polls["timestamp_utc"]
    as_of = times.max()
    db.load(subset(export_inputs, times <= as_of - pd.Timedelta(days=1)))
    read_once = Database._read_between
    reads: list[int] = []

    def read_while_a_load_commits(self: Database, start_us: int, end_us: int,
                                  categorical: bool) -> Inputs:
        inputs = read_once(self, start_us, end_us, categorical)
        if not reads:
            db.load(export_inputs)  # the last day's polls arrive between the queries
        reads.append(end_us)
        return inputs

    monkeypatch.setattr(Database, "_read_between", read_while_a_load_commits)
    got = db.read_inputs(as_of)
    assert len(reads) == 2
    assert engine_csv(got, as_of, extended=True) == engine_csv(export_inputs, as_of, extended=True)


def test_frames_have_the_loader_dtypes(db: Database, export_inputs: Inputs) -> None:
    db.load(export_inputs)
    got = db.read_inputs()
    for name in ("polls", "business_hours", "timezones"):
        mine, theirs = getattr(got, name), getattr(export_inputs, name)
        assert list(mine.columns) == list(theirs.columns)
        assert mine.dtypes.to_dict() == theirs.dtypes.to_dict()


def test_store_inputs_give_the_fleet_row(db: Database, export_inputs: Inputs) -> None:
    db.load(export_inputs)
    full = uptime_report(export_inputs.polls, export_inputs.business_hours, export_inputs.timezones)
    for store_id in [full["store_id"].iloc[0], full["store_id"].iloc[-1], "stale-store-1"]:
        one = db.store_inputs(store_id)
        assert set(one.polls["store_id"]) == {store_id}
        row = uptime_report(one.polls, one.business_hours, one.timezones, as_of=full.attrs["as_of"])
        expected = full.loc[full["store_id"] == store_id]
        assert report_csv(row, extended=True) == report_csv(expected, extended=True)
    assert len(db.store_inputs("no-such-store").polls) == 0


# ----------------------------------------------------------------- reload, append, replace


def test_reload_is_a_no_op(db: Database, export_inputs: Inputs) -> None:
    first = db.load(export_inputs)
    before = snapshot(db)
    second = db.load(export_inputs)
    after = snapshot(db)
    assert first.polls_added > 0
    assert second.polls_added == 0 and second.stores_added == 0
    # Only the load log grows; polls, stores, hours and zones are identical.
    for name in ("polls", "stores", "timezones"):
        assert after[name] == before[name]
    hours = [r[1:] for r in after["business_hours"]]
    assert sorted(hours) == sorted(r[1:] for r in before["business_hours"])


def test_append_adds_only_new_polls(db: Database, export_inputs: Inputs) -> None:
    times = export_inputs.polls["timestamp_utc"]
    cut = times.min() + (times.max() - times.min()) / 2
    db.load(subset(export_inputs, times <= cut))
    old_count = poll_count(db)
    stats = db.load(export_inputs, mode="append")
    unique = export_inputs.polls.drop_duplicates(["store_id", "timestamp_utc"])
    assert stats.polls_added == int((unique["timestamp_utc"] > cut).sum())
    assert poll_count(db) == old_count + stats.polls_added == len(unique)
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)


def test_same_instant_active_and_inactive_is_inactive_across_loads(db: Database) -> None:
    def poll(status: str) -> Inputs:
        return load_exports(
            f"store_id,status,timestamp_utc\nS1,{status},2024-01-01 10:00:00\n".encode()
        )

    db.load(poll("active"))
    db.load(poll("inactive"))
    db.load(poll("active"))
    got = db.read_inputs()
    assert len(got.polls) == 1 and not bool(got.polls["active"].iloc[0])


def test_newer_hours_and_zones_replace_a_store_as_a_whole(db: Database) -> None:
    first = load_exports(
        None,
        b"store_id,dayOfWeek,start_time_local,end_time_local\n"
        b"A,0,09:00,12:00\nA,0,13:00,17:00\nB,1,08:00,20:00\n",
        b"store_id,timezone_str\nA,America/New_York\nB,Asia/Beirut\n",
    )
    second = load_exports(
        None,
        b"store_id,dayOfWeek,start_time_local,end_time_local\nA,2,10:00,11:00\n",
        b"store_id,timezone_str\nA,Pacific/Honolulu\n",
    )
    db.load(first)
    db.load(second)
    got = db.read_inputs(pd.Timestamp("2024-01-01", tz="UTC"))
    hours = got.business_hours.sort_values(["store_id", "day_of_week"]).reset_index(drop=True)
    assert hours["store_id"].tolist() == ["A", "B"]
    assert hours["day_of_week"].tolist() == [2, 1]
    assert hours["start_time_local"].tolist() == [pd.Timedelta(hours=10), pd.Timedelta(hours=8)]
    zones = dict(zip(got.timezones["store_id"], got.timezones["timezone_str"], strict=True))
    assert zones == {"A": "Pacific/Honolulu", "B": "Asia/Beirut"}


def test_store_ids_are_case_sensitive(db: Database) -> None:
    db.load(
        load_exports(
            b"store_id,status,timestamp_utc\n"
            b"abc,active,2024-01-01 10:00:00\n"
            b"ABC,inactive,2024-01-01 10:00:00\n"
        )
    )
    got = db.read_inputs().polls.sort_values("store_id")
    assert got["store_id"].tolist() == ["ABC", "abc"]
    assert got["active"].tolist() == [False, True]


# ----------------------------------------------------------------- failures leave no trace


def test_load_failing_midway_leaves_database_unchanged(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = export_inputs.polls["timestamp_utc"]
    cut = times.min() + (times.max() - times.min()) / 2
    db.load(subset(export_inputs, times <= cut))
    before = snapshot(db)
    version = db.data_version()

    # Small batches, and a failure after some of them were written.
    monkeypatch.setattr(bulk, "BATCH_ROWS", 500)
    monkeypatch.setattr(bulk, "INFILE_ROWS", 500)
    calls: list[str] = []

    def explode(fraction: float, phase: str) -> None:
        calls.append(phase)
        if sum(p.startswith("polls") for p in calls) == 3:
            raise ConnectionError("connection lost")

    with pytest.raises(ConnectionError):
        db.load(export_inputs, progress=explode)
    assert snapshot(db) == before
    assert db.data_version() == version
    # And the database still takes the load afterwards.
    db.load(export_inputs)
    assert poll_count(db) == len(export_inputs.polls.drop_duplicates(["store_id", "timestamp_utc"]))


def bulk_path_expected(db: Database) -> bool:
    if db.is_sqlite:
        return False
    with db.read() as conn:
        return bulk.sorted_bulk_load(conn)


def test_first_load_failing_after_the_bulk_write_leaves_database_empty(
    db: Database, export_inputs: Inputs
) -> None:
    # Into empty tables MariaDB takes the polls in one sorted bulk statement; the
    # failure comes after it, before the commit.
    empty = snapshot(db)
    phases: list[str] = []

    def explode(fraction: float, phase: str) -> None:
        phases.append(phase)
        if phase == "business hours":
            raise ConnectionError("connection lost")

    with pytest.raises(ConnectionError):
        db.load(export_inputs, progress=explode)
    assert any("one bulk statement" in p for p in phases) == bulk_path_expected(db)
    assert snapshot(db) == empty
    db.load(export_inputs)
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)


def test_load_with_plain_inserts_on_mysql_too(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Servers without LOAD DATA LOCAL get multi-row INSERTs: same result.
    monkeypatch.setenv(bulk.INFILE_ENV, "0")
    db.load(export_inputs)
    db.load(export_inputs)
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)


def kill_loader(
    db: Database, export_dir: Path, when: str, setup: str = "pass",
    env: dict[str, str] | None = None,
) -> None:
    """Load `export_dir` in a child process that SIGKILLs itself as soon as `when`
    (an expression of `phase` and `seen`, the phases so far) holds; `setup` may
    call die() itself."""
    body = f"""
        seen = []
        def die(fraction=1.0, phase=""):
            seen.append(phase)
            if {when}:
                print("killing", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        Database({db.url!r}).load(load_dir(Path({str(export_dir)!r})), progress=die)
        """
    done = run_child(child_script(body, setup), env=env)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "killing" in done.stdout


def test_killed_loader_process_leaves_database_unchanged(
    db: Database, export_dir: Path, export_inputs: Inputs
) -> None:
    times = export_inputs.polls["timestamp_utc"]
    db.load(subset(export_inputs, times <= times.min() + pd.Timedelta(days=2)))
    before = snapshot(db)
    # Small batches, killed after some of them were written.
    kill_loader(db, export_dir, "len(seen) == 4", "bulk.BATCH_ROWS = bulk.INFILE_ROWS = 500")
    assert snapshot(db) == before


def test_loader_killed_after_a_first_bulk_write_leaves_database_empty(
    db: Database, export_dir: Path
) -> None:
    empty = snapshot(db)
    # By "business hours" the polls are written, not yet committed.
    kill_loader(db, export_dir, 'phase == "business hours"')
    assert snapshot(db) == empty


def test_loader_killed_during_a_bulk_write_leaves_no_file_behind(
    db: Database, export_dir: Path, tmp_path: Path
) -> None:
    # MySQL's LOAD DATA LOCAL reads a file this process writes: killed while the
    # server reads it, nothing of it may stay in the temporary folder.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    empty = snapshot(db)
    during_bulk_write = """
        raw_execute = bulk._raw_execute
        def killed_in_load_data(conn, sql, params=None):
            if sql.startswith("LOAD DATA"):
                die(phase="LOAD DATA")
            raw_execute(conn, sql, params)
        bulk._raw_execute = killed_in_load_data
        """
    kill_loader(db, export_dir, 'phase in ("LOAD DATA", "business hours")',
                textwrap.dedent(during_bulk_write), env={**os.environ, "TMPDIR": str(temporary)})
    assert list(temporary.iterdir()) == []
    assert snapshot(db) == empty


# ----------------------------------------------------------------- rejected rows and lookups


def test_rejected_rows_are_kept_with_file_line_and_reason(db: Database) -> None:
    inputs = load_exports(
        b"store_id,status,timestamp_utc\n"
        b"S1,active,2024-01-01 10:00:00 UTC\n"
        b"S1,sleeping,2024-01-01 11:00:00 UTC\n"
        b"=cmd(),active,2024-01-01 11:00:00 UTC\n"
        b"S2,inactive,2024-01-01 11:30:00 UTC\n",
        b"store_id,dayOfWeek,start_time_local,end_time_local\nS1,9,09:00,17:00\n",
    )
    assert len(inputs.rejected) == 3
    stats = db.load(inputs, files="store_status.csv, menu_hours.csv")
    assert stats.rejected == 3
    rejected = db.rejected_rows()
    assert len(rejected) == 3
    assert set(rejected["load_id"]) == {stats.load_id}
    assert sorted(zip(rejected["file"], rejected["line"], strict=True)) == sorted(
        zip(inputs.rejected["file"], inputs.rejected["line"], strict=True)
    )
    assert rejected["reason"].str.len().min() > 0
    assert any("sleeping" in r for r in rejected["row"])
    # The good rows around them are kept.
    assert sorted(db.read_inputs().polls["store_id"]) == ["S1", "S2"]


def test_lookups(db: Database, export_inputs: Inputs) -> None:
    assert db.newest_poll() is None and not db.has_polls()
    empty_version = db.data_version()
    db.load(export_inputs)
    assert db.data_version() != empty_version
    assert db.newest_poll() == export_inputs.polls["timestamp_utc"].max()
    summary = db.summary()
    unique = export_inputs.polls.drop_duplicates(["store_id", "timestamp_utc"])
    assert summary.polls == len(unique)
    assert summary.stores == export_inputs.polls["store_id"].nunique()
    assert summary.loads == 1
    assert summary.database == db.label
    password = make_url(db.url).password
    assert not password or str(password) not in summary.database
    polled = set(export_inputs.polls["store_id"].astype(str))
    assert summary.stores_without_hours == len(
        polled - set(export_inputs.business_hours["store_id"].astype(str)))
    assert summary.stores_without_zone == len(
        polled - set(export_inputs.timezones["store_id"].astype(str))) > 0
    some = str(export_inputs.polls["store_id"].iloc[0])
    found = db.search_store_ids(some[2:8].upper())
    assert some in found and found == sorted(found)
    assert db.search_store_ids("%") == []
    assert db.search_store_ids("stale") == ["stale-store-1"]


def test_schema_uses_keyed_polls(db: Database) -> None:
    # Keyed polls and integer store keys are what make reloads idempotent and reads narrow.
    assert [c.name for c in polls.primary_key.columns] == ["store_key", "ts"]
    assert any(ix.name == "ix_polls_ts" for ix in polls.indexes)
    assert stores.c.store_id.unique
    assert business_hours.c.store_key.index and timezones.c.store_key.primary_key
