"""A report as stored in the `reports` table, and the reads and writes of its row.

The row is the report: status, progress, both CSVs. Keeping it in the database
(not in memory) lets it survive a restart and be seen by every server process.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Row, select, update

from storemon_core.db import Database, us_to_timestamp
from storemon_core.db.schema import reports
from storemon_core.service.status import ReportStatus

# A row of any columns of the reports table.
ReportRow = Row[*tuple[Any, ...]]


@dataclass
class ReportState:
    """A report as stored: what get_report returns.

    A standard report (last hour, day and week) has `first` and `last` None, its
    report CSV in `csv` and the extended one in `extended_csv`. A period report has
    its local dates in `first` and `last`, its period CSV (one row per store) in
    `csv`, its daily CSV in `daily_csv`, and `extended_csv` None.
    """

    report_id: str
    status: ReportStatus
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
    first: date | None = None
    last: date | None = None
    daily_csv: str | None = None

    @property
    def is_period(self) -> bool:
        return self.first is not None


# What the history lists: everything but the CSVs, which are megabytes at fleet scale.
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
    reports.c.period_first,
    reports.c.period_last,
]
LISTED_COLUMNS = [
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
    "first",  # None for a standard report
    "last",
]


def report_state(row: ReportRow, with_csv: bool = True) -> ReportState:
    m = row._mapping
    return ReportState(
        report_id=str(m["id"]),
        status=ReportStatus(str(m["status"])),
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
        first=_date(m["period_first"]),
        last=_date(m["period_last"]),
        daily_csv=m["daily_csv"] if with_csv else None,
    )


def _date(value: Any) -> date | None:
    # SQLite's driver may hand back the ISO text it stores.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def insert_running(db: Database, report_id: str, as_of_us: int | None, owner: str,
                   now_us: int, period: tuple[date, date] | None = None) -> None:
    """A new Running report; `period` (first, last) makes it a period report."""
    with db.write() as conn:
        conn.execute(
            reports.insert().values(
                id=report_id,
                status=ReportStatus.RUNNING,
                progress=0.0,
                phase="queued",
                requested_at=now_us,
                as_of=as_of_us,
                owner=owner,
                heartbeat=now_us,
                period_first=None if period is None else period[0],
                period_last=None if period is None else period[1],
            )
        )


def report_row(db: Database, report_id: str) -> ReportRow | None:
    with db.read() as conn:
        return conn.execute(select(reports).where(reports.c.id == report_id)).first()


def running_rows(db: Database) -> Sequence[ReportRow]:
    """(id, owner, heartbeat) of every report still marked Running."""
    with db.read() as conn:
        return conn.execute(
            select(reports.c.id, reports.c.owner, reports.c.heartbeat).where(
                reports.c.status == ReportStatus.RUNNING
            )
        ).all()


def listed_reports(db: Database, limit: int) -> pd.DataFrame:
    """Newest first, without the CSVs."""
    with db.read() as conn:
        rows = conn.execute(
            select(*_SUMMARY_COLUMNS).order_by(reports.c.requested_at.desc()).limit(limit)
        ).all()
    states = [report_state(r, with_csv=False) for r in rows]
    return pd.DataFrame(
        [{c: getattr(s, c) for c in LISTED_COLUMNS} for s in states], columns=LISTED_COLUMNS
    )


def latest_complete(db: Database) -> ReportState | None:
    """The newest Complete standard report (period reports have no extended report)."""
    with db.read() as conn:
        row = conn.execute(
            select(reports)
            .where(reports.c.status == ReportStatus.COMPLETE, reports.c.period_first.is_(None))
            .order_by(reports.c.finished_at.desc())
            .limit(1)
        ).first()
    return None if row is None else report_state(row)


def set_values(db: Database, report_id: str, heartbeat_us: int, **values: Any) -> None:
    """Write some of a report's columns; every write is also a sign of life."""
    with db.write() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(heartbeat=heartbeat_us, **values)
        )


def finish_failed(db: Database, report_id: str, error: str, now_us: int) -> None:
    """Mark a report Failed with `error`, unless it already ended."""
    with db.write() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id, reports.c.status == ReportStatus.RUNNING)
            .values(
                status=ReportStatus.FAILED,
                error=error,
                phase="failed",
                finished_at=now_us,
                heartbeat=now_us,
            )
        )


def touch(db: Database, report_ids: list[str], now_us: int) -> None:
    """Refresh the heartbeat of those of `report_ids` still Running."""
    with db.write() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id.in_(report_ids), reports.c.status == ReportStatus.RUNNING)
            .values(heartbeat=now_us)
        )


def extended_frame(extended_csv: str) -> pd.DataFrame:
    """A stored extended report CSV, parsed back into the engine's columns."""
    frame = pd.read_csv(
        io.StringIO(extended_csv),
        dtype={"store_id": object, "last_status": object, "timezone_str": object},
        keep_default_na=False,
    )
    frame["last_poll_utc"] = pd.to_datetime(
        frame["last_poll_utc"].str.removesuffix(" UTC"), utc=True
    )
    return frame
