"""storemon: store uptime during business hours.

The engine (`uptime_report`, `store_timeline`) turns polls, business hours and
time zones into the numbers SPEC.md defines; loaders, the database, the report
service and the dashboard feed it or show what it returns.
"""

from storemon_core.report import EXTENDED_COLUMNS, REPORT_COLUMNS, report_csv
from storemon_core.uptime import uptime_report

__all__ = ["EXTENDED_COLUMNS", "REPORT_COLUMNS", "report_csv", "uptime_report"]
