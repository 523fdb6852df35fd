"""How long finished reports are kept: a report an hour must not grow the table
without end."""

from __future__ import annotations

from sqlalchemy import delete, select

from storemon_core.config import int_setting
from storemon_core.db import Database
from storemon_core.db.schema import report_texts, reports
from storemon_core.service.status import ReportStatus
from storemon_core.units import US_PER_DAY

# Finished reports are deleted this many days after they were requested (0: never).
RETENTION_ENV = "STOREMON_REPORT_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    return int_setting(RETENTION_ENV, DEFAULT_RETENTION_DAYS)


def prune_reports(db: Database, days: int, now_us: int) -> int:
    """Delete finished reports requested more than `days` before `now_us`; returns
    how many. Running reports are never touched; 0 days keeps every report."""
    if days == 0:
        return 0
    cutoff = now_us - days * US_PER_DAY
    old = (reports.c.requested_at < cutoff) & (reports.c.status != ReportStatus.RUNNING)
    with db.read() as conn:
        ids = list(conn.execute(select(reports.c.id).where(old)).scalars())
    deleted = 0
    # By id, a few at a time: a delete locks only those reports' rows, not the
    # ranges between them where finishing reports write their parts.
    for first in range(0, len(ids), 100):
        chosen = ids[first:first + 100]
        with db.write() as conn:
            conn.execute(delete(report_texts).where(report_texts.c.report_id.in_(chosen)))
            deleted += conn.execute(delete(reports).where(reports.c.id.in_(chosen), old)).rowcount
    return deleted
