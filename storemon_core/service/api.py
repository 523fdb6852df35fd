"""The HTTP API: /trigger_report and /get_report as Starlette routes, for the
standard report and for period reports (first ... last).

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
from storemon_core.engine.period import MAX_PERIOD_DAYS, PeriodError
from storemon_core.instants import RANGE_TEXT, InstantError
from storemon_core.service import ReportService, ReportState, ReportStatus, get_service

logger = logging.getLogger(__name__)

# secrets.token_urlsafe ids; anything else is not a report of ours.
REPORT_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
ACCEPTED_AS_OF = (
    "an ISO 8601 date and time such as 2023-01-25T18:00:00Z or 2023-01-25 18:00:00 "
    f"(no zone means UTC), within {RANGE_TEXT}; leave as_of out for the newest poll"
)
ACCEPTED_PERIOD = (
    "first and last as local dates YYYY-MM-DD, both or neither, last not before first, "
    f"at most {MAX_PERIOD_DAYS} days, first no later than the as-of's UTC date"
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


def _bad_request(error: str, accepted: str) -> JSONResponse:
    return JSONResponse({"status": "Bad request", "error": error, "accepted": accepted},
                        status_code=400)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _wrong_kind(state: ReportState, extended: bool, daily: bool) -> JSONResponse | None:
    """A 400 when the CSV asked for is not one this kind of report has."""
    if daily and not state.is_period:
        return _bad_request("daily=1 is for period reports; this is a standard report",
                            "extended=1 for the extended report, or no flag")
    if extended and state.is_period:
        return _bad_request("extended=1 is for standard reports; this is a period report",
                            "daily=1 for the daily CSV, or no flag for the period CSV")
    return None


def _csv_name(state: ReportState, extended: bool, daily: bool) -> str:
    if state.is_period:
        return f"report_{state.report_id}_{'daily' if daily else 'period'}.csv"
    return f"report_{state.report_id}{'_extended' if extended else ''}.csv"


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
        params = request.query_params
        as_of = params.get("as_of") or None
        first, last = params.get("first") or None, params.get("last") or None
        svc = reports_service()
        if isinstance(svc, JSONResponse):
            return svc
        try:
            report_id = svc.trigger_report(as_of, first=first, last=last)
        except InstantError as exc:
            return _bad_request(str(exc), ACCEPTED_AS_OF)
        except PeriodError as exc:
            return _bad_request(str(exc), ACCEPTED_PERIOD)
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
        extended = _truthy(request.query_params.get("extended"))
        daily = _truthy(request.query_params.get("daily"))
        wrong = _wrong_kind(state, extended, daily)
        if wrong is not None:
            return wrong
        if state.status == ReportStatus.RUNNING:
            return JSONResponse(
                {"status": ReportStatus.RUNNING, "progress": round(state.progress, 4),
                 "phase": state.phase},
                status_code=202,
            )
        if state.status != ReportStatus.COMPLETE:
            return JSONResponse({"status": ReportStatus.FAILED, "error": state.error},
                                status_code=500)
        chosen = state.extended_csv if extended else state.daily_csv if daily else state.csv
        csv = chosen or ""
        if "application/json" in request.headers.get("accept", "").lower():
            answer: dict[str, str] = {"status": ReportStatus.COMPLETE, "csv": csv}
            if state.first is not None and state.last is not None:
                answer |= {"first": state.first.isoformat(), "last": state.last.isoformat()}
            return JSONResponse(answer, headers={"X-Report-Status": ReportStatus.COMPLETE})
        name = _csv_name(state, extended, daily)
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
