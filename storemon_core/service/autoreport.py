"""Reports after every load that changes the data, so stored answers keep pace with it.

Hourly loads then leave hourly reports, and the dashboard finds its answers ready
when a load's reports end: the live view (a report at the newest poll, made after
the last change) and the Trends page's default period and the one before it
(period reports, which are what makes a first visit to Trends fast at fleet scale).
STOREMON_AUTO_REPORT=0 turns all of them off; STOREMON_AUTO_PERIODS=0 only the
period reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from storemon_core.config import int_setting
from storemon_core.db import LoadStats
from storemon_core.engine.period import PeriodError, default_period, previous_period
from storemon_core.service import ReportService

AUTO_REPORT_ENV = "STOREMON_AUTO_REPORT"
AUTO_PERIODS_ENV = "STOREMON_AUTO_PERIODS"


@dataclass(frozen=True)
class AfterLoad:
    """The reports started after a load."""

    report_id: str  # the standard report at the newest poll
    period_ids: tuple[str, ...] = ()  # the default period's report, then the one before

    @property
    def all_ids(self) -> tuple[str, ...]:
        return (self.report_id, *self.period_ids)


def enabled() -> bool:
    """Whether loads are followed by a report (1, the default) or not (0)."""
    return int_setting(AUTO_REPORT_ENV, 1) != 0


def periods_enabled() -> bool:
    """Whether the reports after a load include the default periods (1, the default)."""
    return int_setting(AUTO_PERIODS_ENV, 1) != 0


def changed_data(stats: LoadStats) -> bool:
    """Whether a load added polls or replaced business hours or time zones."""
    return stats.polls_added > 0 or stats.hours_stores > 0 or stats.timezone_stores > 0


def reports_after_load(service: ReportService, stats: LoadStats) -> AfterLoad | None:
    """Start the reports at the newest poll after a load that changed the data.

    None when nothing changed or the setting is off. The standard report comes
    first, so the Overview's is ready soonest. A process that exits after its load
    (the CLI) waits for each with `service.wait(report_id)`.
    """
    if not changed_data(stats) or not enabled():
        return None
    report_id = service.trigger_report()
    newest = service.db.newest_poll()
    if newest is None or not periods_enabled():
        return AfterLoad(report_id)
    first, last = default_period(newest)
    before = previous_period(first, last)
    try:
        return AfterLoad(report_id, (service.trigger_report(first=first, last=last),
                                     service.trigger_report(first=before[0], last=before[1])))
    except PeriodError:
        # A newest poll at the calendar's end: its standard report says what is wrong.
        return AfterLoad(report_id)
