"""A period's history read from the database equals the engine's on the CSV exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storemon_core.db import Database, day_totals, engine_days, poll_arrays
from storemon_core.db.history import read_history, read_store_history
from storemon_core.db.poll_arrays import PollArrays, cut_to, store_slices
from storemon_core.engine.history import history
from storemon_core.engine.period import PeriodError
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import daily_csv, period_csv


def _csvs(result: object) -> tuple[str, str]:
    return daily_csv(result.daily), period_csv(result.totals)  # type: ignore[attr-defined]


@pytest.mark.parametrize("days_back, length, as_of_back_hours", [
    (8, 9, 0),  # every date with polls, and the stale store's before them
    (4, 2, 0),  # a period in the middle
    (1, 2, 30),  # as_of inside the period
])
def test_history_from_database_equals_engine(
    db: Database, export_inputs: Inputs, days_back: int, length: int, as_of_back_hours: int
) -> None:
    db.load(export_inputs)
    newest = export_inputs.polls["timestamp_utc"].max()
    as_of = newest - pd.Timedelta(hours=as_of_back_hours)
    first = (newest - pd.Timedelta(days=days_back)).date()
    last = first + pd.Timedelta(days=length - 1)
    expected = history(export_inputs.polls, export_inputs.business_hours,
                       export_inputs.timezones, first, last, as_of)
    got = read_history(db, first, last, as_of if as_of_back_hours else None)
    assert len(expected.totals) > 0
    assert _csvs(got) == _csvs(expected)


def test_store_slices_hold_whole_stores() -> None:
    keys = np.repeat(np.arange(50), 200)
    found = PollArrays(keys, np.tile(np.arange(200), 50), np.ones(len(keys), dtype=bool))
    slices = store_slices(found, np.full(50, 9), work=1_000)
    assert slices[0].start == 0 and slices[-1].stop == len(keys)
    assert all(a.stop == b.start for a, b in zip(slices, slices[1:], strict=False))
    # Cut only between stores, each slice about the work asked for (5 stores here).
    assert all(s.start % 200 == 0 and 800 <= s.stop - s.start <= 1_200 for s in slices[:-1])
    assert store_slices(found, np.full(50, 9)) == [slice(0, len(keys))]


def test_a_cut_keeps_every_range_of_a_store() -> None:
    """A period's edges are two ranges of one store: both are kept."""
    found = PollArrays(np.array([1, 1, 1, 1, 2, 2]), np.array([0, 5, 10, 15, 0, 10]),
                       np.ones(6, dtype=bool))
    cut = cut_to(found, np.array([1, 2, 1]), np.array([0, 8, 14]), np.array([5, 12, 20]))
    assert list(zip(cut.store_key.tolist(), cut.ts.tolist(), strict=True)) == [
        (1, 0), (1, 5), (1, 15), (2, 10)]


