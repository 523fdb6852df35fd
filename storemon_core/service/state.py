"""A report as stored in the `reports` table, and the reads and writes of its row.

The row is the report: status, progress, as-of; its CSVs are parts in
`report_texts`, written in the same transaction that marks it Complete. Keeping it
in the database (not in memory) lets it survive a restart and be seen by every
server process.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, select, update

from storemon_core.db import Database, DatabaseUnavailable, us_to_timestamp
from storemon_core.db.errors import deadlocked
from storemon_core.db.schema import report_texts, reports
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


# A CSV is stored in parts of at most this many characters: at most 8 MB of UTF-8
# each, half of the smallest max_allowed_packet of a default MySQL or MariaDB.
TEXT_PART_CHARS = 2 << 20
TEXT_KINDS = ("csv", "extended_csv", "daily_csv")
COMPLETE_ATTEMPTS = 3


def write_texts(conn: Connection, report_id: str, texts: dict[str, str],
                part_chars: int | None = None) -> None:
    """Store a report's CSVs (TEXT_KINDS), each in parts. They are written once, as
    the report completes; nothing is deleted first, as a delete of rows that do
    not exist locks the gap where other reports' parts go (a deadlock on MySQL)."""
    size = part_chars or TEXT_PART_CHARS
    for kind, text in texts.items():
        if kind not in TEXT_KINDS:
            raise ValueError(f"unknown report text {kind!r}")
        # One statement a part: a driver may join the rows of one into a packet.
        for part, at in enumerate(range(0, max(len(text), 1), size)):
            conn.execute(report_texts.insert().values(
                report_id=report_id, kind=kind, part=part, body=text[at:at + size]))


def read_texts(conn: Connection, report_id: str) -> dict[str, str]:
    """A report's CSVs, by kind; a kind it has none of is missing."""
    parts: dict[str, list[str]] = {}
    for kind, body in conn.execute(
            select(report_texts.c.kind, report_texts.c.body)
            .where(report_texts.c.report_id == report_id)
            .order_by(report_texts.c.kind, report_texts.c.part)):
        parts.setdefault(str(kind), []).append(str(body))
    return {kind: "".join(bodies) for kind, bodies in parts.items()}


def report_state(row: ReportRow, texts: dict[str, str] | None = None) -> ReportState:
    """A row of `reports` (any columns of _SUMMARY_COLUMNS), with its CSVs when given."""
    m = row._mapping
    texts = texts or {}
    return ReportState(
        report_id=str(m["id"]),
        status=ReportStatus(str(m["status"])),
        progress=float(m["progress"]),
        phase=str(m["phase"]),
        error=m["error"],
        csv=texts.get("csv"),
        extended_csv=texts.get("extended_csv"),
        as_of=us_to_timestamp(m["as_of"]),
        store_count=None if m["store_count"] is None else int(m["store_count"]),
        duration_seconds=None if m["duration_seconds"] is None else float(m["duration_seconds"]),
        requested_at=us_to_timestamp(m["requested_at"]),
        started_at=us_to_timestamp(m["started_at"]),
        finished_at=us_to_timestamp(m["finished_at"]),
        first=_date(m["period_first"]),
        last=_date(m["period_last"]),
        daily_csv=texts.get("daily_csv"),
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
        return conn.execute(select(*_SUMMARY_COLUMNS, reports.c.owner, reports.c.heartbeat)
                            .where(reports.c.id == report_id)).first()


def with_texts(db: Database, found: ReportState) -> ReportState:
    """A report read without its CSVs, with them."""
    with db.read() as conn:
        texts = read_texts(conn, found.report_id)
    return replace(found, csv=texts.get("csv"), extended_csv=texts.get("extended_csv"),
                   daily_csv=texts.get("daily_csv"))


def stored_report(db: Database, report_id: str) -> ReportState | None:
    """A report with its CSVs, read in one snapshot."""
    with db.read() as conn:
        row = conn.execute(select(*_SUMMARY_COLUMNS).where(reports.c.id == report_id)).first()
        return None if row is None else report_state(row, read_texts(conn, report_id))


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
    states = [report_state(r) for r in rows]
    return pd.DataFrame(
        [{c: getattr(s, c) for c in LISTED_COLUMNS} for s in states], columns=LISTED_COLUMNS
    )


def latest_complete(db: Database) -> ReportState | None:
    """The newest Complete standard report (period reports have no extended report)."""
    with db.read() as conn:
        row = conn.execute(
            select(*_SUMMARY_COLUMNS)
            .where(reports.c.status == ReportStatus.COMPLETE, reports.c.period_first.is_(None))
            .order_by(reports.c.finished_at.desc())
            .limit(1)
        ).first()
        return None if row is None else report_state(row, read_texts(conn, str(row.id)))


def set_values(db: Database, report_id: str, heartbeat_us: int, **values: Any) -> None:
    """Write some of a report's columns; every write is also a sign of life."""
    with db.write() as conn:
        conn.execute(
            update(reports)
            .where(reports.c.id == report_id)
            .values(heartbeat=heartbeat_us, **values)
        )


def finish_complete(db: Database, report_id: str, heartbeat_us: int, texts: dict[str, str],
                    **values: Any) -> None:
    """Store a report's CSVs and mark it Complete with `values`, in one transaction:
    no reader sees it Complete without its CSVs. A transaction the server undid in
    a deadlock (with housekeeping, or another report finishing) is run again."""
    for attempt in range(1, COMPLETE_ATTEMPTS + 1):
        try:
            with db.write() as conn:
                write_texts(conn, report_id, texts)
                conn.execute(
                    update(reports)
                    .where(reports.c.id == report_id)
                    .values(heartbeat=heartbeat_us, status=ReportStatus.COMPLETE, **values)
                )
            return
        except DatabaseUnavailable as error:
            if attempt == COMPLETE_ATTEMPTS or not deadlocked(error):
                raise


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
