"""A report after every load that changes the data, so the history keeps pace with it.

Hourly loads then leave hourly reports, and the dashboard's live view (a report at
the newest poll, made after the last change) is ready when the load ends.
STOREMON_AUTO_REPORT=0 turns it off.
"""

from __future__ import annotations

from storemon_core.config import int_setting
from storemon_core.db import LoadStats
from storemon_core.service import ReportService

AUTO_REPORT_ENV = "STOREMON_AUTO_REPORT"


def enabled() -> bool:
    """Whether loads are followed by a report (1, the default) or not (0)."""
    return int_setting(AUTO_REPORT_ENV, 1) != 0


def changed_data(stats: LoadStats) -> bool:
    """Whether a load added polls or replaced business hours or time zones."""
    return stats.polls_added > 0 or stats.hours_stores > 0 or stats.timezone_stores > 0


def report_after_load(service: ReportService, stats: LoadStats) -> str | None:
    """Start the report at the newest poll after a load that changed the data; its id.

    None when nothing changed or the setting is off. A process that exits after
    its load (the CLI) waits for it with `service.wait(report_id)`.
    """
    if not changed_data(stats) or not enabled():
        return None
    return service.trigger_report()
