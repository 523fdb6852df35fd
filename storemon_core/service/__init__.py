"""Reports on demand, kept in the database: the service the HTTP API and the pages call.

runs      ReportService: trigger a report, run it in the background, read it back
state     a report's row (ReportState) and its reads and writes
liveness  owners and heartbeats: a report whose process died ends Failed("interrupted")
retention how long finished reports are kept
status    ReportStatus, the states a report passes through
api       the HTTP routes (imported on its own: it needs Starlette)
"""

from storemon_core.service.runs import ReportService, get_service
from storemon_core.service.state import ReportState
from storemon_core.service.status import INTERRUPTED, ReportStatus

__all__ = ["INTERRUPTED", "ReportService", "ReportState", "ReportStatus", "get_service"]
