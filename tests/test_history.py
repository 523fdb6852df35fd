"""SPEC.md "History: any period, day by day", worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import hours, polls, zones

from storemon_core.engine.history import (
    DAILY_COLUMNS,
    PERIOD_COLUMNS,
    History,
    daily_frame,
    day_totals,
    history,
    period_for,
    period_frame,
)
from storemon_core.engine.period import MAX_PERIOD_DAYS, PeriodError, period_of
from storemon_core.output.history_csv import (
    daily_as_read,
    daily_csv,
    period_as_read,
    period_csv,
    read_daily_csv,
    read_period_csv,
)


def hourly(store_id: str, first: str, last: str, status: str = "active") -> list[tuple[str, str,
                                                                                     str]]:
    return [(store_id, f"{t:%Y-%m-%d %H:%M}", status)
            for t in pd.date_range(first, last, freq="h")]


def days_of(result: History, store_id: str) -> pd.DataFrame:
    mine = result.daily.loc[result.daily["store_id"] == store_id]
    return mine.assign(date=mine["date"].dt.strftime("%Y-%m-%d")).set_index("date")


def totals_of(result: History, store_id: str) -> pd.Series:
    found = result.totals.loc[result.totals["store_id"] == store_id]
    assert len(found) == 1
    return found.iloc[0]


def test_round_the_clock_chicago_store_over_the_spring_forward_week() -> None:
    # Sunday 2024-03-10 skips 02:00-03:00 in Chicago: a 23-hour date.
    data = polls(*hourly("c", "2024-03-01 00:00", "2024-03-12 00:00"))
    result = history(data, hours(), zones(c="America/Chicago"), "2024-03-04", "2024-03-10")
    days = days_of(result, "c")
    assert list(days.index) == [f"2024-03-{d:02d}" for d in range(4, 11)]
    assert list(days["business_hours"]) == [24] * 6 + [23]
    assert list(days["polls"]) == [24] * 6 + [23]
    assert list(days["uptime"]) == list(days["business_hours"])
    assert (days["downtime"] == 0).all() and (days["unobserved"] == 0).all()
    total = totals_of(result, "c")
    assert (total.business_hours, total.uptime, total.polls) == (167, 167, 167)
    assert total.uptime_pct == 100


def test_round_the_clock_chicago_store_over_the_fall_back_week() -> None:
    # Sunday 2024-11-03 repeats 01:00-02:00: a 25-hour date.
    data = polls(*hourly("c", "2024-10-25 00:00", "2024-11-06 00:00", "inactive"))
    result = history(data, hours(), zones(c="America/Chicago"), "2024-10-28", "2024-11-03")
    days = days_of(result, "c")
    assert list(days["business_hours"]) == [24] * 6 + [25]
    assert days.loc["2024-11-03", "polls"] == 25
    assert days.loc["2024-11-03", "downtime"] == 25
    assert totals_of(result, "c").uptime_pct == 0


def test_kolkata_midnight_and_polls_exactly_at_midnights() -> None:
    # Asia/Kolkata is UTC+05:30: the date 2024-03-11 is [03-10 18:30, 03-11 18:30) UTC.
    data = polls(("k", "2024-03-10 18:29", "inactive"),  # 23:59 on the 10th: not in the window
                 ("k", "2024-03-10 18:30", "active"),  # midnight starting the 11th
                 ("k", "2024-03-11 18:30", "inactive"))  # midnight ending it: in the window
    result = history(data, hours(), zones(k="Asia/Kolkata"), "2024-03-11", "2024-03-11",
                     as_of="2024-03-12 00:00")
    day = days_of(result, "k").loc["2024-03-11"]
    assert day.business_hours == 24
    # The two polls share the day at their midpoint, 06:30 UTC (12:00 local).
    assert (day.uptime, day.downtime) == (12, 12)
    # The closing midnight's poll speaks for the window, but is taken on the 12th.
    assert day.polls == 1
    assert day.unobserved == 22  # an hour after the first poll, an hour before the last


def test_poll_at_local_midnight_is_taken_on_the_later_date() -> None:
    # 2024-03-12 00:00 CDT is 05:00 UTC.
    data = polls(("m", "2024-03-11 17:00", "active"), ("m", "2024-03-12 05:00", "inactive"))
    result = history(data, hours(), zones(m="America/Chicago"), "2024-03-11", "2024-03-12",
                     as_of="2024-03-13 12:00")
    days = days_of(result, "m")
    assert list(days["polls"]) == [1, 1]
    # Midpoint 23:00 UTC = 18:00 CDT on the 11th.
    assert days.loc["2024-03-11", "uptime"] == 18
    assert days.loc["2024-03-11", "downtime"] == 6


def test_overnight_shift_is_split_at_local_midnight() -> None:
    # Friday 22:00-02:00 in Chicago (CDT, UTC-5). Polls Fri 23:00 (active), Sat 01:30
    # (inactive); their midpoint is Sat 00:15.
    data = polls(("o", "2024-03-16 04:00", "active"), ("o", "2024-03-16 06:30", "inactive"))
    result = history(data, hours(("o", 4, "22:00", "02:00")), zones(o="America/Chicago"),
                     "2024-03-15", "2024-03-16", as_of="2024-03-17 12:00")
    friday, saturday = (days_of(result, "o").loc[d] for d in ("2024-03-15", "2024-03-16"))
    assert (friday.business_hours, friday.uptime, friday.downtime) == (2, 2, 0)
    assert (saturday.business_hours, saturday.uptime, saturday.downtime) == (2, 0.25, 1.75)
    assert (friday.polls, saturday.polls) == (1, 1)
    # Sat 00:00-00:30 is more than an hour from both polls.
    assert (friday.unobserved, saturday.unobserved) == (0, 0.5)


def test_a_date_closed_all_day_has_a_row_of_zeros() -> None:
    data = polls(("z", "2024-03-11 10:00", "active"))
    result = history(data, hours(("z", 0, "09:00", "17:00")), zones(z="UTC"),
                     "2024-03-11", "2024-03-13", as_of="2024-03-14 00:00")
    days = days_of(result, "z")
    assert list(days.index) == ["2024-03-11", "2024-03-12", "2024-03-13"]
    closed = days.loc[["2024-03-12", "2024-03-13"], DAILY_COLUMNS[2:]]
    assert (closed == 0).all().all()
    assert days.loc["2024-03-11", "uptime"] == 8


def test_store_whose_only_polls_are_before_the_period() -> None:
    data = polls(("old", "2024-03-01 10:00", "active"), ("new", "2024-03-12 10:00", "active"),
                 ("later", "2024-03-14 10:00", "active"))  # after the period: not in it
    result = history(data, hours(), zones(old="UTC", new="UTC", later="UTC"),
                     "2024-03-11", "2024-03-12", as_of="2024-03-14 12:00")
    assert list(result.totals["store_id"]) == ["new", "old"]
    old = totals_of(result, "old")
    assert (old.business_hours, old.uptime, old.downtime, old.unobserved, old.polls) == (
        48, 0, 0, 48, 0)
    assert pd.isna(old.uptime_pct)
    assert period_csv(result.totals).splitlines()[2] == "old,48.00,0.00,0.00,48.00,,0"


def test_as_of_inside_the_period_ends_every_window_there() -> None:
    # 2024-03-13 12:00 UTC is 07:00 in Chicago: that date has 7 hours, later dates no row.
    data = polls(*hourly("c", "2024-03-10 00:00", "2024-03-13 12:00"))
    result = history(data, hours(), zones(), "2024-03-11", "2024-03-17")
    assert result.period.as_of == pd.Timestamp("2024-03-13 12:00", tz="UTC")
    days = days_of(result, "c")
    assert list(days.index) == ["2024-03-11", "2024-03-12", "2024-03-13"]
    assert list(days["business_hours"]) == [24, 24, 7]
    assert days.loc["2024-03-13", "polls"] == 8  # 05:00 ... 12:00 UTC, as_of included


def test_a_window_starting_at_or_after_as_of_leaves_the_store_out() -> None:
    # At 02:00 UTC on 03-11 the 11th has begun in Kolkata (18:30 UTC the day before)
    # but not in Chicago (05:00 UTC).
    data = polls(("chi", "2024-03-11 01:00", "active"), ("kol", "2024-03-11 01:00", "active"),
                 ("kol", "2024-03-11 02:00", "active"))
    result = history(data, hours(), zones(chi="America/Chicago", kol="Asia/Kolkata"),
                     "2024-03-11", "2024-03-11")
    assert list(result.totals["store_id"]) == ["kol"]
    assert totals_of(result, "kol").business_hours == 7.5


def test_unobserved_time_around_a_day_without_polls() -> None:
    # Hourly on the 11th (active) and the 13th (inactive), nothing on the 12th (UTC).
    data = polls(*hourly("u", "2024-03-11 00:00", "2024-03-11 23:00"),
                 *hourly("u", "2024-03-13 00:00", "2024-03-13 23:00", "inactive"))
    result = history(data, hours(), zones(u="UTC"), "2024-03-11", "2024-03-13",
                     as_of="2024-03-14 00:00")
    days = days_of(result, "u")
    # The 11th's last poll (23:00) observes up to midnight, the 13th's first (00:00) the
    # 12th's last hour; their midpoint, 11:30 on the 12th, splits its status.
    quiet = days.loc["2024-03-12"]
    assert (quiet.unobserved, quiet.uptime, quiet.downtime, quiet.polls) == (23, 11.5, 12.5, 0)
    assert days.loc["2024-03-11", "unobserved"] == 0
    assert days.loc["2024-03-13", "unobserved"] == 0
    assert totals_of(result, "u").unobserved == 23


@pytest.mark.parametrize(("first", "last", "as_of", "words"), [
    ("2024-03-12", "2024-03-13", "2024-03-11 23:59", "after the as-of date"),
    ("2024-03-11", "2024-03-10", None, "before first"),
    ("2024-3-11", "2024-03-12", None, "YYYY-MM-DD"),
    ("2024-02-30", "2024-03-12", None, "not a date"),
    ("2023-01-01", "2024-03-11", None, f"at most {MAX_PERIOD_DAYS}"),
])
def test_bad_periods_are_refused_with_a_reason(first: str, last: str, as_of: str | None,
                                               words: str) -> None:
    data = polls(("s", "2024-03-11 10:00", "active"))
    with pytest.raises(PeriodError, match=words):
        history(data, hours(), zones(), first, last, as_of=as_of)


def test_first_on_the_utc_date_of_as_of_is_allowed() -> None:
    data = polls(("s", "2024-03-11 10:00", "active"))
    result = history(data, hours(), zones(s="UTC"), "2024-03-11", "2024-03-11")
    assert totals_of(result, "s").business_hours == 10


def test_no_polls_give_empty_csvs_with_their_headers() -> None:
    result = history(polls(), hours(), zones(), "2024-03-11", "2024-03-12")
    assert daily_csv(result.daily) == ",".join(DAILY_COLUMNS) + "\n"
    assert period_csv(result.totals) == ",".join(PERIOD_COLUMNS) + "\n"


def test_csvs_are_sorted_by_id_as_text_and_the_period_sums_its_days() -> None:
    ids = ["b", "B", "a", "10", "9"]
    data = polls(*[r for i in ids for r in hourly(i, "2024-03-10 00:00", "2024-03-12 06:00")],
                 ("9", "2024-03-11 06:20", "inactive"))
    result = history(data, hours(), zones(), "2024-03-10", "2024-03-11")
    daily = daily_csv(result.daily).splitlines()
    assert daily[0] == ",".join(DAILY_COLUMNS)
    assert [line.split(",")[:2] for line in daily[1:]] == [
        [i, d] for i in sorted(ids) for d in ("2024-03-10", "2024-03-11")]
    # 06:20 conflicts with nothing; it speaks from 06:10 to 06:40 UTC on the 11th.
    assert daily[4] == "9,2024-03-11,24.00,23.50,0.50,0.00,25"
    period = period_csv(result.totals).splitlines()
    assert period[0] == ",".join(PERIOD_COLUMNS)
    assert period[2] == "9,47.00,46.50,0.50,0.00,98.94,48"


def test_day_totals_from_anywhere_give_the_same_rows() -> None:
    # A database returns day totals in its own order, ids as plain text.
    data = polls(*hourly("x", "2024-03-10 00:00", "2024-03-12 06:00"),
                 *hourly("a", "2024-03-10 00:00", "2024-03-12 06:00", "inactive"))
    totals = day_totals(data, hours(), zones(), period_for(data, "2024-03-10", "2024-03-11"))
    shuffled = totals.sample(frac=1, random_state=3)
    shuffled = shuffled.assign(store_id=shuffled["store_id"].astype(str))
    assert daily_csv(daily_frame(shuffled)) == daily_csv(daily_frame(totals))
    assert period_csv(period_frame(shuffled)) == period_csv(period_frame(totals))


def test_edge_days_are_flagged_where_a_longer_period_differs() -> None:
    # An inactive poll at 23:50 before the period, an active one at 00:30 on its first
    # date: from the 11th, 00:00-00:30 is the active poll's; from the 10th, the
    # inactive one speaks up to their midpoint, 00:10 on the 11th.
    data = polls(("e", "2024-03-10 23:50", "inactive"), ("e", "2024-03-11 00:30", "active"),
                 ("e", "2024-03-12 12:00", "active"))
    args = (data, hours(), zones(e="UTC"))
    short = day_totals(*args, period_of("2024-03-11", "2024-03-12", "2024-03-13 00:00"))
    longer = day_totals(*args, period_of("2024-03-10", "2024-03-12", "2024-03-13 00:00"))
    assert list(short["near_start"]) == [True, False]
    assert list(short["near_end"]) == [False, True]  # after the last poll, 12:00 on the 12th
    minute = 60 * 10**6
    assert (short.iloc[0]["uptime_us"], short.iloc[0]["downtime_us"]) == (24 * 60 * minute, 0)
    assert (longer.iloc[1]["uptime_us"], longer.iloc[1]["downtime_us"]) == (
        (24 * 60 - 10) * minute, 10 * minute)
    numbers = ["business_us", "uptime_us", "downtime_us", "unobserved_us", "polls"]
    assert short.iloc[1][numbers].equals(longer.iloc[2][numbers])
    assert list(short["first_poll_utc"]) == [pd.Timestamp("2024-03-11 00:30", tz="UTC"),
                                             pd.Timestamp("2024-03-12 12:00", tz="UTC")]
    assert list(short["last_poll_utc"]) == list(short["first_poll_utc"])


def test_csvs_quote_only_ids_that_need_it_and_read_back() -> None:
    import io

    data = polls(("comma,id", "2024-03-11 10:00", "active"), ("plain", "2024-03-11 10:00",
                                                               "active"))
    result = history(data, hours(), zones(), "2024-03-11", "2024-03-11")
    text = daily_csv(result.daily)
    assert '\n"comma,id",2024-03-11,' in text and "\nplain,2024-03-11," in text
    back = pd.read_csv(io.StringIO(text), dtype={"store_id": str, "date": str})
    assert back["store_id"].tolist() == ["comma,id", "plain"]
    assert back["date"].tolist() == ["2024-03-11"] * 2
    assert pd.read_csv(io.StringIO(period_csv(result.totals)))["store_id"].tolist() == [
        "comma,id", "plain"]


def test_csvs_read_back_into_the_rows_they_were_written_from() -> None:
    data = polls(*hourly("comma,id", "2024-03-10 00:00", "2024-03-12 06:00"),
                 *hourly("007", "2024-03-10 00:00", "2024-03-11 03:00", "inactive"),
                 ("9", "2024-03-11 06:20", "inactive"))
    result = history(data, hours(), zones(), "2024-03-10", "2024-03-12")
    daily, period = daily_csv(result.daily), period_csv(result.totals)
    daily_back, period_back = read_daily_csv(daily), read_period_csv(period)
    assert daily_csv(daily_back) == daily and period_csv(period_back) == period
    assert list(daily_back.dtypes.astype(str)) == list(result.daily.dtypes.astype(str))
    assert list(period_back.dtypes.astype(str)) == list(result.totals.dtypes.astype(str))
    assert period_back["store_id"].tolist() == ["007", "9", "comma,id"]  # text, zeros kept
    # Hours come back as the CSV rounds them.
    assert (daily_back["uptime"] - result.daily["uptime"]).abs().max() <= 0.005
    empty = history(polls(), hours(), zones(), "2024-03-11", "2024-03-12")
    assert read_daily_csv(daily_csv(empty.daily)).empty
    assert read_period_csv(period_csv(empty.totals)).empty
    with pytest.raises(ValueError, match="expected the columns"):
        read_period_csv(daily)


def test_daily_rows_as_read_are_the_daily_csv_read_back() -> None:
    """A counted period's daily rows skip the text: they equal its daily CSV read
    back, dtypes, rounding at the half hundredth and categories included."""
    data = polls(*hourly("comma,id", "2024-03-10 00:00", "2024-03-12 06:00"),
                 *hourly("007", "2024-03-10 00:20", "2024-03-11 03:10", "inactive"),
                 ("b", "2024-03-11 06:20", "inactive"), ("a", "2024-03-12 11:07", "active"))
    result = history(data, hours(), zones(), "2024-03-10", "2024-03-12")
    pd.testing.assert_frame_equal(daily_as_read(result.daily),
                                  read_daily_csv(daily_csv(result.daily)))
    # Halves of a hundredth, and ids the rows no longer hold, in any category order.
    halves = result.daily.assign(uptime=[0.005, 0.015, 2.675, 1 / 3] * (len(result.daily) // 4)
                                 + [0.125] * (len(result.daily) % 4))
    ids = halves["store_id"].cat.add_categories(["zz", "0"])
    halves["store_id"] = ids.cat.reorder_categories(list(ids.cat.categories)[::-1])
    pd.testing.assert_frame_equal(daily_as_read(halves), read_daily_csv(daily_csv(halves)))
    empty = history(polls(), hours(), zones(), "2024-03-11", "2024-03-12").daily
    pd.testing.assert_frame_equal(daily_as_read(empty), read_daily_csv(daily_csv(empty)))


def test_period_rows_as_read_are_the_period_csv_read_back() -> None:
    """As the daily rows: a counted period's rows per store equal its period CSV read
    back, an empty uptime % and halves of a hundredth included."""
    data = polls(*hourly("comma,id", "2024-03-10 00:00", "2024-03-12 06:00"),
                 *hourly("007", "2024-03-10 00:20", "2024-03-11 03:10", "inactive"),
                 ("b", "2024-03-11 06:20", "inactive"), ("a", "2024-03-12 11:07", "active"),
                 ("shut", "2024-03-11 10:00", "active"))
    # Open on Thursdays only: no business hours from Sunday to Tuesday.
    result = history(data, hours(("shut", 3, "09:00", "17:00")), zones(), "2024-03-10",
                     "2024-03-12")
    assert result.totals["uptime_pct"].isna().any()
    pd.testing.assert_frame_equal(period_as_read(result.totals),
                                  read_period_csv(period_csv(result.totals)))
    halves = result.totals.assign(uptime=[0.005, 0.015, 2.675, 1 / 3, 0.125])
    pd.testing.assert_frame_equal(period_as_read(halves), read_period_csv(period_csv(halves)))
    empty = history(polls(), hours(), zones(), "2024-03-11", "2024-03-12").totals
    pd.testing.assert_frame_equal(period_as_read(empty), read_period_csv(period_csv(empty)))
