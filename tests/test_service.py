"""The report service on SQLite and MySQL: lifecycle, restarts, concurrency."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from storemon_core.db import Database, DatabaseUnavailable, timestamp_to_us
from storemon_core.db.schema import polls, report_texts, reports, stores
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.instants import RANGE_TEXT, InstantError
from storemon_core.service import (
    INTERRUPTED,
    ReportService,
    ReportStatus,
    liveness,
    retention,
    runs,
    state,
)
from storemon_core.units import US_PER_DAY
from tests.builders import engine_csv
from tests.service_fixtures import loaded_database, loaded_service  # noqa: F401 (fixtures)


class Gate:
    """Holds the engine until released, so a report can be seen Running."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def wrap(self, engine: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        def gated(*args: Any, **kwargs: Any) -> pd.DataFrame:
            progress = kwargs.get("progress")
            if progress:
                progress(0.25, "gated")
            self.entered.set()
            assert self.release.wait(60), "gate never released"
            return engine(*args, **kwargs)

        return gated


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    g = Gate()
    monkeypatch.setattr(runs, "uptime_report", g.wrap(uptime_report))
    yield g
    g.release.set()


def test_trigger_then_running_then_complete(
    svc: ReportService, gate: Gate, export_inputs: Inputs
) -> None:
    report_id = svc.trigger_report()
    assert gate.entered.wait(30)
    running = svc.get_report(report_id)
    assert running is not None and running.status == ReportStatus.RUNNING
    assert 0 < running.progress < 1 and running.phase
    assert running.csv is None and running.started_at is not None
    gate.release.set()
    done = svc.wait(report_id)
    assert done is not None and done.status == ReportStatus.COMPLETE, done and done.error
    assert done.csv == engine_csv(export_inputs)
    assert done.extended_csv == engine_csv(export_inputs, extended=True)
    assert done.as_of == export_inputs.polls["timestamp_utc"].max()
    assert done.store_count == export_inputs.polls["store_id"].nunique()
    assert done.duration_seconds is not None and done.duration_seconds > 0
    assert done.requested_at <= done.started_at <= done.finished_at  # type: ignore[operator]
    listed = svc.list_reports()
    assert listed["report_id"].tolist()[0] == report_id
    assert svc.latest_complete().report_id == report_id  # type: ignore[union-attr]
    frame = svc.report_frame(report_id)
    assert frame is not None and len(frame) == done.store_count
    assert frame["store_id"].tolist() == sorted(frame["store_id"].tolist())


def test_ids_are_random_and_unknown_ids_are_not_found(svc: ReportService) -> None:
    ids = {svc.trigger_report() for _ in range(5)}
    assert len(ids) == 5 and all(len(i) >= 32 for i in ids)
    assert svc.get_report("no-such-report-id-000000000") is None
    for report_id in ids:
        svc.wait(report_id)


def test_report_survives_a_new_service(loaded: Database, export_inputs: Inputs) -> None:
    first = ReportService(loaded)
    report_id = first.trigger_report()
    first.wait(report_id)
    first.shutdown()
    # Another process (a new service on a new connection pool) sees the same report.
    other = ReportService(Database(loaded.url))
    state = other.get_report(report_id)
    assert state is not None and state.csv == engine_csv(export_inputs)
    other.shutdown()


def test_as_of_is_fixed_at_trigger_time(
    svc: ReportService, gate: Gate, loaded: Database, export_inputs: Inputs
) -> None:
    report_id = svc.trigger_report()
    assert gate.entered.wait(30)
    # Polls arriving while the report runs do not move its `now`.
    later = export_inputs.polls["timestamp_utc"].max() + pd.Timedelta(minutes=30)
    extra = Inputs(
        polls=pd.DataFrame(
            {
                "store_id": pd.Series(["stale-store-1"], dtype=object),
                "timestamp_utc": pd.Series([later]).dt.as_unit("us"),
                "active": [False],
            }
        )
    )
    loaded.load(extra, mode="append")
    gate.release.set()
    done = svc.wait(report_id)
    assert done is not None and done.status == ReportStatus.COMPLETE
    assert done.as_of == export_inputs.polls["timestamp_utc"].max()
    assert done.csv == engine_csv(export_inputs)


