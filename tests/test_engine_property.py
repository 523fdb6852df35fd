"""The vectorized engine against a plain, per-store reading of SPEC.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from builders import row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storemon_core.engine.timeline import store_timeline
from storemon_core.engine.uptime import uptime_report

ZONES = ["America/Chicago", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
# Polls fall in the ten days around the US autumn change, so some weeks contain it.
START = datetime(2024, 10, 28, tzinfo=UTC)
SPAN_MINUTES = 10 * 24 * 60


def reference_business_hours(rows: list[tuple[int, time, time]], zone: ZoneInfo,
                             lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """Business hours as sorted disjoint UTC intervals within [lo, hi]."""
    if not rows:
        return [(lo, hi)]
    intervals = []
    day = lo.astimezone(zone).date() - timedelta(days=2)
    while day <= hi.astimezone(zone).date() + timedelta(days=1):
        for weekday, start, end in rows:
            if day.weekday() != weekday:
                continue
            opens = datetime.combine(day, start, zone)
            close_day = day if end > start else day + timedelta(days=1)
            closes = datetime.combine(close_day, end, zone)
            intervals.append((opens.astimezone(UTC), closes.astimezone(UTC)))
        day += timedelta(days=1)
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        a, b = max(a, lo), min(b, hi)
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def reference_store(polls: list[tuple[datetime, bool]], rows: list[tuple[int, time, time]],
                    zone: ZoneInfo, now: datetime) -> dict[str, float]:
    week_start = now - timedelta(days=7)
    open_ = reference_business_hours(rows, zone, week_start, now + timedelta(microseconds=1))

    def in_hours(t: datetime) -> bool:
        return any(a <= t < b for a, b in open_)

    status: dict[datetime, bool] = {}
    for t, active in polls:
        if week_start <= t <= now and in_hours(t):
            status[t] = status.get(t, True) and active
    instants = sorted(status)

    def speaks(t: datetime) -> bool:  # the status of the nearest poll (ties: the earlier)
        best = min(instants, key=lambda p: (abs((p - t).total_seconds()), p > t))
        return status[best]

    def observed(t: datetime) -> bool:  # some poll within an hour
        return any(abs(p - t) <= timedelta(hours=1) for p in instants)

    result = {}
    for name, length in (("hour", timedelta(hours=1)), ("day", timedelta(days=1)),
                         ("week", timedelta(days=7))):
        unit = 60 if name == "hour" else 3600
        cuts = {now - length, now}
        for a, b in open_:
            cuts |= {a, b}
        for p, q in zip(instants, instants[1:], strict=False):
            cuts.add(p + (q - p) / 2)
        for p in instants:
            cuts |= {p - timedelta(hours=1), p + timedelta(hours=1)}
        cuts_sorted = sorted(c for c in cuts if now - length <= c <= now)
        up = down = business = unobserved = 0.0
        for a, b in zip(cuts_sorted, cuts_sorted[1:], strict=False):
            mid = a + (b - a) / 2
            if not in_hours(mid):
                continue
            seconds = (b - a).total_seconds()
            business += seconds
            if not observed(mid):
                unobserved += seconds
            if instants:
                if speaks(mid):
                    up += seconds
                else:
                    down += seconds
        result[f"uptime_last_{name}"] = up / unit
        result[f"downtime_last_{name}"] = down / unit
        result[f"business_hours_last_{name}"] = business / unit
        result[f"unobserved_last_{name}"] = unobserved / unit
    return result


shift = st.tuples(st.integers(0, 6), st.integers(0, 24 * 4 - 1), st.integers(0, 24 * 4 - 1))
store = st.fixed_dictionaries({
    "zone": st.sampled_from(ZONES),
    "zone_known": st.booleans(),
    "shifts": st.one_of(st.just([]), st.lists(shift, min_size=1, max_size=5)),
    "polls": st.lists(st.tuples(st.integers(0, SPAN_MINUTES), st.booleans()), min_size=1,
                      max_size=25),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores=st.lists(store, min_size=1, max_size=4),
       as_of_minute=st.one_of(st.none(), st.integers(0, SPAN_MINUTES)))
def test_engine_equals_reference(stores: list[dict], as_of_minute: int | None) -> None:
    poll_rows, hour_rows, zone_rows = [], [], []
    for i, s in enumerate(stores):
        sid = f"store-{i}"
        for minute, active in s["polls"]:
            # Repeating a minute on purpose makes duplicate and conflicting instants likely.
            poll_rows.append((sid, START + timedelta(minutes=minute), active))
        for weekday, a, b in s["shifts"]:
            hour_rows.append((sid, weekday, time(a // 4, a % 4 * 15), time(b // 4, b % 4 * 15)))
        if s["zone_known"]:
            zone_rows.append((sid, s["zone"]))
    polls = pd.DataFrame(poll_rows, columns=["store_id", "timestamp_utc", "active"])
    polls["timestamp_utc"] = pd.to_datetime(polls["timestamp_utc"], utc=True).dt.as_unit("us")
    business_hours = pd.DataFrame({
        "store_id": [r[0] for r in hour_rows],
        "day_of_week": pd.Series([r[1] for r in hour_rows], dtype="int8"),
        "start_time_local": pd.Series([timedelta(hours=r[2].hour, minutes=r[2].minute)
                                       for r in hour_rows], dtype="timedelta64[us]"),
        "end_time_local": pd.Series([timedelta(hours=r[3].hour, minutes=r[3].minute)
                                     for r in hour_rows], dtype="timedelta64[us]"),
    })
    timezones = pd.DataFrame(zone_rows, columns=["store_id", "timezone_str"])
    as_of = None if as_of_minute is None else START + timedelta(minutes=as_of_minute)

    report = uptime_report(polls, business_hours, timezones, as_of=as_of)
    now = as_of or max(t for _, t, _ in poll_rows)
    expected_ids = sorted({sid for sid, t, _ in poll_rows if t <= now})
    assert list(report["store_id"]) == expected_ids

    for i, s in enumerate(stores):
        sid = f"store-{i}"
        if sid not in expected_ids:
            continue
        zone = ZoneInfo(s["zone"] if s["zone_known"] else "America/Chicago")
        shifts = [(r[1], r[2], r[3]) for r in hour_rows if r[0] == sid]
        mine = [(t, a) for p, t, a in poll_rows if p == sid]
        expected = reference_store(mine, shifts, zone, now)
        got = row(report, sid)
        for column, value in expected.items():
            assert got[column] == pytest.approx(value, abs=1e-6), column
        if got.polls_last_week:
            for name in ("hour", "day", "week"):
                assert got[f"uptime_last_{name}"] + got[f"downtime_last_{name}"] == \
                    pytest.approx(got[f"business_hours_last_{name}"], abs=1e-6)

        timeline = store_timeline(polls, business_hours, timezones, sid, now)
        assert timeline.report_row.equals(report.loc[report["store_id"] == sid]
                                          .reset_index(drop=True))
        seconds = (timeline.segments["end"] - timeline.segments["start"]).dt.total_seconds()
        for status, column in (("active", "uptime_last_week"), ("inactive", "downtime_last_week")):
            total = seconds[timeline.segments["status"] == status].sum() / 3600
            assert total == pytest.approx(got[column], abs=1e-6)
        unobserved = timeline.segments["unobserved"].to_numpy(dtype=bool)
        assert seconds[unobserved].sum() / 3600 == pytest.approx(got["unobserved_last_week"],
                                                                 abs=1e-6)
        assert not (unobserved & ~timeline.segments["in_business_hours"]).any()
        incidents = timeline.incidents
        assert incidents["duration_hours"].sum() == pytest.approx(
            got["downtime_last_week"], abs=1e-6)
        inactive = (timeline.segments["status"] == "inactive").to_numpy()
        assert incidents["observed_hours"].sum() == pytest.approx(
            seconds[inactive & ~unobserved].sum() / 3600, abs=1e-6)
        assert (incidents["observed_hours"] <= incidents["duration_hours"] + 1e-9).all()
        daily = timeline.daily
        assert daily["uptime_hours"].sum() == pytest.approx(got["uptime_last_week"], abs=1e-6)
        assert daily["business_hours"].sum() == pytest.approx(
            got["business_hours_last_week"], abs=1e-6)
        assert daily["unobserved_hours"].sum() == pytest.approx(
            got["unobserved_last_week"], abs=1e-6)


def test_reference_reproduces_spec_example() -> None:
    # Guards the reference itself: SPEC.md's worked example, by hand.
    zone = ZoneInfo("America/Chicago")
    now = datetime(2024, 3, 11, 11, 15, tzinfo=zone).astimezone(UTC)
    polls = [(datetime(2024, 3, 11, 10, 14, tzinfo=zone).astimezone(UTC), True), (now, False)]
    result = reference_store(polls, [(0, time(9), time(12))], zone, now)
    assert result["uptime_last_hour"] == pytest.approx(29.5)
    assert result["downtime_last_day"] == pytest.approx(30.5 / 60)
    assert date(2024, 3, 11).weekday() == 0
