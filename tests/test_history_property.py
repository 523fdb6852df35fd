"""The history engine against a plain per-store, per-day reading of SPEC.md "History"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_engine_property import Generated, ReferenceWindow, generate, minute, store

from storemon_core.engine.history import day_totals, history
from storemon_core.engine.period import PeriodError, period_of
from storemon_core.engine.uptime import uptime_report
from storemon_core.engine.zones import local_midnights

# Polls fall in the ten days after each start: the first holds the US spring change
# (2024-03-10), the second the autumn one (2024-11-03).
STARTS = [datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 10, 28, tzinfo=UTC)]
SPAN_MINUTES = 10 * 24 * 60
FIELDS = ("business_hours", "uptime", "downtime", "unobserved")


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)  # fold=0, as SPEC reads it


def reference_history(data: Generated, first: date, last: date, now: datetime) -> list[tuple]:
    """Rows (store_id, date, business, up, down, unobserved hours, polls), SPEC's order."""
    rows = []
    for sid in sorted(data.zone_of):
        polls, shifts, zone = data.store(sid)
        start = midnight(first, zone)
        end = min(midnight(last + timedelta(days=1), zone), now)
        if start >= now or not any(t <= end for t, _ in polls):
            continue
        window = ReferenceWindow(polls, shifts, zone, start, end)
        day = first
        while day <= last and midnight(day, zone) < end:
            lo, hi = midnight(day, zone), midnight(day + timedelta(days=1), zone)
            counted = window.seconds(lo, min(hi, end))
            rows.append((sid, day, *(counted[k] / 3600 for k in
                                     ("business", "up", "down", "unobserved")),
                         sum(lo <= p < hi for p in window.instants)))
            day += timedelta(days=1)
    return rows


def engine_rows(daily: pd.DataFrame) -> list[tuple]:
    return [(str(r.store_id), r.date.date(), r.business_hours, r.uptime, r.downtime,
             r.unobserved, r.polls) for r in daily.itertuples()]


def assert_rows_match(got: list[tuple], expected: list[tuple]) -> None:
    assert [r[:2] for r in got] == [r[:2] for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine[2:6] == pytest.approx(theirs[2:6], abs=1e-6), mine[:2]
        assert mine[6] == theirs[6], mine[:2]


period_start = st.integers(-2, 10)
period_days = st.integers(1, 9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores=st.lists(store, min_size=1, max_size=4), start=st.sampled_from(STARTS),
       offset=period_start, days=period_days,
       as_of_minute=st.one_of(st.none(), minute))
def test_history_equals_reference(stores: list[dict], start: datetime, offset: int, days: int,
                                  as_of_minute: int | None) -> None:
    data = generate(stores, start)
    as_of = None if as_of_minute is None else start + timedelta(minutes=as_of_minute)
    now = as_of or max(t for _, t, _ in data.poll_rows)
    first = start.date() + timedelta(days=offset)
    last = first + timedelta(days=days - 1)
    if first > now.date():
        with pytest.raises(PeriodError):
            history(data.polls, data.business_hours, data.timezones, first, last, as_of)
        return

    result = history(data.polls, data.business_hours, data.timezones, first, last, as_of)
    expected = reference_history(data, first, last, now)
    assert_rows_match(engine_rows(result.daily), expected)

    # The period is the sum of its days; uptime_pct follows from its sums.
    totals = result.totals
    assert list(totals["store_id"]) == sorted({r[0] for r in expected})
    for r in totals.itertuples():
        mine = [e for e in expected if e[0] == r.store_id]
        sums = [sum(e[i] for e in mine) for i in range(2, 7)]
        assert [r.business_hours, r.uptime, r.downtime, r.unobserved] == pytest.approx(
            sums[:4], abs=1e-6)
        assert r.polls == sums[4]
        counted = r.uptime + r.downtime
        if counted == 0:
            assert pd.isna(r.uptime_pct)
        else:
            assert r.uptime_pct == pytest.approx(100 * r.uptime / counted)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores=st.lists(store, min_size=1, max_size=4), start=st.sampled_from(STARTS),
       offset=st.integers(0, 6), days=period_days, more=st.integers(1, 4))
