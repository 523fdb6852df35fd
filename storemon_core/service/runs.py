"""Reports on demand: trigger one, poll it until it is Complete or Failed.

A report is the standard one (last hour, day and week) or, given local dates
first ... last, a period report: the period and daily CSVs of that history.

A report runs in a background thread of the process that triggered it; its row
in the database (service.state) is what every caller sees. `now` (the as-of) is
fixed when the report is triggered.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.exc import InterfaceError, OperationalError

from storemon_core.config import database_url, int_setting
from storemon_core.db import Database, open_database, us_to_timestamp
from storemon_core.db.errors import unavailable
from storemon_core.db.history import read_history
from storemon_core.engine.period import Period, PeriodError, dates_of, period_of
from storemon_core.engine.uptime import uptime_report
from storemon_core.frames import Inputs
from storemon_core.instants import InstantError, as_utc_instant, microseconds
from storemon_core.output.history_csv import daily_csv, period_csv
from storemon_core.output.report_csv import report_csv
from storemon_core.service import liveness, retention, state
from storemon_core.service.failures import NothingToReport, database_errors, failure_reason
from storemon_core.service.state import ReportState
from storemon_core.service.status import INTERRUPTED, ReportStatus
from storemon_core.units import Progress

# Reports computed at once; more wait their turn (each holds a week of polls).
WORKERS_ENV = "STOREMON_REPORT_WORKERS"
DEFAULT_WORKERS = 2
# Progress is written at most this often (and on every phase change).
PROGRESS_SECONDS = 0.5

logger = logging.getLogger(__name__)


class ReportService:
    """Runs reports in background threads and keeps them in the database."""

    @database_errors
    def __init__(self, db: Database, workers: int | None = None) -> None:
        self.db = db
        db.create_schema()
        count = workers or int_setting(WORKERS_ENV, DEFAULT_WORKERS, minimum=1)
        self.retention_days = retention.retention_days()
        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="report")
        self._liveness = liveness.Liveness(db)
        # Reports queued together usually share as_of: read their inputs once.
        self._inputs_key: tuple[int, str] | None = None
        self._inputs: Inputs | None = None
        self._inputs_lock = threading.Lock()
        self.fail_orphans()
        self.prune_reports()
        self._liveness.start()

    # ------------------------------------------------------------------ public

    @database_errors
    def trigger_report(
        self,
        as_of: str | datetime | pd.Timestamp | None = None,
        first: str | date | None = None,
        last: str | date | None = None,
    ) -> str:
        """Start a report and return its id at once: the standard one, or with
        `first` and `last` (local dates, YYYY-MM-DD text or dates) a period report.

        `as_of` defaults to the newest poll now, so polls loaded while it runs do not
        move it. An as-of that is not an instant in range raises InstantError; a
        period that cannot be computed (only one of first and last, a date that is
        not one, last before first, first after the as-of's UTC date, more than
        MAX_PERIOD_DAYS days) raises PeriodError; then no report is made."""
        dates = self._dates(first, last)
        refusal: Exception | None = None
        as_of_us: int | None = None
        if as_of is not None:
            as_of_us = microseconds(as_utc_instant(as_of, what="as_of"))
        else:
            # Stored polls are not ours to refuse here: the report fails and says why.
            newest = self.db.newest_poll()
            if newest is None:
                refusal = NothingToReport("The database has no polls: load some first.")
            else:
                try:
                    as_of_us = microseconds(as_utc_instant(newest, what="the newest poll"))
                except InstantError as exc:
                    refusal = InstantError(f"{exc}; ask for a report at an as-of within it")
        period: Period | None = None
        if dates is not None and as_of_us is not None:
            period = period_of(dates[0], dates[1], pd.Timestamp(as_of_us, unit="us", tz="UTC"))
        report_id = secrets.token_urlsafe(24)
        state.insert_running(self.db, report_id, as_of_us, liveness.owner(), liveness.now_us(),
                             period=dates)
        self._liveness.add(report_id)
        self._pool.submit(self._run, report_id, as_of_us, refusal, period)
        return report_id

    @staticmethod
    def _dates(first: str | date | None, last: str | date | None) -> tuple[date, date] | None:
        if first is None and last is None:
            return None
        if first is None or last is None:
            raise PeriodError("a period needs both first and last (YYYY-MM-DD); "
                              "leave both out for the standard report")
        return dates_of(first, last)

    @database_errors
    def get_report(self, report_id: str) -> ReportState | None:
        row = state.report_row(self.db, report_id)
        if row is None:
            return None
        found = state.report_state(row)
        if found.status == ReportStatus.RUNNING and self._liveness.orphaned(row):
            state.finish_failed(self.db, report_id, INTERRUPTED, liveness.now_us())
            return self.get_report(report_id)
        if found.status == ReportStatus.COMPLETE:
            return state.with_texts(self.db, found)
        return found

    @database_errors
    def list_reports(self, limit: int = 50) -> pd.DataFrame:
        """Newest first, without the CSVs."""
        return state.listed_reports(self.db, limit)

    @database_errors
    def latest_complete(self) -> ReportState | None:
        return state.latest_complete(self.db)

    @database_errors
    def report_frame(self, report_id: str) -> pd.DataFrame | None:
        """The extended report of a Complete report, parsed."""
        found = self.get_report(report_id)
        if found is None or found.extended_csv is None:
            return None
        return state.extended_frame(found.extended_csv)

    @database_errors
    def wait(self, report_id: str, timeout: float = 600.0) -> ReportState | None:
        """Poll until the report is no longer Running (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.get_report(report_id)
            if found is None or found.status.ended or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    @database_errors
    def fail_orphans(self) -> int:
        """Mark Failed("interrupted") every Running report whose process is gone."""
        return self._liveness.fail_orphans()

    @database_errors
    def prune_reports(self, now_us: int | None = None) -> int:
        """Delete finished reports requested more than `retention_days` ago; returns
        how many. Running reports are never touched."""
        at_us = now_us if now_us is not None else liveness.now_us()
        return retention.prune_reports(self.db, self.retention_days, at_us)

    def shutdown(self, wait: bool = True) -> None:
        self._liveness.stop()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    # ------------------------------------------------------------------ inner

    def _set(self, report_id: str, **values: Any) -> None:
        state.set_values(self.db, report_id, liveness.now_us(), **values)

    def _read_inputs(self, as_of_us: int) -> Inputs:
        key = (as_of_us, self.db.data_version())
        with self._inputs_lock:
            if self._inputs_key != key or self._inputs is None:
                self._inputs = None
                self._inputs = self.db.read_inputs(us_to_timestamp(as_of_us), categorical_ids=True)
                self._inputs_key = key
            return self._inputs

    def _standard(self, report_id: str, as_of_us: int,
                  progress: Progress) -> tuple[dict[str, str], int]:
        """The last hour/day/week report's CSVs and its number of stores."""
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
        return {"csv": report_csv(report), "extended_csv": report_csv(report, extended=True)}, \
            len(report)

    def _period(self, report_id: str, period: Period,
                progress: Progress) -> tuple[dict[str, str], int]:
        """A period report's CSVs (the period CSV as `csv`, the daily one beside it) and
        its number of stores."""
        found = read_history(self.db, period.first, period.last, period.as_of,
                             progress=progress)
        self._set(report_id, progress=0.96, phase="writing CSV")
        return {"csv": period_csv(found.totals), "daily_csv": daily_csv(found.daily)}, \
            len(found.totals)

    def _run(self, report_id: str, as_of_us: int | None, refusal: Exception | None,
             period: Period | None = None) -> None:
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
            self._set(report_id, started_at=liveness.now_us(), phase="reading data", progress=0.05)
            if refusal is not None:
                raise refusal
            assert as_of_us is not None  # set whenever nothing refused the report
            if period is None:
                texts, stores = self._standard(report_id, as_of_us, progress)
            else:
                texts, stores = self._period(report_id, period, progress)
            state.finish_complete(
                self.db,
                report_id,
                liveness.now_us(),
                texts,
                progress=1.0,
                phase="done",
                finished_at=liveness.now_us(),
                duration_seconds=time.monotonic() - started,
                store_count=stores,
            )
        except Exception as exc:
            message = failure_reason(exc, self.db)[:2000]
            if isinstance(exc, InstantError | NothingToReport):
                logger.warning("report %s failed: %s", report_id, message)
            else:
                logger.error("report %s failed: %s", report_id, message, exc_info=exc)
            # If even this fails the database is gone; the next start marks it interrupted.
            with contextlib.suppress(Exception):
                self._set(
                    report_id,
                    status=ReportStatus.FAILED,
                    phase="failed",
                    error=message,
                    finished_at=liveness.now_us(),
                    duration_seconds=time.monotonic() - started,
                )
        finally:
            if self._liveness.discard(report_id):
                with self._inputs_lock:
                    # Nothing queued: do not hold a week of polls in memory.
                    self._inputs, self._inputs_key = None, None
                # Housekeeping is a courtesy: a busy database only delays it.
                with contextlib.suppress(Exception):
                    self.prune_reports()


_services: dict[str, ReportService] = {}
_services_lock = threading.Lock()


def get_service(url: str | None = None) -> ReportService:
    """The process-wide ReportService for `url` (default: DATABASE_URL). A database
    that cannot be used raises DatabaseUnavailable."""
    try:
        db = open_database(url)
    except (OperationalError, InterfaceError) as exc:
        raise unavailable(url or database_url(), exc) from exc
    with _services_lock:
        service = _services.get(db.url)
        if service is None:
            service = ReportService(db)
            _services[db.url] = service
        return service
