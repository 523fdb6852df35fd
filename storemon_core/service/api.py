"""The HTTP API: /trigger_report and /get_report as Starlette routes.

They are mounted on the dashboard's own server (streamlit_app.py passes
`routes()` to st.App), so one process serves the pages and the API. Every
answer is JSON or the report's CSV; what went wrong on the server side is
written to the server's log, never into the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storemon_core.db.errors import DatabaseUnavailable
from storemon_core.instants import RANGE_TEXT, InstantError
from storemon_core.service import ReportService, ReportStatus, get_service

logger = logging.getLogger(__name__)

# secrets.token_urlsafe ids; anything else is not a report of ours.
REPORT_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
ACCEPTED_AS_OF = (
    "an ISO 8601 date and time such as 2023-01-25T18:00:00Z or 2023-01-25 18:00:00 "
    f"(no zone means UTC), within {RANGE_TEXT}; leave as_of out for the newest poll"
)
# GET creates a report, so HEAD (which must do what GET does, minus the body) is refused.
TRIGGER_METHODS = "GET, POST"

ServiceFactory = Callable[[], ReportService]


def _not_found() -> JSONResponse:
    return JSONResponse({"status": "Report not found"}, status_code=404)


def _unavailable(failure: DatabaseUnavailable) -> JSONResponse:
    # The driver's detail (chained as __cause__) goes to the log, not to the client.
    logger.error("database unavailable: %s", failure, exc_info=failure)
    return JSONResponse(
        {
            "status": "Unavailable",
            "error": str(failure),
            "database": failure.database,
            "check": failure.check,
        },
        status_code=503,
    )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def routes(service: ServiceFactory | None = None) -> list[Route]:
    """The API routes. `service` gives the ReportService (default: the process-wide
    one for DATABASE_URL), so tests can point the routes at their own database."""
    factory: ServiceFactory = service or (lambda: get_service())

    def reports_service() -> ReportService | JSONResponse:
        try:
            return factory()
        except DatabaseUnavailable as failure:
            return _unavailable(failure)
        except ValueError as exc:  # a setting that cannot be read: the operator's to fix
            return JSONResponse({"status": "Unavailable", "error": f"configuration: {exc}"},
                                status_code=503)

    # Plain (sync) endpoints: Starlette runs them in its thread pool, so the
    # blocking database calls never stall the server's event loop.
    def trigger_report(request: Request) -> Response:
        if request.method == "HEAD":
            return Response(status_code=405, headers={"Allow": TRIGGER_METHODS})
        as_of = request.query_params.get("as_of") or None
        svc = reports_service()
        if isinstance(svc, JSONResponse):
            return svc
        try:
            report_id = svc.trigger_report(as_of)
        except InstantError as exc:
            return JSONResponse(
                {"status": "Bad request", "error": str(exc), "accepted": ACCEPTED_AS_OF},
                status_code=400,
            )
        except DatabaseUnavailable as failure:
            return _unavailable(failure)
        return JSONResponse({"report_id": report_id})

    def get_report(request: Request) -> Response:
        report_id = request.query_params.get("report_id", "")
        if not REPORT_ID_RE.fullmatch(report_id):
            return _not_found()
        svc = reports_service()
        if isinstance(svc, JSONResponse):
            return svc
        try:
            state = svc.get_report(report_id)
        except DatabaseUnavailable as failure:
            return _unavailable(failure)
        if state is None:
            return _not_found()
        if state.status == ReportStatus.RUNNING:
            return JSONResponse(
                {"status": ReportStatus.RUNNING, "progress": round(state.progress, 4),
                 "phase": state.phase},
                status_code=202,
            )
        if state.status != ReportStatus.COMPLETE:
            return JSONResponse({"status": ReportStatus.FAILED, "error": state.error},
                                status_code=500)
        extended = _truthy(request.query_params.get("extended"))
        csv = (state.extended_csv if extended else state.csv) or ""
        if "application/json" in request.headers.get("accept", "").lower():
            return JSONResponse(
                {"status": ReportStatus.COMPLETE, "csv": csv},
                headers={"X-Report-Status": ReportStatus.COMPLETE},
            )
        name = f"report_{report_id}_extended.csv" if extended else f"report_{report_id}.csv"
        return Response(
            csv,
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Report-Status": ReportStatus.COMPLETE,
            },
        )

    return [
        Route("/trigger_report", trigger_report, methods=["GET", "POST"]),
        Route("/get_report", get_report, methods=["GET"]),
    ]