def test_key_listed_reads_hold_each_range_and_little_more(db: Database) -> None:
    """Ranges read by key lists: each store gets the polls of its own ranges, those
    read whole (to the last instant there is) included, and a query of short ranges
    is not stretched to a long one's end."""
    day = 86_400_000_000
    keys = np.arange(1, 61)
    polls = pd.DataFrame({
        "store_id": pd.Categorical(np.repeat([f"s{k:02d}" for k in keys], 40)),
        "timestamp_utc": pd.to_datetime(
            np.tile(np.arange(40) * day // 2, len(keys)) + 1_704_067_200_000_000, unit="us",
            utc=True),
        "active": np.ones(40 * len(keys), dtype=bool)})
    db.load(Inputs(polls=polls))
    with db.read() as conn:
        found = conn.exec_driver_sql("SELECT id, store_id FROM stores").all()
        key_of = {name: int(key) for key, name in found}
        start = int(conn.exec_driver_sql("SELECT MIN(ts) FROM polls").scalar_one())
        stores = np.array([key_of[f"s{k:02d}"] for k in keys], dtype=np.int64)
        lo = start + (keys % 3) * day
        hi = np.where(keys % 5 == 0, poll_arrays.NEVER, lo + (keys % 4) * day)
        read = poll_arrays.polls_in_ranges(db.url, conn, stores, lo, hi)
    every = [(key_of[f"s{k:02d}"], start + i * day // 2)
             for k in keys for i in range(40)]
    wanted = sorted((key, ts) for key, ts in every
                    for s, low, high in zip(stores, lo, hi, strict=True)
                    if key == s and low <= ts <= high)
    assert list(zip(read.store_key.tolist(), read.ts.tolist(), strict=True)) == wanted


def _every_half_day(db: Database, stores: int, polls: int) -> tuple[dict[str, int], int]:
    """`stores` stores polled every 12 hours, `polls` times, statuses varied; their
    keys and the first poll's instant."""
    day = 86_400_000_000
    names = [f"s{k:03d}" for k in range(stores)]
    frame = pd.DataFrame({
        "store_id": pd.Categorical(np.repeat(names, polls)),
        "timestamp_utc": pd.to_datetime(
            np.tile(np.arange(polls) * day // 2, stores) + 1_704_067_200_000_000, unit="us",
            utc=True),
        "active": np.arange(stores * polls) % 3 != 0})
    db.load(Inputs(polls=frame))
    with db.read() as conn:
        key_of = {name: int(key) for key, name in
                  conn.exec_driver_sql("SELECT id, store_id FROM stores").all()}
        start = int(conn.exec_driver_sql("SELECT MIN(ts) FROM polls").scalar_one())
    return key_of, start


def test_range_queries_and_instants_read_each_stores_own_polls(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges many stores share are read by range queries over every store's polls
    (here from 5 stores on), the few that start or end furthest out by key list, and
    single instants by lookup: each store gets exactly the polls of its ranges and
    instants, with their statuses."""
    monkeypatch.setattr(poll_arrays, "KEY_CHUNK", 5)
    monkeypatch.setattr(poll_arrays, "POINTS_CHUNK", 7)
    day = 86_400_000_000
    key_of, start = _every_half_day(db, 60, 20)
    stores = np.array(sorted(key_of.values()), dtype=np.int64)
    index = np.arange(len(stores))
    lo = start + day + (index % 4) * day // 8
    hi = lo + day + (index % 3) * day // 4
    hi[-2:] += 4 * day  # two stores end far out: key-listed, not stretching the rest
    at_keys = stores[::3]
    at_us = start + (np.arange(len(at_keys)) % 20) * day // 2
    at_us[-1] += 1  # no poll at that instant: nothing is read for it
    with db.read() as conn:
        polls = conn.exec_driver_sql("SELECT store_key, ts, active FROM polls").all()
        read = poll_arrays.polls_in_ranges(db.url, conn, stores, lo, hi, at=(at_keys, at_us))
    ranges = {int(k): (int(a), int(b)) for k, a, b in zip(stores, lo, hi, strict=True)}
    instants = set(zip(at_keys.tolist(), at_us.tolist(), strict=True))
    wanted = sorted((int(k), int(t), bool(a)) for k, t, a in polls
                    if ranges[int(k)][0] <= t <= ranges[int(k)][1] or (k, t) in instants)
    assert list(zip(read.store_key.tolist(), read.ts.tolist(), read.active.tolist(),
                    strict=True)) == wanted
    assert len(wanted) > 60 * 2


@pytest.mark.parametrize("time_span", [10, 2**61])
def test_joined_polls_are_sorted_once_each_inactive_winning(time_span: int) -> None:
    """Parts joined give one poll per store and instant, sorted, inactive when any
    was, whether store, instant and status fit in one sort key or (spans too wide)
    not."""
    rng = np.random.default_rng(time_span % 1000)
    parts = [PollArrays(rng.integers(0, 30, 400), rng.integers(0, time_span, 400)
                        - time_span // 2, rng.random(400) < 0.6) for _ in range(3)]
    got = PollArrays.joined(parts)
    frame = pd.DataFrame({"k": np.concatenate([p.store_key for p in parts]),
                          "t": np.concatenate([p.ts for p in parts]),
                          "a": np.concatenate([p.active for p in parts])})
    wanted = frame.groupby(["k", "t"], sort=True)["a"].all().reset_index()
    assert got.store_key.tolist() == wanted["k"].tolist()
    assert got.ts.tolist() == wanted["t"].tolist()
    assert got.active.tolist() == wanted["a"].tolist()
    assert len(wanted) < 1200 if time_span == 10 else len(wanted) == 1200


def test_history_read_by_range_queries_equals_engine(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real exports' few stores read as many (range queries, outliers by
    key list, instants looked up, kept rows by several lists of keys), a period's
    history still equals the engine's."""
    monkeypatch.setattr(poll_arrays, "KEY_CHUNK", 3)
    monkeypatch.setattr(poll_arrays, "POINTS_CHUNK", 4)
    monkeypatch.setattr(day_totals, "KEPT_KEYS", 2)
    db.load(export_inputs)
    newest = export_inputs.polls["timestamp_utc"].max()
    first, last = (newest - pd.Timedelta(days=5)).date(), (newest - pd.Timedelta(days=1)).date()
    expected = history(export_inputs.polls, export_inputs.business_hours,
                       export_inputs.timezones, first, last, newest)
    assert _csvs(read_history(db, first, last)) == _csvs(expected)


def test_slices_of_stores_change_nothing(
    db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept rows written and history read a few stores at a time (as a long history
    of a big fleet is) equal the engine's over all stores at once."""
    monkeypatch.setattr(poll_arrays, "SLICE_WORK", 2_000)
    computed = []
    whole = engine_days._slice_days
    monkeypatch.setattr(engine_days, "_slice_days",
                        lambda found, *rest: computed.append(len(found)) or whole(found, *rest))
    db.load(export_inputs)
    assert len(computed) > 3  # the load's kept rows were written slice by slice
    newest = export_inputs.polls["timestamp_utc"].max()
    first, last = (newest - pd.Timedelta(days=8)).date(), newest.date()
    expected = history(export_inputs.polls, export_inputs.business_hours,
                       export_inputs.timezones, first, last, newest)
    computed.clear()
    assert _csvs(read_history(db, first, last)) == _csvs(expected)
    assert len(computed) > 1
    assert _csvs(read_history(db, first, last, kept=False)) == _csvs(expected)


def test_one_stores_history_is_its_rows_of_the_fleets(
    db: Database, export_inputs: Inputs
) -> None:
    db.load(export_inputs)
    newest = export_inputs.polls["timestamp_utc"].max()
    first, last = (newest - pd.Timedelta(days=8)).date(), newest.date()
    fleet = read_history(db, first, last).daily
    # Every store, the one whose polls all predate the period among them.
    for store_id in sorted(set(map(str, export_inputs.polls["store_id"]))):
        mine = read_store_history(db, store_id, first, last).daily
        expected = fleet[fleet["store_id"] == store_id].reset_index(drop=True)
        assert len(mine) > 0
        assert daily_csv(mine) == daily_csv(expected)
    assert read_store_history(db, "no-such-store", first, last).daily.empty


def test_history_errors_and_empty_database(db: Database) -> None:
    assert read_history(db, "2024-01-01", "2024-01-31").totals.empty
    with pytest.raises(PeriodError):
        read_history(db, "2024-02-01", "2024-01-31")
