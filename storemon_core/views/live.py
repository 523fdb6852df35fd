"""Which numbers a page shows: the live view (as of the newest poll) or a chosen report.

The live view is the engine at the newest poll with every load so far. Counting a
fleet's week takes seconds, so when a stored report is exactly that (made at the
newest poll after the last load that changed the data: see service/autoreport.py)
its numbers are shown; otherwise the page counts them itself, once per data version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from storemon_core.service.status import ReportStatus
from storemon_core.views.filters import first_value
from storemon_core.views.overview import with_uptime_pct

if TYPE_CHECKING:
    from storemon_core.db import Database
    from storemon_core.db.freshness import Freshness

# The query parameter that names a chosen report; without it pages show the live view.
REPORT_PARAM = "report"
_REPORT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _utc(stamp: pd.Timestamp) -> str:
    return f"{stamp.tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True)
class Shown:
    """The instant a page's numbers are of, and where they come from."""

    as_of: pd.Timestamp
    newest_poll: pd.Timestamp
    report_id: str | None  # the stored report they are (None: counted for this page)
    chosen: bool  # picked by the person (else the live view, or its stand-in)

    @property
    def stale(self) -> bool:
        """Newer polls exist than the instant shown."""
        return self.as_of < self.newest_poll

    def sentence(self) -> str:
        """What a page says above its numbers."""
        source = f"report {self.report_id}" if self.report_id else "counted from the polls"
        if self.chosen:
            return f"Chosen report {self.report_id}: as of {_utc(self.as_of)}."
        if not self.stale:
            return f"Live view: as of the newest poll, {_utc(self.as_of)} ({source})."
        return f"Latest report {self.report_id}: as of {_utc(self.as_of)}."

    def newer_polls(self) -> str | None:
        """The warning that newer polls exist, when they do."""
        if not self.stale:
            return None
        return (f"Newer polls exist: the newest is at {_utc(self.newest_poll)}, "
                f"after this view's {_utc(self.as_of)}.")


def chosen_report(params: Mapping[str, Any]) -> str | None:
    """The report id named in the page's URL, if it looks like one."""
    value = str(first_value(params.get(REPORT_PARAM)) or "").strip()
    return value if _REPORT_ID.fullmatch(value) else None


def _of_kind(reports: pd.DataFrame, period: tuple[date, date] | None) -> pd.Series:
    """Rows of standard reports (period None), or of period reports of exactly `period`."""
    if period is None:
        return reports["first"].isna()
    return (reports["first"] == period[0]) & (reports["last"] == period[1])


def standard_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The standard reports among ReportService.list_reports rows: the ones with a
    fleet table (a period report has none)."""
    result: pd.DataFrame = reports[_of_kind(reports, None)]
    return result


def live_report(reports: pd.DataFrame, fresh: Freshness,
                period: tuple[date, date] | None = None) -> pd.Series | None:
    """The stored report that is the live view: as of the newest poll and requested
    after the last change to the data; a Complete one first, else one still Running.
    A standard report, or with `period` (first, last) a period report of those dates.
    `reports` is ReportService.list_reports (newest first)."""
    if reports.empty or fresh.newest_poll is None:
        return None
    as_of = pd.to_datetime(reports["as_of"], utc=True)
    requested = pd.to_datetime(reports["requested_at"], utc=True)
    current = (as_of == fresh.newest_poll) & _of_kind(reports, period)
    if fresh.last_change_at is not None:
        current &= requested >= fresh.last_change_at
    for status in (ReportStatus.COMPLETE, ReportStatus.RUNNING):
        found = reports[current & (reports["status"] == status)]
        if not found.empty:
            return found.iloc[0]
    return None


def report_choices(reports: pd.DataFrame) -> dict[str, str]:
    """Complete standard reports (newest first) and how the selector names them; a
    period report has no fleet table to show."""
    done = reports[(reports["status"] == ReportStatus.COMPLETE) & _of_kind(reports, None)]
    as_of = pd.to_datetime(done["as_of"], utc=True)
    return {
        str(report_id): f"as of {_utc(stamp)} (report {report_id})"
        for report_id, stamp in zip(done["report_id"], as_of, strict=True)
    }


def count_live(db: Database) -> pd.DataFrame:
    """The live view counted here: the engine over the week before the newest poll."""
    from storemon_core.engine.uptime import uptime_report

    inputs = db.read_inputs()
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones)
    report["store_id"] = report["store_id"].astype(str)
    report.attrs = {}  # the engine's as_of: the caller knows it, and tables cannot carry it
    # Rounded as the report CSV is, so a counted view and a stored one agree.
    numbers = report.select_dtypes("float").columns
    report[numbers] = report[numbers].round(2)
    return with_uptime_pct(report)
