"""The vectorized engine against a plain, per-store reading of SPEC.md."""

from __future__ import annotations

from dataclasses import dataclass
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


class ReferenceWindow:
    """The rule over one window [lo, hi], read point by point: business hours, the
    in-hours polls (conflicts at one instant read inactive) and what each instant
    is counted as."""

    def __init__(self, polls: list[tuple[datetime, bool]], rows: list[tuple[int, time, time]],
                 zone: ZoneInfo, lo: datetime, hi: datetime) -> None:
        self.open = reference_business_hours(rows, zone, lo, hi + timedelta(microseconds=1))
        self.status: dict[datetime, bool] = {}
        for t, active in polls:
            if lo <= t <= hi and self.in_hours(t):
                self.status[t] = self.status.get(t, True) and active
        self.instants = sorted(self.status)

    def in_hours(self, t: datetime) -> bool:
        return any(a <= t < b for a, b in self.open)

    def speaks(self, t: datetime) -> bool:  # the status of the nearest poll (ties: the earlier)
        best = min(self.instants, key=lambda p: (abs((p - t).total_seconds()), p > t))
        return self.status[best]

    def observed(self, t: datetime) -> bool:  # some poll within an hour
        return any(abs(p - t) <= timedelta(hours=1) for p in self.instants)

    def seconds(self, lo: datetime, hi: datetime) -> dict[str, float]:
        """Business, up, down and unobserved seconds in [lo, hi]."""
        cuts = {lo, hi}
        for a, b in self.open:
            cuts |= {a, b}
        for p, q in zip(self.instants, self.instants[1:], strict=False):
            cuts.add(p + (q - p) / 2)
        for p in self.instants:
            cuts |= {p - timedelta(hours=1), p + timedelta(hours=1)}
        cuts_sorted = sorted(c for c in cuts if lo <= c <= hi)
        counted = dict.fromkeys(("business", "up", "down", "unobserved"), 0.0)
        for a, b in zip(cuts_sorted, cuts_sorted[1:], strict=False):
            mid = a + (b - a) / 2
            if not self.in_hours(mid):
                continue
            seconds = (b - a).total_seconds()
            counted["business"] += seconds
            if not self.observed(mid):
                counted["unobserved"] += seconds
            if self.instants:
                counted["up" if self.speaks(mid) else "down"] += seconds
        return counted


def reference_store(polls: list[tuple[datetime, bool]], rows: list[tuple[int, time, time]],
                    zone: ZoneInfo, now: datetime) -> dict[str, float]:
    week = ReferenceWindow(polls, rows, zone, now - timedelta(days=7), now)
    result = {}
    for name, length in (("hour", timedelta(hours=1)), ("day", timedelta(days=1)),
                         ("week", timedelta(days=7))):
        unit = 60 if name == "hour" else 3600
        counted = week.seconds(now - length, now)
        result[f"uptime_last_{name}"] = counted["up"] / unit
        result[f"downtime_last_{name}"] = counted["down"] / unit
        result[f"business_hours_last_{name}"] = counted["business"] / unit
        result[f"unobserved_last_{name}"] = counted["unobserved"] / unit
    return result


shift = st.tuples(st.integers(0, 6), st.integers(0, 24 * 4 - 1), st.integers(0, 24 * 4 - 1))
# Often a whole half hour, where shifts' edges fall, or a local midnight of one of
# ZONES (UTC minutes into a day: UTC, New York and Chicago in summer and winter,
# Kolkata and Lord Howe the day before), so polls and as-of instants land on edges.
MIDNIGHTS = [0, 240, 300, 360, 1110, 780, 810]
minute = st.one_of(
    st.integers(0, SPAN_MINUTES),
    st.integers(0, SPAN_MINUTES // 30).map(lambda k: 30 * k),
    st.tuples(st.integers(0, SPAN_MINUTES // 1440 - 1), st.sampled_from(MIDNIGHTS)).map(
        lambda day: day[0] * 1440 + day[1]),
)
store = st.fixed_dictionaries({
    "zone": st.sampled_from(ZONES),
    "zone_known": st.booleans(),
    "shifts": st.one_of(st.just([]), st.lists(shift, min_size=1, max_size=5)),
    "polls": st.lists(st.tuples(minute, st.booleans()), min_size=1, max_size=25),
})


@dataclass
class Generated:
    """Stores drawn by `store`, as engine frames and as rows the references read."""

    poll_rows: list[tuple[str, datetime, bool]]
    hour_rows: list[tuple[str, int, time, time]]
    zone_of: dict[str, ZoneInfo]
    polls: pd.DataFrame
    business_hours: pd.DataFrame
    timezones: pd.DataFrame

    def store(self, sid: str) -> tuple[list[tuple[datetime, bool]], list[tuple[int, time, time]],
                                       ZoneInfo]:
        """A store's polls, shifts and zone, as the references take them."""
        return ([(t, a) for p, t, a in self.poll_rows if p == sid],
                [(r[1], r[2], r[3]) for r in self.hour_rows if r[0] == sid], self.zone_of[sid])


def generate(stores: list[dict], start: datetime) -> Generated:
    poll_rows, hour_rows, zone_rows, zone_of = [], [], [], {}
    for i, s in enumerate(stores):
        sid = f"store-{i}"
        for minute, active in s["polls"]:
            # Repeating a minute on purpose makes duplicate and conflicting instants likely.
            poll_rows.append((sid, start + timedelta(minutes=minute), active))
        for weekday, a, b in s["shifts"]:
            hour_rows.append((sid, weekday, time(a // 4, a % 4 * 15), time(b // 4, b % 4 * 15)))
        if s["zone_known"]:
            zone_rows.append((sid, s["zone"]))
        zone_of[sid] = ZoneInfo(s["zone"] if s["zone_known"] else "America/Chicago")
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
    return Generated(poll_rows, hour_rows, zone_of, polls, business_hours, timezones)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores=st.lists(store, min_size=1, max_size=4),
       as_of_minute=st.one_of(st.none(), minute))
def test_engine_equals_reference(stores: list[dict], as_of_minute: int | None) -> None:
    data = generate(stores, START)
    poll_rows = data.poll_rows
    polls, business_hours, timezones = data.polls, data.business_hours, data.timezones
    as_of = None if as_of_minute is None else START + timedelta(minutes=as_of_minute)

    report = uptime_report(polls, business_hours, timezones, as_of=as_of)
    now = as_of or max(t for _, t, _ in poll_rows)
    expected_ids = sorted({sid for sid, t, _ in poll_rows if t <= now})
    assert list(report["store_id"]) == expected_ids

    for sid in expected_ids:
        expected = reference_store(*data.store(sid), now)
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
