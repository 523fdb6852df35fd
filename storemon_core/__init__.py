"""storemon: store uptime during business hours.

The engine (`uptime_report`, `store_timeline`) turns polls, business hours and
time zones into the numbers docs/counting.md defines; loaders, the database, the report
service and the dashboard feed it or show what it returns.
"""

from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS, uptime_report
from storemon_core.output.report_csv import report_csv

__all__ = ["EXTENDED_COLUMNS", "REPORT_COLUMNS", "report_csv", "uptime_report"]
