"""Every example and rule of SPEC.md, with the expected numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import hours, polls, row, zones

from storemon_core.engine.uptime import REPORT_COLUMNS, uptime_report
from storemon_core.output import csv_text as csv_text_module
from storemon_core.output.report_csv import report_csv

H = 1.0  # hours
MIN = 1 / 60  # an hour's worth of minutes, in hours


def test_spec_example_monday_morning() -> None:
    # Chicago is on CDT (UTC-5) on 2024-03-11: 10:14 and 11:15 local are 15:14 and 16:15 UTC.
    report = uptime_report(
        polls(("s", "2024-03-11 15:14", "active"), ("s", "2024-03-11 16:15", "inactive")),
        hours(("s", 0, "09:00", "12:00")),
        zones(s="America/Chicago"),
    )
    r = row(report, "s")
    # The 10:14 poll speaks for 09:00-10:44:30, the 11:15 poll for 10:44:30-12:00.
    assert r.uptime_last_hour == pytest.approx(29.5, abs=1e-6)  # 10:15-10:44:30
    assert r.downtime_last_hour == pytest.approx(30.5, abs=1e-6)  # 10:44:30-11:15
    assert r.uptime_last_day == pytest.approx(1 + 44.5 / 60, abs=1e-6)
    assert r.downtime_last_day == pytest.approx(30.5 / 60, abs=1e-6)
    # The week starts Monday 2024-03-04 10:15 CST: that morning adds 1.75 h, spoken for
    # by the first poll of the week.
    assert r.uptime_last_week == pytest.approx(1.75 + 1 + 44.5 / 60, abs=1e-6)
    assert r.downtime_last_week == pytest.approx(30.5 / 60, abs=1e-6)
    assert report_csv(report).splitlines()[1] == "s,29.50,1.74,3.49,30.50,0.51,0.51"


def test_saturday_night_shift_on_spring_forward_lasts_four_hours() -> None:
    # Sat 2024-03-09 22:00 CST = Sun 04:00 UTC; Sun 03:00 CDT = 08:00 UTC.
    report = uptime_report(
        polls(("s", "2024-03-10 05:00", "active")),
        hours(("s", 5, "22:00", "03:00")),
        zones(s="America/Chicago"),
        as_of="2024-03-10 18:00",
    )
    r = row(report, "s")
    assert r.business_hours_last_week == pytest.approx(4 * H)
    assert r.uptime_last_week == pytest.approx(4 * H)
    assert r.uptime_last_day == pytest.approx(4 * H)
    assert r.downtime_last_week == 0


def test_fall_back_night_counts_the_repeated_hour_once() -> None:
    # Sat 2024-11-02 22:00 CDT = Nov 3 03:00 UTC; Sun 03:00 CST = 09:00 UTC: 6 hours.
    # Sunday 01:00-01:30 is its first occurrence (CDT): 06:00-06:30 UTC.
    report = uptime_report(
        polls(
            ("night", "2024-11-03 04:00", "inactive"),
            ("early", "2024-11-03 06:15", "active"),
            ("late", "2024-11-03 07:15", "active"),  # 01:15 CST, the second 01:15
        ),
        hours(("night", 5, "22:00", "03:00"), ("early", 6, "01:00", "01:30"),
              ("late", 6, "01:00", "01:30")),
        zones(night="America/Chicago", early="America/Chicago", late="America/Chicago"),
        as_of="2024-11-03 12:00",
    )
    assert row(report, "night").downtime_last_week == pytest.approx(6 * H)
    assert row(report, "early").uptime_last_week == pytest.approx(0.5 * H)
    late = row(report, "late")
    assert late.business_hours_last_week == pytest.approx(0.5 * H)
    assert (late.polls_last_week, late.uptime_last_week, late.downtime_last_week) == (0, 0, 0)


def test_half_hour_zone_opening_included_closing_excluded() -> None:
    # Asia/Kolkata is UTC+05:30: Monday 09:00-17:00 IST is 03:30-11:30 UTC.
    report = uptime_report(
        polls(
            ("k", "2024-03-11 03:30", "inactive"),  # the opening instant: in hours
            ("k", "2024-03-11 07:30", "active"),
            ("k", "2024-03-11 11:30", "inactive"),  # the closing instant: not in hours
        ),
        hours(("k", 0, "09:00", "17:00")),
        zones(k="Asia/Kolkata"),
        as_of="2024-03-11 12:00",
    )
    r = row(report, "k")
    assert r.polls_last_day == 2
    assert r.downtime_last_day == pytest.approx(2 * H)  # 03:30 to the midpoint 05:30
    assert r.uptime_last_day == pytest.approx(6 * H)  # 05:30-11:30
    assert r.uptime_last_hour == pytest.approx(30)  # 11:00-11:30, in minutes
    assert r.downtime_last_hour == 0


def test_overnight_shift_across_the_week_window_start() -> None:
    # Monday 22:00-02:00 Chicago. The week is [Tue 2024-03-12 01:00 CDT, Tue 03-19 01:00 CDT].
    report = uptime_report(
        polls(("o", "2024-03-12 06:30", "inactive"), ("o", "2024-03-19 04:00", "active")),
        hours(("o", 0, "22:00", "02:00")),
        zones(o="America/Chicago"),
        as_of="2024-03-19 06:00",
    )
    r = row(report, "o")
    # 01:00-02:00 of the shift that began Mar 11, and 22:00-01:00 of the one that began Mar 18.
    assert r.business_hours_last_week == pytest.approx(4 * H)
    assert r.downtime_last_week == pytest.approx(1 * H)
    assert r.uptime_last_week == pytest.approx(3 * H)


def test_overlapping_shifts_count_once() -> None:
    report = uptime_report(
        polls(("u", "2024-03-11 10:00", "active")),
        hours(("u", 0, "09:00", "12:00"), ("u", 0, "11:00", "14:00"), ("u", 0, "13:00", "13:30")),
        zones(u="UTC"),
        as_of="2024-03-11 20:00",
    )
    assert row(report, "u").business_hours_last_week == pytest.approx(5 * H)
    assert row(report, "u").uptime_last_week == pytest.approx(5 * H)


def test_weekdays_without_rows_are_closed() -> None:
    report = uptime_report(
        polls(("m", "2024-03-11 10:00", "inactive"), ("m", "2024-03-12 12:00", "active")),
        hours(("m", 0, "09:00", "17:00")),
        zones(m="UTC"),
        as_of="2024-03-13 12:00",
    )
    r = row(report, "m")
    assert r.business_hours_last_week == pytest.approx(8 * H)  # Monday the 11th only
    assert r.polls_last_week == 1  # Tuesday's poll is outside business hours
    assert r.downtime_last_week == pytest.approx(8 * H)
    assert r.uptime_last_week == 0


def test_store_without_rows_is_open_all_week() -> None:
    report = uptime_report(polls(("a", "2024-03-11 10:00", "active")), hours(), zones())
    r = row(report, "a")
    assert r.business_hours_last_week == pytest.approx(7 * 24 * H)
    assert (r.uptime_last_hour, r.uptime_last_day, r.uptime_last_week) == pytest.approx(
        (60, 24, 168))


def test_missing_or_unknown_zone_reads_as_chicago() -> None:
    # Monday 09:00-10:00 in Chicago (CDT) is 14:00-15:00 UTC.
    data = polls(("z", "2024-03-11 14:30", "active"), ("z", "2024-03-11 09:30", "inactive"),
                 ("y", "2024-03-11 14:30", "active"))
    report = uptime_report(data, hours(("z", 0, "09:00", "10:00"), ("y", 0, "09:00", "10:00")),
                           zones(y="Mars/Olympus_Mons"), as_of="2024-03-11 16:00")
    for store in ("z", "y"):
        r = row(report, store)
        assert r.timezone_str == "America/Chicago"
        assert r.polls_last_week == 1
        assert r.uptime_last_week == pytest.approx(1 * H)


def test_exact_duplicate_polls_change_nothing() -> None:
    data = polls(("d", "2024-03-11 10:00", "active"), ("d", "2024-03-11 12:00", "inactive"))
    once = uptime_report(data, hours(), zones())
    twice = uptime_report(pd.concat([data, data, data]), hours(), zones())
    assert once.drop(columns=[c for c in once if c.startswith("polls_")]).equals(
        twice.drop(columns=[c for c in twice if c.startswith("polls_")]))
    assert row(twice, "d").polls_last_week == 2


def test_conflicting_polls_at_one_instant_count_as_one_inactive() -> None:
    report = uptime_report(
        polls(("c", "2024-03-11 10:00", "active"), ("c", "2024-03-11 10:00", "inactive")),
        hours(), zones())
    r = row(report, "c")
    assert r.uptime_last_week == 0
    assert r.downtime_last_week == pytest.approx(168 * H)
    assert r.polls_last_week == 1
    assert r.last_status == "inactive"


def test_store_without_in_hours_poll_has_zero_up_and_down() -> None:
    report = uptime_report(polls(("n", "2024-03-11 20:00", "active")),
                           hours(("n", 0, "09:00", "17:00")), zones(n="UTC"))
    r = row(report, "n")
    assert r.business_hours_last_week > 0
    assert (r.uptime_last_week, r.downtime_last_week, r.uptime_last_day) == (0, 0, 0)


def test_polls_after_as_of_are_ignored() -> None:
    early = polls(("p", "2024-03-11 10:00", "active"))
    late = polls(("p", "2024-03-11 11:00", "inactive"), ("q", "2024-03-11 11:00", "active"))
    with_late = uptime_report(pd.concat([early, late]), hours(), zones(), as_of="2024-03-11 10:30")
    without = uptime_report(early, hours(), zones(), as_of="2024-03-11 10:30")
    assert list(with_late["store_id"]) == ["p"]
    assert with_late.equals(without)
    assert row(with_late, "p").downtime_last_week == 0


def test_only_stores_with_polls_are_reported() -> None:
    report = uptime_report(polls(("polled", "2024-03-11 10:00", "active")),
                           hours(("hours_only", 0, "09:00", "17:00")),
                           zones(zone_only="UTC"))
    assert list(report["store_id"]) == ["polled"]


def test_store_with_only_old_polls_is_reported_with_zeros() -> None:
    report = uptime_report(
        polls(("old", "2024-03-01 10:00", "inactive"), ("new", "2024-03-11 10:00", "active")),
        hours(), zones())
    old = row(report, "old")
    assert (old.uptime_last_week, old.downtime_last_week) == (0, 0)
    assert old.last_status == "inactive"


def test_whole_day_row_lasts_23_hours_on_spring_forward() -> None:
    # Saturday 12:00 to the same local time on Sunday 2024-03-10, across the skipped hour.
    report = uptime_report(polls(("w", "2024-03-09 20:00", "active")),
                           hours(("w", 5, "12:00", "12:00")), zones(w="America/Chicago"),
                           as_of="2024-03-11 00:00")
    assert row(report, "w").business_hours_last_week == pytest.approx(23 * H)


def test_end_of_day_23_59_59_is_taken_literally() -> None:
    every_day = [("e", day, "00:00", "23:59:59") for day in range(7)]
    report = uptime_report(polls(("e", "2024-03-11 10:00", "active")), hours(*every_day),
                           zones(e="UTC"), as_of="2024-03-12 00:00")
    assert row(report, "e").business_hours_last_day == pytest.approx(24 - 1 / 3600)


def test_csv_has_exact_header_and_code_point_order() -> None:
    ids = ["b", "B", "a", "10", "9", "a-1", "a_1"]
    report = uptime_report(polls(*[(i, "2024-03-11 10:00", "active") for i in ids]),
                           hours(), zones())
    lines = report_csv(report).splitlines()
    assert lines[0] == ",".join(REPORT_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == sorted(ids)


def test_empty_polls_give_an_empty_report() -> None:
    report = uptime_report(polls(), hours(), zones())
    assert report.empty
    assert report_csv(report).strip() == ",".join(REPORT_COLUMNS)


def test_csv_quotes_only_ids_that_need_it_and_reads_back() -> None:
    import io

    ids = ['plain', 'comma,id', 'quote"id']
    report = uptime_report(polls(*[(i, "2024-03-11 10:00", "active") for i in ids]),
                           hours(), zones(), as_of="2024-03-11 10:30")
    text = report_csv(report, extended=True)
    assert "\nplain,60.00,24.00," in text and '\n"comma,id",60.00,24.00,' in text
    back = pd.read_csv(io.StringIO(text), dtype={"store_id": str})
    assert back["store_id"].tolist() == sorted(ids)
    assert back["last_poll_utc"].tolist() == ["2024-03-11 10:00:00.000000 UTC"] * 3


@pytest.mark.parametrize("rows, odd", [(csv_text_module.PARALLEL_ROWS + 3, None),
                                       (csv_text_module.PARALLEL_ROWS * 2 + 1, 'a,"b'),
                                       (7, None)])
def test_csv_text_written_in_parts_is_the_text_pandas_writes(rows: int, odd: str | None) -> None:
    """Many rows are formatted and written in parts side by side; the text is the
    one pandas writes of the same columns, quoting included (an id with a comma)."""
    ids = np.array([f"s{i % 997}" for i in range(rows)], dtype=object)
    if odd is not None:
        ids[rows // 2] = odd
    frame = pd.DataFrame({"store_id": ids, "hours": np.arange(rows) % 2500 / 100,
                          "polls": np.arange(rows) % 31})
    text = csv_text_module.csv_of(
        list(frame.columns),
        lambda c: (csv_text_module.two_decimals(frame[c]) if c == "hours" else
                   csv_text_module.whole_numbers(frame[c]) if c == "polls" else
                   csv_text_module.plain_text(frame[c])), len(frame))
    wanted = frame.assign(hours=frame["hours"].map("{:.2f}".format)).to_csv(
        index=False, lineterminator="\n")
    assert text == wanted
