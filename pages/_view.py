"""Which numbers the Overview and Store pages show, and the selector that changes it.

The live view (as of the newest poll) unless a report is chosen; the choice lives
in the URL (?report=ID), so a link or the Back button brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from pages._common import counted_live, data_freshness, follow_report, report_table, service
from storemon_core.instants import InstantError, as_utc_instant
from storemon_core.service.status import ReportStatus
from storemon_core.views import live, text

LIVE_LABEL = "Live: as of the newest poll"
SELECTOR = "view_report"
# The selector's value for the live view (report ids never contain a space).
LIVE = "live view"


@dataclass(frozen=True)
class FleetView:
    report: pd.DataFrame | None  # None on the Store page, which reads one store only
    shown: live.Shown
    coming: str | None  # the live view's report, still being made


def _follow_selector() -> None:
    picked = st.session_state[SELECTOR]
    if picked == LIVE:
        st.query_params.pop(live.REPORT_PARAM, None)
    else:
        st.query_params[live.REPORT_PARAM] = picked


def _selector(choices: dict[str, str], chosen: str | None) -> str | None:
    """The report named in the URL (None: the live view), with a selector to change it."""
    options = [LIVE, *choices]
    if chosen is not None and chosen not in choices:
        options.append(chosen)
    # The URL is the source of truth (a shared link, the Back button); picking in the
    # selector writes it first, so the two never disagree.
    st.session_state[SELECTOR] = LIVE if chosen is None else chosen
    st.selectbox(
        "Numbers shown",
        options,
        format_func=lambda rid: LIVE_LABEL if rid == LIVE else choices.get(rid, f"report {rid}"),
        key=SELECTOR,
        on_change=_follow_selector,
        help="The live view counts every poll loaded so far; a report shows the "
        "numbers as of its own instant.",
    )
    return chosen


def _finished_as_of(report_id: str, reports: pd.DataFrame) -> pd.Timestamp | None:
    """The as-of of a Complete report (None for any other), without reading its CSV
    when the recent reports list it."""
    rows = reports[reports["report_id"] == report_id]
    if rows.empty:
        state = service().get_report(report_id)
        done = state is not None and state.status == ReportStatus.COMPLETE
        return state.as_of if done and state is not None else None
    if rows["status"].iloc[0] != ReportStatus.COMPLETE:
        return None
    return pd.Timestamp(rows["as_of"].iloc[0])


def fleet_view(version: str, with_report: bool = True) -> FleetView | None:
    """What to show, with a selector to change it; None when no polls are loaded."""
    fresh = data_freshness(version)
    newest = fresh.newest_poll
    if newest is None:
        return None
    reports = live.standard_reports(service().list_reports(50))
    chosen = _selector(live.report_choices(reports), live.chosen_report(st.query_params))
    if chosen is not None:
        found = _finished_as_of(chosen, reports)
        if found is not None:
            frame = report_table(chosen) if with_report else None
            return FleetView(frame, live.Shown(found, newest, chosen, True), None)
        st.warning("That report cannot be shown (it does not exist or has not finished); "
                   "this is the live view.")
    try:
        as_utc_instant(newest, "the newest poll")
    except InstantError as error:
        st.error("The live view cannot be counted: the newest poll is out of range. "
                 "Reports made earlier can still be chosen above.")
        st.text(str(error))
        st.stop()
    row = live.live_report(reports, fresh)
    if row is not None and row["status"] == ReportStatus.COMPLETE:
        report_id = str(row["report_id"])
        frame = report_table(report_id) if with_report else None
        return FleetView(frame, live.Shown(newest, newest, report_id, False), None)
    if row is not None:
        # The report of the latest load is being made: the one before stands in, marked.
        coming = str(row["report_id"])
        done = reports[reports["status"] == ReportStatus.COMPLETE]
        if not with_report:
            return FleetView(None, live.Shown(newest, newest, None, False), coming)
        if not done.empty:
            previous = str(done["report_id"].iloc[0])
            shown = live.Shown(pd.Timestamp(done["as_of"].iloc[0]), newest, previous, False)
            return FleetView(report_table(previous), shown, coming)
        follow_report(coming, "Counting the newest polls")
        st.stop()
    frame = counted_live(version) if with_report else None
    return FleetView(frame, live.Shown(newest, newest, None, False), None)


def say_what_is_shown(view: FleetView) -> None:
    """The sentence naming the instant shown, and a warning when newer polls exist."""
    st.caption(text.escape_markdown(view.shown.sentence() + " Uptime counts business hours only."))
    newer = view.shown.newer_polls()
    if newer and view.coming:
        st.warning(newer + " Their view is being counted and replaces this one when ready.")
        follow_report(view.coming, "Counting the newest polls")
    elif newer:
        st.warning(newer + " Choose the live view above to see them.")
