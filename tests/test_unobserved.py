"""SPEC.md "Unobserved time", worked out by hand: the report, the extended CSV and the
store timeline."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import hours, polls, row, zones

from storemon_core.engine.timeline import store_timeline
from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS, uptime_report
from storemon_core.output.report_csv import report_csv


def hourly(store_id: str, first: str, last: str, status: str = "active") -> list[tuple[str, str,
                                                                                     str]]:
    return [(store_id, str(t), status) for t in pd.date_range(first, last, freq="h")]


def test_store_polled_only_on_its_last_day() -> None:
    # Open around the clock (no hours rows). Polls every hour of Monday 2024-03-11 UTC;
    # the first is inactive. The week is [Mon 03-04 23:00, Mon 03-11 23:00].
    rows = hourly("s", "2024-03-11 00:00", "2024-03-11 23:00")
    rows[0] = ("s", rows[0][1], "inactive")
    data = polls(*rows)
    r = row(uptime_report(data, hours(), zones()), "s")
    # Observed: within an hour of a poll, [03-10 23:00, 03-11 23:00]: the last day.
    assert r.unobserved_last_hour == 0
    assert r.unobserved_last_day == 0
    assert r.unobserved_last_week == pytest.approx(168 - 24)
    # Still counted: the first poll speaks back to the week's start, to 00:30 on the 11th.
    assert r.downtime_last_week == pytest.approx(6 * 24 + 1.5)

    timeline = store_timeline(data, hours(), zones(), "s")
    segments = timeline.segments
    unobserved = segments.loc[segments["unobserved"]]
    assert len(unobserved) == 1
    assert unobserved.iloc[0]["start"] == pd.Timestamp("2024-03-04 23:00", tz="UTC")
    assert unobserved.iloc[0]["end"] == pd.Timestamp("2024-03-10 23:00", tz="UTC")
    assert unobserved.iloc[0]["status"] == "inactive"
    # One incident, not split at the edge of observation, observed for its last 1.5 h.
    assert len(timeline.incidents) == 1
    incident = timeline.incidents.iloc[0]
    assert incident["duration_hours"] == pytest.approx(145.5)
    assert incident["observed_hours"] == pytest.approx(1.5)
    assert timeline.daily["unobserved_hours"].sum() == pytest.approx(144)


def test_round_the_clock_store_whose_polls_stopped() -> None:
    # "stopped" is polled hourly until Sat 2024-03-09 12:00; "live" to Mon 03-11 12:00 (now).
    data = polls(*hourly("stopped", "2024-03-01 00:00", "2024-03-09 12:00"),
                 *hourly("live", "2024-03-01 00:00", "2024-03-11 12:00"))
    report = uptime_report(data, hours(), zones())
    stopped = row(report, "stopped")
    assert stopped.uptime_last_hour == pytest.approx(60)  # the rule still says active
    assert stopped.unobserved_last_hour == pytest.approx(60)
    assert stopped.unobserved_last_day == pytest.approx(24)
    # Observed from the week's start (03-04 12:00) to an hour after the last poll.
    assert stopped.unobserved_last_week == pytest.approx(168 - (5 * 24 + 1))
    live = row(report, "live")
    assert (live.unobserved_last_hour, live.unobserved_last_day,
            live.unobserved_last_week) == (0, 0, 0)

    timeline = store_timeline(data, hours(), zones(), "stopped")
    last = timeline.segments.iloc[-1]
    assert (last["status"], bool(last["unobserved"])) == ("active", True)
    assert last["start"] == pd.Timestamp("2024-03-09 13:00", tz="UTC")


def test_polls_two_hours_apart_leave_nothing_unobserved_three_hours_one() -> None:
    # Monday 09:00-17:00 UTC. Gaps: 09->11 (2 h), 11->14 (3 h), 14->16 (2 h).
    data = polls(("g", "2024-03-11 09:00", "active"), ("g", "2024-03-11 11:00", "inactive"),
                 ("g", "2024-03-11 14:00", "active"), ("g", "2024-03-11 16:00", "active"))
    report = uptime_report(data, hours(("g", 0, "09:00", "17:00")), zones(g="UTC"),
                           as_of="2024-03-11 18:00")
    r = row(report, "g")
    # Only 12:00-13:00 is farther than an hour from every poll; 16:00-17:00 is within one.
    assert r.unobserved_last_day == pytest.approx(1)
    assert r.unobserved_last_week == pytest.approx(1)
    assert r.unobserved_last_hour == 0  # 17:00-18:00 is closed
    # Counted all the same: 11:00 speaks for 10:00-12:30.
    assert r.downtime_last_day == pytest.approx(2.5)
    assert r.uptime_last_day + r.downtime_last_day == pytest.approx(8)

    timeline = store_timeline(data, hours(("g", 0, "09:00", "17:00")), zones(g="UTC"), "g",
                              as_of="2024-03-11 18:00")
    unobserved = timeline.segments.loc[timeline.segments["unobserved"]]
    assert list(zip(unobserved["start"].dt.strftime("%H:%M"), unobserved["end"].dt.strftime(
        "%H:%M"), unobserved["status"], strict=True)) == [
        ("12:00", "12:30", "inactive"), ("12:30", "13:00", "active")]
    incident = timeline.incidents.iloc[0]
    assert (incident["duration_hours"], incident["observed_hours"]) == pytest.approx((2.5, 2.0))


def test_no_in_hours_poll_leaves_every_business_hour_unobserved() -> None:
    # The only poll is at 20:00, after the 09:00-17:00 Monday shift.
    report = uptime_report(polls(("n", "2024-03-11 20:00", "active")),
                           hours(("n", 0, "09:00", "17:00")), zones(n="UTC"))
    r = row(report, "n")
    assert r.unobserved_last_week == pytest.approx(r.business_hours_last_week)
    assert r.unobserved_last_day == pytest.approx(8)
    assert (r.uptime_last_week, r.downtime_last_week) == (0, 0)


def test_extended_csv_appends_unobserved_columns_and_the_seven_stay() -> None:
    data = polls(("g", "2024-03-11 09:00", "active"), ("g", "2024-03-11 12:00", "active"))
    report = uptime_report(data, hours(), zones(g="UTC"), as_of="2024-03-11 14:30")
    assert EXTENDED_COLUMNS[-3:] == ["unobserved_last_hour", "unobserved_last_day",
                                     "unobserved_last_week"]
    extended = report_csv(report, extended=True).splitlines()
    assert extended[0] == ",".join(EXTENDED_COLUMNS)
    # Observed: 08:00-10:00 and 11:00-13:00 on the 11th; the last hour not at all.
    assert extended[1].endswith(",60.00,20.00,164.00")
    assert report_csv(report).splitlines()[0] == ",".join(REPORT_COLUMNS)
