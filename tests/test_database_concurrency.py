"""Loads of one database at once, from separate processes: they take turns (a
server lock on MySQL, the write lock on SQLite) and each reports what it added."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from storemon_core.db import Database, DatabaseUnavailable
from storemon_core.db.engines import make_engine
from storemon_core.db.locks import LOCK_WAIT_ENV, lock_name
from storemon_core.frames import Inputs
from tests import builders
from tests.builders import engine_csv
from tests.databases import child_script, drop_everything, snapshot, start_child

LOADER = """
inputs = load_dir(Path(EXPORTS))
db = Database(URL)
Path(READY).touch()
while not Path(GO).exists():
    time.sleep(0.002)
stats = db.load(inputs, mode="append")
print(json.dumps({"added": stats.polls_added, "stores": stats.stores_added}), flush=True)
"""


def load_together(url: str, export_dir: Path, folder: Path, count: int = 2) -> list[dict[str, int]]:
    """Start `count` loads of `export_dir` at the same instant; what each reported."""
    children = []
    for n in range(count):
        setup = (f"import json\nURL = {url!r}\nEXPORTS = {str(export_dir)!r}\n"
                 f"READY = {str(folder / f'ready{n}')!r}\nGO = {str(folder / 'go')!r}")
        children.append(start_child(child_script(LOADER, setup)))
    deadline = time.monotonic() + 120
    while not all((folder / f"ready{n}").exists() for n in range(count)):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children)
        time.sleep(0.01)
    (folder / "go").touch()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def unique_polls(inputs: Inputs) -> int:
    return len(inputs.polls.drop_duplicates(["store_id", "timestamp_utc"]))


def test_two_loads_into_a_new_database_take_turns(
    db_url: str, export_dir: Path, export_inputs: Inputs, tmp_path: Path
) -> None:
    drop_everything(db_url)  # no tables: both starts create the schema at once
    reports = load_together(db_url, export_dir, tmp_path)
    every = unique_polls(export_inputs)
    assert sorted(r["added"] for r in reports) == [0, every]
    stores = len(set(export_inputs.polls["store_id"]) | set(export_inputs.business_hours[
        "store_id"]) | set(export_inputs.timezones["store_id"]))
    assert sorted(r["stores"] for r in reports) == [0, stores]
    db = Database(db_url)
    assert db.summary().polls == every and db.summary().loads == 2
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)
    db.dispose()


def test_two_appends_of_the_same_file_count_its_new_polls_and_stores_once(
    db: Database, export_dir: Path, export_inputs: Inputs, tmp_path: Path
) -> None:
    polls = export_inputs.polls
    ids = sorted(set(polls["store_id"]))
    early = polls[polls["store_id"].isin(ids[: len(ids) // 2])
                  & (polls["timestamp_utc"] < polls["timestamp_utc"].min() + pd.Timedelta(days=2))]
    db.load(Inputs(polls=early.reset_index(drop=True)))
    before = db.summary()
    reports = load_together(db.url, export_dir, tmp_path)
    new_polls = unique_polls(export_inputs) - before.polls
    assert sorted(r["added"] for r in reports) == [0, new_polls]
    assert min(r["stores"] for r in reports) == 0
    after = db.summary()
    assert after.polls == before.polls + new_polls
    assert after.loads == before.loads + 2
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)


@contextmanager
def turn_held_elsewhere(url: str) -> Iterator[None]:
    """Another session holding the database's turn, as a running load does."""
    if make_url(url).get_backend_name() == "sqlite":
        other = sqlite3.connect(str(make_url(url).database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT GET_LOCK(%s, 0)", (lock_name(url),)).scalar() == 1
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (lock_name(url),))
    finally:
        engine.dispose()


def test_a_load_not_given_its_turn_fails_clearly_and_changes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = Inputs(polls=builders.polls(("S1", "2024-01-01 10:00", "active")))
    monkeypatch.setenv(LOCK_WAIT_ENV, "1")
    phases: list[str] = []
    before = snapshot(db)
    with turn_held_elsewhere(db.url):
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="busy for 1 s") as refused:
            db.load(inputs, progress=lambda _f, phase: phases.append(phase))
        assert time.monotonic() - started < 30
    assert LOCK_WAIT_ENV in str(refused.value) and "storemon load" in str(refused.value)
    assert any("waiting for another load" in p for p in phases)
    assert snapshot(db) == before
    assert db.load(inputs).polls_added == 1