def test_rows_away_from_the_edges_equal_those_of_longer_periods(
        stores: list[dict], start: datetime, offset: int, days: int, more: int) -> None:
    # What a database keeping day totals relies on: a date not near_end is the same
    # in any longer period with the same first date, one not near_start in any
    # period with the same end that starts earlier.
    data = generate(stores, start)
    as_of = start + timedelta(minutes=SPAN_MINUTES)
    first = start.date() + timedelta(days=offset)
    last = first + timedelta(days=days - 1)

    def totals(a: date, b: date) -> pd.DataFrame:
        frame = day_totals(data.polls, data.business_hours, data.timezones,
                           period_of(a, b, as_of))
        return frame.assign(store_id=frame["store_id"].astype(str)).set_index(
            ["store_id", "date"])

    numbers = ["business_us", "uptime_us", "downtime_us", "unobserved_us", "polls"]
    short = totals(first, last)
    longer = totals(first, last + timedelta(days=more))
    inner = short.loc[~short["near_end"], numbers]
    assert longer.loc[inner.index, numbers].equals(inner)
    earlier = totals(first - timedelta(days=more), last)
    inner = short.loc[~short["near_start"], numbers]
    assert earlier.loc[inner.index, numbers].equals(inner)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores=st.lists(store, min_size=1, max_size=4), start=st.sampled_from(STARTS),
       zone=st.sampled_from(["UTC", "Asia/Kolkata", "America/Chicago", "Australia/Lord_Howe"]),
       end_day=st.integers(7, 10))
def test_a_week_of_dates_ending_at_as_of_is_the_reports_week(
        stores: list[dict], start: datetime, zone: str, end_day: int) -> None:
    # SPEC: the period's window is its dates, the report's is [now - 7 d, now]. They are
    # the same stretch when every store is in one zone, now is a local midnight and no
    # clock change falls in the week; then the numbers must agree.
    for s in stores:
        s.update(zone=zone, zone_known=True)
    data = generate(stores, start)
    tz = ZoneInfo(zone)
    last = start.date() + timedelta(days=end_day - 1)
    first = last - timedelta(days=6)
    now = midnight(last + timedelta(days=1), tz)
    assume(midnight(first, tz) == now - timedelta(days=7))

    report = uptime_report(data.polls, data.business_hours, data.timezones, as_of=now)
    totals = history(data.polls, data.business_hours, data.timezones, first, last, now).totals
    assert list(totals["store_id"]) == list(report["store_id"])
    for mine, week in zip(totals.itertuples(), report.itertuples(), strict=True):
        assert [mine.business_hours, mine.uptime, mine.downtime, mine.unobserved] == \
            pytest.approx([week.business_hours_last_week, week.uptime_last_week,
                           week.downtime_last_week, week.unobserved_last_week], abs=1e-6)
        # The week holds an in-hours poll exactly at now; the dates leave it to the next.
        at_now = now in ReferenceWindow(*data.store(mine.store_id), now, now).status
        assert week.polls_last_week == mine.polls + at_now


ODD_ZONES = ["America/Chicago", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Apia",
             "America/Sao_Paulo", "America/Havana", "Asia/Gaza", "Europe/Moscow", "UTC"]


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ODD_ZONES),
       first=st.dates(min_value=date(1970, 1, 2), max_value=date(2199, 12, 1)),
       days=st.integers(1, 40))
def test_local_midnights_are_zoneinfos(zone: str, first: date, days: int) -> None:
    # Zones whose clocks changed at midnight (Sao Paulo, Havana, Gaza) or skipped a
    # whole date (Apia, 2011-12-30); transitions are found day by day and kept.
    offset = (first - date(1970, 1, 1)).days
    got = local_midnights(np.array([zone], dtype=object),
                          np.arange(offset, offset + days, dtype=np.int64))[0]
    tz = ZoneInfo(zone)
    expected = [int(midnight(first + timedelta(days=k), tz).timestamp()) * 10**6
                for k in range(days)]
    assert got.tolist() == expected


def test_the_day_apia_skipped() -> None:
    # Samoa went from UTC-10 to UTC+14 at the end of 2011-12-29: 2011-12-30 never began;
    # read with the offset before the change, its midnight is 2011-12-31 00:00 local.
    day = (date(2011, 12, 30) - date(1970, 1, 1)).days
    got = local_midnights(np.array(["Pacific/Apia"], dtype=object),
                          np.array([day, day + 1], dtype=np.int64))[0]
    assert got.tolist() == [int(datetime(2011, 12, 30, 10, tzinfo=UTC).timestamp()) * 10**6,
                            int(datetime(2011, 12, 30, 10, tzinfo=UTC).timestamp()) * 10**6]
