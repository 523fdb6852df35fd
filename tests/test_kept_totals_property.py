"""Kept day totals against the direct computation: after every step of a random
sequence of loads, appends (late polls for earlier days among them) and replaced
hours or zones, the history read with kept totals equals the engine's history of
every poll loaded so far, for random periods and as-of instants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storemon_core.db import Database, day_totals, engine_days, poll_arrays
from storemon_core.db.history import read_history
from storemon_core.engine.history import history
from storemon_core.engine.period import PeriodError
from storemon_core.frames import Inputs, empty_business_hours, empty_polls, empty_timezones
from storemon_core.output.history_csv import daily_csv, period_csv

STORES = ["a", "b", "c"]
ZONES = ["America/Chicago", "Asia/Kolkata", "UTC", "Pacific/Auckland"]
# Eight days over the US autumn change (2024-11-03), in minutes.
START = pd.Timestamp("2024-10-30", tz="UTC")
SPAN_MINUTES = 8 * 24 * 60
FIRST_DATE = date(2024, 10, 29)

poll = st.tuples(st.sampled_from(STORES), st.integers(0, SPAN_MINUTES), st.booleans())
polls = st.lists(poll, min_size=1, max_size=25)
# A shift: day of week, start hour, length in hours (an end past midnight wraps).
shift = st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(1, 23))
shifts = st.lists(shift, max_size=4)  # none: open around the clock
step = st.one_of(
    st.tuples(st.just("append"), polls),
    st.tuples(st.just("append"), st.lists(poll, min_size=1, max_size=3)),  # an hourly append
    st.tuples(st.just("hours"), st.sampled_from(STORES), shifts),
    st.tuples(st.just("zone"), st.sampled_from(STORES), st.sampled_from(ZONES)),
)
period = st.tuples(st.integers(0, 9), st.integers(1, 5),
                   st.one_of(st.none(), st.integers(0, SPAN_MINUTES + 24 * 60)))


@dataclass
class Loaded:
    """Every input loaded so far, as the database should hold it."""

    polls: pd.DataFrame = field(default_factory=empty_polls)
    hours: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)

    def business_hours(self, only: list[str] | None = None) -> pd.DataFrame:
        rows = [(sid, day, start * 60, (start + length) % 24 * 60)
                for sid, kept in self.hours.items() if only is None or sid in only
                for day, start, length in kept]
        if not rows:
            return empty_business_hours()
        return pd.DataFrame({
            "store_id": pd.Series([r[0] for r in rows], dtype=object),
            "day_of_week": pd.Series([r[1] for r in rows], dtype="int8"),
            "start_time_local": pd.to_timedelta([r[2] for r in rows], unit="m")
            .as_unit("us"),
            "end_time_local": pd.to_timedelta([r[3] for r in rows], unit="m").as_unit("us"),
        })

    def timezones(self, only: list[str] | None = None) -> pd.DataFrame:
        chosen = [(s, z) for s, z in self.zones.items() if only is None or s in only]
        if not chosen:
            return empty_timezones()
        return pd.DataFrame({"store_id": pd.Series([s for s, _ in chosen], dtype=object),
                             "timezone_str": pd.Series([z for _, z in chosen], dtype=object)})


def poll_frame(drawn: list[tuple[str, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame({
        "store_id": pd.Series([p[0] for p in drawn], dtype=object),
        "timestamp_utc": pd.Series(START + pd.to_timedelta([p[1] for p in drawn], unit="m"))
        .dt.as_unit("us"),
        "active": pd.Series([p[2] for p in drawn], dtype=bool),
    })


def apply(db: Database, loaded: Loaded, change: tuple) -> None:
    if change[0] == "append":
        fresh = poll_frame(change[1])
        loaded.polls = pd.concat([loaded.polls, fresh], ignore_index=True)
        db.load(Inputs(polls=fresh))
    elif change[0] == "hours":
        # Some shifts (or none) open the store, otherwise around the clock: a
        # store's hours are replaced only by rows, so "none" writes one full day.
        loaded.hours[change[1]] = change[2] or [(0, 0, 24)]
        db.load(Inputs(business_hours=loaded.business_hours([change[1]])))
    else:
        loaded.zones[change[1]] = change[2]
        db.load(Inputs(timezones=loaded.timezones([change[1]])))


def check(db: Database, loaded: Loaded, chosen: tuple[int, int, int | None]) -> None:
    first = FIRST_DATE + timedelta(days=chosen[0])
    last = first + timedelta(days=chosen[1] - 1)
    as_of = None if chosen[2] is None else START + pd.Timedelta(minutes=chosen[2])
    try:
        expected = history(loaded.polls, loaded.business_hours(), loaded.timezones(),
                           first, last, as_of)
    except PeriodError:
        with pytest.raises(PeriodError):
            read_history(db, first, last, as_of)
        return
    got = read_history(db, first, last, as_of)
    assert daily_csv(got.daily) == daily_csv(expected.daily)
    assert period_csv(got.totals) == period_csv(expected.totals)
    # Exactly, not only to the CSVs' two decimals.
    numbers = ["business_hours", "uptime", "downtime", "unobserved", "polls"]
    assert got.daily[numbers].to_numpy().tolist() == expected.daily[numbers].to_numpy().tolist()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(first_polls=polls, zones=st.lists(st.sampled_from(ZONES), min_size=3, max_size=3),
       hours=st.lists(shifts, min_size=3, max_size=3),
       steps=st.lists(st.tuples(step, st.lists(period, min_size=1, max_size=2)), max_size=5),
       first_periods=st.lists(period, min_size=1, max_size=2))
# Found by this test: a Kolkata store whose only poll in the period's UTC range
# falls after its window's end is still listed, by its earlier poll.
@example(first_polls=[("a", 0, False), ("a", 6871, False)],
         zones=["Asia/Kolkata", "America/Chicago", "America/Chicago"], hours=[[], [], []],
         steps=[], first_periods=[(2, 4, None)])
@pytest.mark.parametrize("narrow", [False, True], ids=["as-configured", "narrow-upkeep"])
def test_kept_totals_equal_the_direct_computation_after_every_step(
    db: Database, first_polls: list, zones: list[str], hours: list, steps: list,
    first_periods: list, narrow: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if narrow:
        # The upkeep's shortcuts at their tightest: a day of kept dates read before
        # the changed polls, windows alike only when they start the same day, and
        # slices of a few polls, so that every fallback is taken.
        monkeypatch.setattr(day_totals, "RECENT_DAYS", 1)
        monkeypatch.setattr(engine_days, "ALIKE_DAYS", 0)
        monkeypatch.setattr(poll_arrays, "SLICE_WORK", 20)
    db.clear()
    loaded = Loaded(polls=poll_frame(first_polls))
    loaded.zones = dict(zip(STORES, zones, strict=True))
    loaded.hours = {sid: kept for sid, kept in zip(STORES, hours, strict=True) if kept}
    db.load(Inputs(polls=loaded.polls, business_hours=loaded.business_hours(),
                   timezones=loaded.timezones()))
    for chosen in first_periods:
        check(db, loaded, chosen)
    for change, periods in steps:
        apply(db, loaded, change)
        for chosen in periods:
            check(db, loaded, chosen)