def test_twenty_concurrent_triggers_each_get_their_own_report(
    svc: ReportService, export_inputs: Inputs
) -> None:
    newest = export_inputs.polls["timestamp_utc"].max()
    as_ofs = [newest - pd.Timedelta(hours=7 * i) for i in range(20)]
    ids: list[str | None] = [None] * 20

    def trigger(i: int) -> None:
        ids[i] = svc.trigger_report(as_ofs[i])

    threads = [threading.Thread(target=trigger, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 20
    for report_id, as_of in zip(ids, as_ofs, strict=True):
        assert report_id is not None
        state = svc.wait(report_id)
        assert state is not None and state.status == ReportStatus.COMPLETE, state and state.error
        assert state.as_of == as_of
        assert state.csv == engine_csv(export_inputs, as_of)


def test_failing_engine_gives_failed_with_reason(
    svc: ReportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> pd.DataFrame:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(runs, "uptime_report", broken)
    state = svc.wait(svc.trigger_report())
    assert state is not None and state.status == ReportStatus.FAILED
    assert state.error is not None and "engine exploded" in state.error


def test_empty_database_gives_failed(db: Database) -> None:
    service = ReportService(db)
    state = service.wait(service.trigger_report())
    service.shutdown()
    assert state is not None and state.status == ReportStatus.FAILED
    assert "no polls" in (state.error or "")


def _insert_report(
    db: Database, report_id: str, status: str, requested_us: int, owner: str | None = None
) -> None:
    """A report row as another process (or this one, by default) would have written it."""
    with db.write() as conn:
        conn.execute(
            reports.insert().values(
                id=report_id,
                status=status,
                progress=0.4,
                phase="computing",
                requested_at=requested_us,
                owner=owner or liveness.owner(),
                heartbeat=requested_us,
            )
        )


def _insert_running(db: Database, report_id: str, owner: str, heartbeat_us: int) -> None:
    _insert_report(db, report_id, ReportStatus.RUNNING, heartbeat_us, owner)


def test_orphans_of_other_hosts_fail_once_their_heartbeat_is_stale(loaded: Database) -> None:
    now_us = timestamp_to_us(pd.Timestamp.now(tz="UTC"))
    stale_us = now_us - int((liveness.STALE_SECONDS + 60) * 1_000_000)
    _insert_running(loaded, "fresh-on-other-host-0000", "elsewhere|123|abc", now_us)
    _insert_running(loaded, "stale-on-other-host-0000", "elsewhere|123|abc", stale_us)
    # Same host and pid as this process, but an earlier boot: the pid was reused.
    reused = f"{liveness.HOST}|{__import__('os').getpid()}|earlier-boot"
    _insert_running(loaded, "pid-reused-by-restart-000", reused, now_us)
    service = ReportService(loaded)
    try:
        assert service.get_report("fresh-on-other-host-0000").status == ReportStatus.RUNNING  # type: ignore[union-attr]
        for report_id in ("stale-on-other-host-0000", "pid-reused-by-restart-000"):
            state = service.get_report(report_id)
            assert state is not None and state.status == ReportStatus.FAILED
            assert state.error == INTERRUPTED
    finally:
        service.shutdown()


def test_finished_reports_older_than_the_retention_are_deleted(
    loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    day_us = US_PER_DAY
    now_us = timestamp_to_us(pd.Timestamp.now(tz="UTC"))
    complete = ReportStatus.COMPLETE
    _insert_report(loaded, "old-complete-000000000000", complete, now_us - 31 * day_us)
    _insert_report(loaded, "old-failed-00000000000000", ReportStatus.FAILED, now_us - 40 * day_us)
    _insert_report(loaded, "recent-complete-000000000", complete, now_us - 29 * day_us)
    # Still running in this very process (its owner is alive): never deleted.
    _insert_report(loaded, "old-but-running-000000000", ReportStatus.RUNNING, now_us - 60 * day_us)

    monkeypatch.setenv(retention.RETENTION_ENV, "0")
    keep_all = ReportService(loaded)  # pruning runs on start; 0 keeps every report
    try:
        assert keep_all.list_reports()["report_id"].nunique() == 4
    finally:
        keep_all.shutdown()

    with loaded.write() as conn:
        for report_id in ("old-complete-000000000000", "recent-complete-000000000"):
            state.write_texts(conn, report_id, {"csv": "a,b\n", "extended_csv": "a,b,c\n"})
    monkeypatch.setenv(retention.RETENTION_ENV, "30")
    service = ReportService(loaded)
    try:
        kept = set(service.list_reports()["report_id"])
        assert kept == {"recent-complete-000000000", "old-but-running-000000000"}
        with loaded.read() as conn:  # a deleted report's CSVs go with it
            owners = {r for (r,) in conn.execute(select(report_texts.c.report_id))}
        assert owners == {"recent-complete-000000000"}
        assert service.get_report("old-complete-000000000000") is None
        # A report finishing runs the housekeeping again, as time goes by.
        assert service.prune_reports(now_us + 2 * day_us) == 1
    finally:
        service.shutdown()


def test_bad_service_settings_are_named(
    loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(retention.RETENTION_ENV, "a month")
    with pytest.raises(ValueError, match="STOREMON_REPORT_RETENTION_DAYS must be a whole number"):
        ReportService(loaded)
    monkeypatch.setenv(retention.RETENTION_ENV, "30")
    monkeypatch.setenv(runs.WORKERS_ENV, "0")
    with pytest.raises(ValueError, match="STOREMON_REPORT_WORKERS must be at least 1"):
        ReportService(loaded)


# ---------------------------------------------------------------- hostile as-ofs


@pytest.mark.parametrize(
    "as_of", ["1600-01-05", "2262-05-01", "9999-12-31T23:59:59", "not-a-time", "now", "today"]
)
def test_an_as_of_it_cannot_use_is_refused_before_any_report(
    svc: ReportService, as_of: str
) -> None:
    with pytest.raises(InstantError, match="as_of") as refused:
        svc.trigger_report(as_of)
    assert "pandas" not in str(refused.value) and "ns" not in str(refused.value).split()
    assert svc.list_reports().empty


def _poll_at(db: Database, store_id: str, ts_us: int) -> None:
    """A poll written as an older storemon could have written it, past today's checks."""
    with db.write() as conn:
        key = conn.execute(stores.insert().values(store_id=store_id)).inserted_primary_key[0]
        conn.execute(polls.insert().values(store_key=key, ts=ts_us, active=True))


def test_a_newest_poll_past_the_range_fails_the_default_report_with_a_reason(
    svc: ReportService, loaded: Database, export_inputs: Inputs
) -> None:
    far = pd.Timestamp("2262-05-01", tz="UTC").as_unit("us")
    _poll_at(loaded, "far-future-1", int(far.asm8.astype("int64")))
    state = svc.wait(svc.trigger_report())
    assert state is not None and state.status == ReportStatus.FAILED
    assert state.error is not None and "2262-05-01" in state.error
    assert RANGE_TEXT in state.error and "Error" not in state.error
    # A report at an instant in range still works beside that poll.
    newest = export_inputs.polls["timestamp_utc"].max()
    done = svc.wait(svc.trigger_report(newest))
    assert done is not None and done.status == ReportStatus.COMPLETE
    assert done.csv == engine_csv(export_inputs)


def test_an_engine_that_raises_fails_the_report_readably_and_logs_the_detail(
    svc: ReportService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def overflowing(*args: Any, **kwargs: Any) -> pd.DataFrame:
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(runs, "uptime_report", overflowing)
    with caplog.at_level(logging.ERROR, logger=runs.__name__):
        state = svc.wait(svc.trigger_report())
    assert state is not None and state.status == ReportStatus.FAILED
    assert state.error is not None
    assert state.error.startswith("The report could not be computed")
    assert "Python int too large" in state.error and "Traceback" not in state.error
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is OverflowError]
    assert logged, "the traceback belongs in the server's log"


def test_a_csv_larger_than_the_server_takes_in_one_statement_is_stored_in_parts(
    db: Database,
) -> None:
    size = 17 << 20  # more than MariaDB's default max_allowed_packet
    if not db.is_sqlite:
        with db.read() as conn:
            packet = int(conn.exec_driver_sql("SELECT @@max_allowed_packet").scalar_one())
        # A server that takes gigabytes at once is tested at 64 MB, still in parts.
        size = min(packet, 64 << 20) + (1 << 20)
    line = "store-\u00e9,12.50\n"  # two bytes in UTF-8 for one of its characters
    text = "store_id,hours\n" + line * (size // len(line) + 1)
    now_us = timestamp_to_us(pd.Timestamp.now(tz="UTC"))
    _insert_report(db, "big-csv-0000000000000000", ReportStatus.RUNNING, now_us)
    state.finish_complete(db, "big-csv-0000000000000000", now_us,
                          {"csv": text, "extended_csv": "store_id\n"}, progress=1.0,
                          phase="done", finished_at=now_us, store_count=1)
    service = ReportService(db)
    try:
        found = service.get_report("big-csv-0000000000000000")
        assert found is not None and found.status == ReportStatus.COMPLETE
        assert found.csv == text and found.extended_csv == "store_id\n"
        assert found.daily_csv is None
    finally:
        service.shutdown()
    with db.read() as conn:
        parts = conn.execute(select(report_texts.c.part).where(
            report_texts.c.report_id == "big-csv-0000000000000000",
            report_texts.c.kind == "csv")).scalars().all()
    assert sorted(parts) == list(range(-(-len(text) // state.TEXT_PART_CHARS)))
    assert len(parts) > 1


def test_completing_a_report_is_run_again_after_a_deadlock(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    now_us = timestamp_to_us(pd.Timestamp.now(tz="UTC"))
    _insert_report(db, "deadlocked-0000000000000", ReportStatus.RUNNING, now_us)
    write = state.write_texts
    calls: list[int] = []

    def first_deadlocks(conn: Any, report_id: str, texts: dict[str, str]) -> None:
        calls.append(1)
        if len(calls) == 1:
            write(conn, report_id, texts)  # undone with the transaction
            raise OperationalError("INSERT", {}, Exception(1213, "Deadlock found"))
        write(conn, report_id, texts)

    monkeypatch.setattr(state, "write_texts", first_deadlocks)
    state.finish_complete(db, "deadlocked-0000000000000", now_us, {"csv": "a\n"},
                          progress=1.0, phase="done", finished_at=now_us, store_count=1)
    found = state.stored_report(db, "deadlocked-0000000000000")
    assert found is not None and found.status == ReportStatus.COMPLETE and found.csv == "a\n"
    assert len(calls) == 2
    # Any other failure is not retried.
    _insert_report(db, "lost-connection-00000000", ReportStatus.RUNNING, now_us)
    monkeypatch.setattr(state, "write_texts", lambda *a: (_ for _ in ()).throw(
        OperationalError("INSERT", {}, Exception(2013, "Lost connection"))))
    with pytest.raises(DatabaseUnavailable):
        state.finish_complete(db, "lost-connection-00000000", now_us, {"csv": "a\n"})
