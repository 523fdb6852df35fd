"""Reports on demand: trigger one, poll it until it is Complete or Failed.

Every report lives in the `reports` table (status, progress, both CSVs), so it
survives a restart and every server process sees it. `now` is fixed when the
report is triggered. A report whose process died is marked Failed
("interrupted") rather than left Running forever.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Row, delete, select, update

from storemon_core.config import int_setting
from storemon_core.db import Database, open_database, reports, timestamp_to_us, us_to_timestamp
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.output.report_csv import report_csv
from storemon_core.units import US_PER_DAY

RUNNING, COMPLETE, FAILED = "Running", "Complete", "Failed"
INTERRUPTED = "interrupted"

# Reports computed at once; more wait their turn (each holds a week of polls).
WORKERS_ENV = "STOREMON_REPORT_WORKERS"
DEFAULT_WORKERS = 2
# Finished reports are deleted this many days after they were requested (0: never),
# so that a report an hour does not grow the table without end.
RETENTION_ENV = "STOREMON_REPORT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30
# A running report's owner touches it this often; one silent for STALE_SECONDS
# is taken for dead (its process was killed or its host lost).
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 120.0
# Progress is written at most this often (and on every phase change).
PROGRESS_SECONDS = 0.5

_HOST = socket.gethostname()[:64]
# Tells this process from an earlier one that had the same pid (containers reuse pids).
_BOOT = secrets.token_hex(8)


def _owner() -> str:
    return f"{_HOST}|{os.getpid()}|{_BOOT}"


def _now_us() -> int:
    return time.time_ns() // 1000


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_dead(owner: str, heartbeat_us: int, now_us: int) -> bool:
    """Whether the process that ran a report is certainly or probably gone."""
    host, _, rest = owner.partition("|")
    pid_text, _, boot = rest.partition("|")
    if host == _HOST and pid_text.isdigit():
        pid = int(pid_text)
        if not _pid_alive(pid):
            return True
        if pid == os.getpid():
            return boot != _BOOT
    # Another host (or a pid we cannot judge): trust the heartbeat.
    return now_us - heartbeat_us > STALE_SECONDS * 1_000_000


@dataclass
class ReportState:
    """A report as stored: what get_report returns."""

    report_id: str
    status: str  # Running | Complete | Failed
    progress: float  # 0..1
    phase: str
    error: str | None
    csv: str | None
    extended_csv: str | None
    as_of: pd.Timestamp | None
    store_count: int | None
    duration_seconds: float | None
    requested_at: pd.Timestamp | None
    started_at: pd.Timestamp | None
    finished_at: pd.Timestamp | None


_SUMMARY_COLUMNS = [
    reports.c.id,
    reports.c.status,
    reports.c.progress,
    reports.c.phase,
    reports.c.error,
    reports.c.requested_at,
    reports.c.started_at,
    reports.c.finished_at,
    reports.c.as_of,
    reports.c.store_count,
    reports.c.duration_seconds,
]


def _state(row: Row[Any], with_csv: bool = True) -> ReportState:
    m = row._mapping
    return ReportState(
        report_id=str(m["id"]),
        status=str(m["status"]),
        progress=float(m["progress"]),
        phase=str(m["phase"]),
        error=m["error"],
        csv=m["csv"] if with_csv else None,
        extended_csv=m["extended_csv"] if with_csv else None,
        as_of=us_to_timestamp(m["as_of"]),
        store_count=None if m["store_count"] is None else int(m["store_count"]),
        duration_seconds=None if m["duration_seconds"] is None else float(m["duration_seconds"]),
        requested_at=us_to_timestamp(m["requested_at"]),
        started_at=us_to_timestamp(m["started_at"]),
        finished_at=us_to_timestamp(m["finished_at"]),
    )


class ReportService:
    """Runs reports in background threads and keeps them in the database."""

    def __init__(self, db: Database, workers: int | None = None) -> None:
        self.db = db
        db.create_schema()
        count = workers or int_setting(WORKERS_ENV, DEFAULT_WORKERS, minimum=1)
        self.retention_days = int_setting(RETENTION_ENV, DEFAULT_RETENTION_DAYS)
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="report")
        self._active: set[str] = set()
        self._lock = threading.Lock()
        # Reports queued together usually share as_of: read their inputs once.
        self._inputs_key: tuple[int, str] | None = None
        self._inputs: Inputs | None = None
        self._inputs_lock = threading.Lock()
        self._stop = threading.Event()
        self.fail_orphans()
        self.prune_reports()
        self._heart = threading.Thread(target=self._beat, name="report-heartbeat", daemon=True)
        self._heart.start()

    # ------------------------------------------------------------------ public

    def trigger_report(self, as_of: Any = None) -> str:
        """Start a report and return its id at once. `as_of` defaults to the newest
        poll now, so polls loaded while it runs do not move it."""
        if as_of is None:
            newest = self.db.newest_poll()
            as_of_us = None if newest is None else timestamp_to_us(newest)
        else:
            as_of_us = timestamp_to_us(as_of)
        report_id = secrets.token_urlsafe(24)
        now = _now_us()
        with self.db.write() as conn:
            conn.execute(
                reports.insert().values(
                    id=report_id,
                    status=RUNNING,
                    progress=0.0,
                    phase="queued",
                    requested_at=now,
                    as_of=as_of_us,
                    owner=_owner(),
                    heartbeat=now,
                )
            )
        with self._lock:
            self._active.add(report_id)
        self._pool.submit(self._run, report_id, as_of_us)
        return report_id

    def get_report(self, report_id: str) -> ReportState | None:
        with self.db.read() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
        if row is None:
            return None
        state = _state(row)
        if state.status == RUNNING and self._orphaned(row):
            self._finish_failed(report_id, INTERRUPTED)
            return self.get_report(report_id)
        return state

    def list_reports(self, limit: int = 50) -> pd.DataFrame:
        """Newest first, without the CSVs."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(*_SUMMARY_COLUMNS).order_by(reports.c.requested_at.desc()).limit(limit)
            ).all()
        states = [_state(r, with_csv=False) for r in rows]
        columns = [
            "report_id",
            "status",
            "progress",
            "phase",
            "error",
            "as_of",
            "store_count",
            "duration_seconds",
            "requested_at",
            "started_at",
            "finished_at",
        ]
        return pd.DataFrame([{c: getattr(s, c) for c in columns} for s in states], columns=columns)

    def latest_complete(self) -> ReportState | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(reports)
                .where(reports.c.status == COMPLETE)
                .order_by(reports.c.finished_at.desc())
                .limit(1)
            ).first()
        return None if row is None else _state(row)

    def report_frame(self, report_id: str) -> pd.DataFrame | None:
        """The extended report of a Complete report, parsed."""
        state = self.get_report(report_id)
        if state is None or state.extended_csv is None:
            return None
        frame = pd.read_csv(
            io.StringIO(state.extended_csv),
            dtype={"store_id": object, "last_status": object, "timezone_str": object},
            keep_default_na=False,
        )
        frame["last_poll_utc"] = pd.to_datetime(
            frame["last_poll_utc"].str.removesuffix(" UTC"), utc=True
        )
        return frame

    def wait(self, report_id: str, timeout: float = 600.0) -> ReportState | None:
        """Poll until the report is no longer Running (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.get_report(report_id)
            if state is None or state.status != RUNNING or time.monotonic() > deadline:
                return state
            time.sleep(0.05)

    def fail_orphans(self) -> int:
        """Mark Failed("interrupted") every Running report whose process is gone."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(reports.c.id, reports.c.owner, reports.c.heartbeat).where(
                    reports.c.status == RUNNING
                )
            ).all()
        orphans = [str(r[0]) for r in rows if self._orphaned(r)]
        for report_id in orphans:
            self._finish_failed(report_id, INTERRUPTED)
        return len(orphans)

    def prune_reports(self, now_us: int | None = None) -> int:
        """Delete finished reports requested more than `retention_days` ago; returns
        how many. Running reports are never touched."""
        if self.retention_days == 0:
            return 0
        cutoff = (now_us if now_us is not None else _now_us()) - self.retention_days * US_PER_DAY
        with self.db.write() as conn:
            deleted = conn.execute(
                delete(reports).where(reports.c.requested_at < cutoff, reports.c.status != RUNNING)
            )
        return int(deleted.rowcount)

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    # ------------------------------------------------------------------ inner

    def _orphaned(self, row: Row[Any, Any, Any]) -> bool:
        m = row._mapping
        with self._lock:
            if m["id"] in self._active:
                return False
        return _owner_dead(str(m["owner"]), int(m["heartbeat"]), _now_us())

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                active = sorted(self._active)
            if not active:
                continue
            try:
                with self.db.write() as conn:
                    conn.execute(
                        update(reports)
                        .where(reports.c.id.in_(active), reports.c.status == RUNNING)
                        .values(heartbeat=_now_us())
                    )
            except Exception:
                pass  # a busy or lost database: the next beat tries again

    def _set(self, report_id: str, **values: Any) -> None:
        values.setdefault("heartbeat", _now_us())
        with self.db.write() as conn:
            conn.execute(update(reports).where(reports.c.id == report_id).values(**values))

    def _finish_failed(self, report_id: str, error: str) -> None:
        now = _now_us()
        with self.db.write() as conn:
            conn.execute(
                update(reports)
                .where(reports.c.id == report_id, reports.c.status == RUNNING)
                .values(status=FAILED, error=error, phase="failed", finished_at=now, heartbeat=now)
            )

    def _read_inputs(self, as_of_us: int) -> Inputs:
        key = (as_of_us, self.db.data_version())
        with self._inputs_lock:
            if self._inputs_key != key or self._inputs is None:
                self._inputs = None
                self._inputs = self.db.read_inputs(us_to_timestamp(as_of_us), categorical_ids=True)
                self._inputs_key = key
            return self._inputs

    def _run(self, report_id: str, as_of_us: int | None) -> None:
        started = time.monotonic()
        last_write: list[Any] = [0.0, ""]

        def progress(fraction: float, phase: str) -> None:
            # The engine's share of the work is 30%..95%.
            now = time.monotonic()
            if phase == last_write[1] and now - float(last_write[0]) < PROGRESS_SECONDS:
                return
            last_write[0], last_write[1] = now, phase
            # Progress is a courtesy (a busy database may refuse it); the result is not.
            with contextlib.suppress(Exception):
                share = 0.3 + 0.65 * max(0.0, min(1.0, fraction))
                self._set(report_id, progress=share, phase=phase[:255])

        try:
            self._set(report_id, started_at=_now_us(), phase="reading data", progress=0.05)
            if as_of_us is None:
                raise ValueError("the database has no polls")
            inputs = self._read_inputs(as_of_us)
            progress(0.0, "computing")
            report = uptime_report(
                inputs.polls,
                inputs.business_hours,
                inputs.timezones,
                as_of=us_to_timestamp(as_of_us),
                progress=progress,
            )
            self._set(report_id, progress=0.96, phase="writing CSV")
            csv = report_csv(report)
            extended = report_csv(report, extended=True)
            self._set(
                report_id,
                status=COMPLETE,
                progress=1.0,
                phase="done",
                csv=csv,
                extended_csv=extended,
                store_count=len(report),
                finished_at=_now_us(),
                duration_seconds=time.monotonic() - started,
            )
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"[:2000]
            # If even this fails the database is gone; the next start marks it interrupted.
            with contextlib.suppress(Exception):
                self._set(
                    report_id,
                    status=FAILED,
                    phase="failed",
                    error=message,
                    finished_at=_now_us(),
                    duration_seconds=time.monotonic() - started,
                )
        finally:
            with self._lock:
                self._active.discard(report_id)
                idle = not self._active
            if idle:
                with self._inputs_lock:
                    # Nothing queued: do not hold a week of polls in memory.
                    self._inputs, self._inputs_key = None, None
                # Housekeeping is a courtesy: a busy database only delays it.
                with contextlib.suppress(Exception):
                    self.prune_reports()


_services: dict[str, ReportService] = {}
_services_lock = threading.Lock()


def get_service(url: str | None = None) -> ReportService:
    """The process-wide ReportService for `url` (default: DATABASE_URL)."""
    db = open_database(url)
    with _services_lock:
        service = _services.get(db.url)
        if service is None:
            service = ReportService(db)
            _services[db.url] = service
        return service
