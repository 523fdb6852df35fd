"""CSV exports -> frames: what SPEC.md "Inputs" promises, row by row."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storemon_core.exports import (
    InputError,
    format_rejections,
    is_timezone,
    load_exports,
    read_business_hours,
    read_polls,
    read_timezones,
)
from storemon_core.exports import timestamps as ts
from tests.real_data import REAL_DATA, needs_real_data


def _bytes(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def _rejected_lines(rejected: pd.DataFrame) -> dict[int, str]:
    return dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))


# --------------------------------------------------------------------------- polls


def test_polls_good_rows_become_typed_frames() -> None:
    text = (
        "store_id,status,timestamp_utc\n"
        "8419537941919820732,active,2023-01-22 12:09:39.388884 UTC\n"
        "b5d0a65d-6d54-47aa-95e9-9312f0353326,inactive,2024-10-03T23:33:20Z\n"
        "007,ACTIVE,2023-01-22 12:09:39\n"
        "a.b:c_d-e,Inactive,2023-01-22 12:09:39.5 UTC\n"
    )
    polls, rejected, summary = read_polls(_bytes(text))
    assert list(polls.columns) == ["store_id", "timestamp_utc", "active"]
    assert str(polls["timestamp_utc"].dtype) == "datetime64[us, UTC]"
    assert polls["active"].dtype == bool
    # Ids are opaque text: the 19-digit number and the leading zeros survive untouched.
    assert polls["store_id"].tolist() == [
        "8419537941919820732",
        "b5d0a65d-6d54-47aa-95e9-9312f0353326",
        "007",
        "a.b:c_d-e",
    ]
    assert all(isinstance(s, str) for s in polls["store_id"])
    assert polls["active"].tolist() == [True, False, True, False]
    expected = [
        datetime(2023, 1, 22, 12, 9, 39, 388884, tzinfo=UTC),
        datetime(2024, 10, 3, 23, 33, 20, tzinfo=UTC),
        datetime(2023, 1, 22, 12, 9, 39, tzinfo=UTC),
        datetime(2023, 1, 22, 12, 9, 39, 500000, tzinfo=UTC),
    ]
    assert [t.to_pydatetime() for t in polls["timestamp_utc"]] == expected
    assert len(rejected) == 0
    assert (summary.read, summary.kept, summary.rejected) == (4, 4, 0)


def test_every_kind_of_bad_poll_is_set_aside_with_its_line() -> None:
    lines = [
        "store_id,status,timestamp_utc",  # 1
        "s1,active,2023-01-22 12:00:00 UTC",  # 2 good
        "bad id!,active,2023-01-22 12:00:00 UTC",  # 3 id with a space and "!"
        "=cmd(),active,2023-01-22 12:00:00 UTC",  # 4 formula-like id
        "x" * 65 + ",active,2023-01-22 12:00:00 UTC",  # 5 id too long
        ",active,2023-01-22 12:00:00 UTC",  # 6 empty id
        "s2,open,2023-01-22 12:00:00 UTC",  # 7 unknown status
        "s3,active,2023-02-30 12:00:00 UTC",  # 8 no such day
        "s4,active,2023-01-22 12:00:00.1234567 UTC",  # 9 seven fraction digits
        "s5,active,2023-01-22",  # 10 no time
        "s6,active,yesterday",  # 11
        "s7,active,2023-01-22 12:00:00 UTC,extra",  # 12 too many fields
        "s8,active",  # 13 too few fields
        "",  # 14 blank: skipped, not rejected
        "s9,inactive,2023-01-22 13:00:00 UTC",  # 15 good
        "s10,active,2023-01-22 24:00:00",  # 16 hour 24
        '"s11,active,2023-01-22 12:00:00',  # 17 a stray quote must not swallow lines
        "s12,active,2023-01-22 14:00:00",  # 18 good
    ]
    polls, rejected, summary = read_polls(_bytes("\n".join(lines) + "\n"), name="status.csv")
    assert polls["store_id"].tolist() == ["s1", "s9", "s12"]
    assert polls["active"].tolist() == [True, False, True]
    reasons = _rejected_lines(rejected)
    assert reasons == {
        3: "bad store_id",
        4: "bad store_id",
        5: "bad store_id",
        6: "bad store_id",
        7: "unknown status",
        8: "unparseable timestamp_utc",
        9: "unparseable timestamp_utc",
        10: "unparseable timestamp_utc",
        11: "unparseable timestamp_utc",
        12: "expected 3 fields but found 4",
        13: "expected 3 fields but found 2",
        16: "unparseable timestamp_utc",
        17: "bad store_id",
    }
    assert set(rejected["file"]) == {"status.csv"}
    # The raw text is kept for showing to a person.
    assert rejected.set_index("line").loc[7, "row"] == lines[6]
    assert rejected["line"].is_monotonic_increasing
    assert (summary.read, summary.kept, summary.rejected) == (16, 3, 13)


def test_an_impossible_date_deep_in_a_big_file_rejects_only_its_row() -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    rows = [
        f"s{i % 97},active,{(start + timedelta(seconds=37 * i)).strftime('%Y-%m-%d %H:%M:%S.%f')}"
        for i in range(40_000)
    ]
    rows[30_000] = "s1,active,2023-13-01 00:00:00"  # shaped right, but month 13
    text = "store_id,status,timestamp_utc\n" + "\n".join(rows) + "\n"
    polls, rejected, _ = read_polls(_bytes(text))
    assert _rejected_lines(rejected) == {30_002: "unparseable timestamp_utc"}
    assert len(polls) == 39_999
    expected = start + timedelta(seconds=37 * 30_001)
    assert polls["timestamp_utc"].iloc[30_000].to_pydatetime() == expected


def test_bom_crlf_blank_lines_spaces_and_column_order() -> None:
    text = (
        "\ufeff timestamp_utc , store_id ,status \r\n"
        "\r\n"
        " 2023-01-22 12:00:00 UTC ,  s1 , Active \r\n"
        "   \r\n"
        "2023-01-22 13:00:00 UTC,s2,inactive\r\n"
        "\r\n"
    )
    polls, rejected, summary = read_polls(_bytes(text))
    assert polls["store_id"].tolist() == ["s1", "s2"]
    assert polls["active"].tolist() == [True, False]
    assert polls["timestamp_utc"].dt.hour.tolist() == [12, 13]
    assert len(rejected) == 0
    assert summary.read == 2


def test_line_numbers_count_blank_lines_and_crlf() -> None:
    text = (
        "\ufeffstore_id,status,timestamp_utc\r\n"  # 1
        "\r\n"  # 2
        "s1,active,2023-01-22 12:00:00\r\n"  # 3
        "\r\n"  # 4
        "s2,bogus,2023-01-22 12:00:00\r\n"  # 5
        "s3,active\r\n"  # 6
        "s4,active,2023-01-22 12:00:00"  # 7, no final line end
    )
    polls, rejected, _ = read_polls(_bytes(text))
    assert polls["store_id"].tolist() == ["s1", "s4"]
    assert _rejected_lines(rejected) == {5: "unknown status", 6: "expected 3 fields but found 2"}
    assert rejected["row"].tolist() == ["s2,bogus,2023-01-22 12:00:00", "s3,active"]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_empty_lines_between_well_formed_rows_keep_line_numbers(eol: str) -> None:
    lines = [
        "store_id,status,timestamp_utc",  # 1
        "s1,active,2023-01-22 12:00:00",  # 2
        "",  # 3
        "",  # 4
        "s2,gone,2023-01-22 12:00:00",  # 5
        "",  # 6
        "s3,active,2023-01-22 12:00:00",  # 7
        "",  # 8
    ]
    polls, rejected, summary = read_polls(_bytes(eol.join(lines)))
    assert polls["store_id"].tolist() == ["s1", "s3"]
    assert _rejected_lines(rejected) == {5: "unknown status"}
    assert rejected["row"].tolist() == ["s2,gone,2023-01-22 12:00:00"]
    assert summary.read == 3


def test_clean_and_messy_copies_of_a_file_give_the_same_frames() -> None:
    rows = [f"s{i},{'active' if i % 3 else 'inactive'},2023-01-22 1{i}:00:00 UTC" for i in range(8)]
    clean = "store_id,status,timestamp_utc\n" + "\n".join(rows) + "\n"
    messy = "\n" + clean.replace("\n", "\r\n\r\n").replace(",", " , ")
    a, _, _ = read_polls(_bytes(clean))
    b, rejected, _ = read_polls(_bytes(messy))
    assert len(rejected) == 0
    pd.testing.assert_frame_equal(a, b)


def test_copies_of_an_id_padded_or_quoted_are_one_store_and_ids_sort_as_text() -> None:
    # In text order the first five are a cycle of three and a swap: an order that is
    # not its own inverse.
    ids = ["s9", "S2", "s10", "s1", "é1", "s1 ", '"s9"', "\ts10"]
    rows = "".join(f"{s},active,2023-01-22 1{i}:00:00 UTC\n" for i, s in enumerate(ids))
    padded, _, _ = read_polls(_bytes("store_id,status,timestamp_utc\n" + rows))
    assert list(padded["store_id"].cat.categories) == ["S2", "s1", "s10", "s9"]
    assert padded["store_id"].tolist() == ["s9", "S2", "s10", "s1", "s1", "s9", "s10"]
    plain = "".join(f"{s},active,2023-01-22 1{i}:00:00 UTC\n" for i, s in enumerate(ids[:5]))
    polls, rejected, _ = read_polls(_bytes("store_id,status,timestamp_utc\n" + plain))
    assert list(polls["store_id"].cat.categories) == ["S2", "s1", "s10", "s9"]
    assert polls["store_id"].tolist() == ["s9", "S2", "s10", "s1"]
    assert _rejected_lines(rejected) == {6: "bad store_id"}
    clean, rejected, _ = read_polls(_bytes("store_id,status,timestamp_utc\n"
                                           + plain.replace("é1", "s0")))
    assert list(clean["store_id"].cat.categories) == ["S2", "s0", "s1", "s10", "s9"]
    assert clean["store_id"].tolist() == ["s9", "S2", "s10", "s1", "s0"]
    assert len(rejected) == 0


def test_fields_wrapped_in_quotes_are_read() -> None:
    text = '"store_id","status","timestamp_utc"\n"s1","active","2023-01-22 12:00:00 UTC"\n'
    polls, rejected, _ = read_polls(_bytes(text))
    assert len(rejected) == 0
    assert polls["store_id"].tolist() == ["s1"]
    assert polls["timestamp_utc"].iloc[0] == pd.Timestamp("2023-01-22 12:00:00", tz="UTC")


def test_bytes_that_are_not_utf8_reject_their_row_only() -> None:
    data = (
        b"store_id,status,timestamp_utc\n"
        b"s1,active,2023-01-22 12:00:00\n"
        b"s\xff2,active,2023-01-22 12:00:00\n"
        b"s3,active,2023-01-22 12:00:00\n"
    )
    polls, rejected, _ = read_polls(io.BytesIO(data))
    assert polls["store_id"].tolist() == ["s1", "s3"]
    assert _rejected_lines(rejected) == {3: "bad store_id"}


def test_exact_duplicate_rows_are_harmless() -> None:
    row = "s1,active,2023-01-22 12:00:00"
    polls, rejected, _ = read_polls(_bytes(f"store_id,status,timestamp_utc\n{row}\n{row}\n"))
    assert len(rejected) == 0
    assert set(polls["store_id"]) == {"s1"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("\n\r\n   \n", "empty"),
        ("\ufeff", "empty"),
        ("store_id,state,timestamp_utc\ns1,active,2023-01-22 12:00:00\n", "status"),
        ("store_id;status;timestamp_utc\n", "status"),
        ("store_id,status,status,timestamp_utc\n", "more than once"),
    ],
)
def test_unreadable_polls_file_raises_input_error(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        read_polls(_bytes(text), name="store_status.csv")
    message = str(info.value)
    assert "store_status.csv" in message
    assert needle in message
    assert "timestamp_utc" in message  # says what was expected


def test_wrong_header_message_names_what_was_found() -> None:
    with pytest.raises(InputError) as info:
        read_business_hours(_bytes("id,weekday,open,close\n"), name="menu_hours.csv")
    message = str(info.value)
    assert "menu_hours.csv" in message
    assert "dayOfWeek or day" in message
    assert "found: id, weekday, open, close" in message


def test_header_only_file_gives_empty_frames() -> None:
    polls, rejected, summary = read_polls(_bytes("store_id,status,timestamp_utc\n"))
    assert len(polls) == 0 and len(rejected) == 0
    assert str(polls["timestamp_utc"].dtype) == "datetime64[us, UTC]"
    assert (summary.read, summary.kept, summary.rejected) == (0, 0, 0)


# --------------------------------------------------------------------------- business hours


@pytest.mark.parametrize("day_column", ["day", "dayOfWeek", " DAYOFWEEK "])
def test_business_hours_day_column_names(day_column: str) -> None:
    text = f"store_id,{day_column},start_time_local,end_time_local\ns1,0,09:00:00,12:00:00\n"
    hours, rejected, _ = read_business_hours(_bytes(text))
    assert len(rejected) == 0
    assert hours["day_of_week"].tolist() == [0]
    assert hours["day_of_week"].dtype == "int8"


def test_business_hours_times_and_rejections() -> None:
    lines = [
        "end_time_local,store_id,start_time_local,dayOfWeek",  # 1
        "12:00,s1,9:00,0",  # 2 H:MM
        "23:59:59.999999,s1,00:00:00.5,6",  # 3
        "02:00:00,s2,18:00:00,3",  # 4 overnight is fine
        "24:00,s3,09:00,1",  # 5 no 24:00
        "12:00,s3,09:60,1",  # 6
        "12:00,s3,9,1",  # 7
        "12:00,s3,09:00,7",  # 8 day outside 0-6
        "12:00,s3,09:00,-1",  # 9
        "12:00,s3,09:00,mon",  # 10
        "12:00,bad id,09:00,1",  # 11
        "12:00:00.1234567,s3,09:00,1",  # 12
        "12:00,s3,,1",  # 13 empty time
        "12:00, s4 , 09:30 ,  2 ",  # 14 spaces
    ]
    hours, rejected, summary = read_business_hours(_bytes("\n".join(lines)))
    assert hours["store_id"].tolist() == ["s1", "s1", "s2", "s4"]
    assert hours["day_of_week"].tolist() == [0, 6, 3, 2]
    h = pd.Timedelta(hours=1)
    assert hours["start_time_local"].tolist() == [
        9 * h,
        pd.Timedelta(milliseconds=500),
        18 * h,
        9.5 * h,
    ]
    assert hours["end_time_local"].tolist() == [
        12 * h,
        24 * h - pd.Timedelta(microseconds=1),
        2 * h,
        12 * h,
    ]
    assert str(hours["start_time_local"].dtype) == "timedelta64[us]"
    assert _rejected_lines(rejected) == {
        5: "unparseable end_time_local",
        6: "unparseable start_time_local",
        7: "unparseable start_time_local",
        8: "day outside 0-6",
        9: "day outside 0-6",
        10: "day outside 0-6",
        11: "bad store_id",
        12: "unparseable end_time_local",
        13: "unparseable start_time_local",
    }
    assert (summary.kept, summary.rejected) == (4, 9)


# --------------------------------------------------------------------------- time zones


def test_timezones_last_valid_row_counts_and_bad_names_are_rejected() -> None:
    lines = [
        "timezone_str,store_id",  # 1
        "America/Chicago,s1",  # 2
        "America/Denver,s1",  # 3 later row wins
        "Mars/Olympus,s1",  # 4 unknown: rejected, does not override
        "america/new_york,s2",  # 5 names are case-sensitive
        "../etc/passwd,s3",  # 6
        ",s4",  # 7
        "Asia/Beirut,s5",  # 8
        "localtime,s6",  # 9 a machine alias, not a zone
    ]
    zones, rejected, _ = read_timezones(_bytes("\n".join(lines) + "\n"))
    assert dict(zip(zones["store_id"], zones["timezone_str"], strict=True)) == {
        "s1": "America/Denver",
        "s5": "Asia/Beirut",
    }
    assert _rejected_lines(rejected) == {
        4: "unknown time zone",
        5: "unknown time zone",
        6: "unknown time zone",
        7: "unknown time zone",
        9: "unknown time zone",
    }


# --------------------------------------------------------------------------- load_exports


def test_load_exports_accepts_paths_bytes_and_text_objects(tmp_path: Path) -> None:
    status = tmp_path / "store_status.csv"
    status.write_text("store_id,status,timestamp_utc\ns1,active,2023-01-22 12:00:00\ns2,x,y\n")
    hours = _bytes("store_id,day,start_time_local,end_time_local\ns1,0,09:00,12:00\n")
    hours.name = "uploads/menu_hours.csv"  # what an upload widget provides
    zones = io.StringIO("store_id,timezone_str\ns1,Nowhere/Town\n")
    inputs = load_exports(status, hours, zones)
    assert inputs.polls["store_id"].tolist() == ["s1"]
    assert len(inputs.business_hours) == 1
    assert len(inputs.timezones) == 0
    assert [(s.file, s.read, s.kept, s.rejected) for s in inputs.summaries] == [
        ("store_status.csv", 2, 1, 1),
        ("menu_hours.csv", 1, 1, 0),
        ("timezones.csv", 1, 0, 1),
    ]
    assert inputs.rejected[["file", "line"]].values.tolist() == [
        ["store_status.csv", 3],
        ["timezones.csv", 2],
    ]
    assert inputs.rejected["line"].dtype == "int64"


def test_load_exports_reports_progress_per_file() -> None:
    heard: list[tuple[float, str]] = []
    status = _bytes("store_id,status,timestamp_utc\ns1,active,2023-01-22 12:00:00\n")
    zones = _bytes("store_id,timezone_str\ns1,America/Denver\n")
    inputs = load_exports(status, None, zones, progress=lambda f, p: heard.append((f, p)))
    assert [p for _, p in heard] == ["reading store_status.csv", "reading timezones.csv", "read"]
    assert [f for f, _ in heard] == sorted(f for f, _ in heard)
    assert inputs.timezones["timezone_str"].tolist() == ["America/Denver"]


def test_load_exports_with_nothing_given() -> None:
    inputs = load_exports(None, None, None)
    assert len(inputs.polls) == 0 and inputs.summaries == []
    assert format_rejections(inputs) == ""


def test_format_rejections_counts_reasons_and_shows_first_lines() -> None:
    rows = ["store_id,status,timestamp_utc"]
    rows += [f"s{i},active,2023-01-22 12:00:00" for i in range(3)]
    rows += [f"s{i},nope,2023-01-22 12:00:00" for i in range(7)]  # lines 5..11
    rows += ["s9,active"]  # line 12
    inputs = load_exports(_bytes("\n".join(rows)))
    text = format_rejections(inputs, first=3)
    assert "store_status.csv: 8 of 11 rows rejected" in text
    assert "7 unknown status" in text
    assert "1 expected 3 fields but found 2" in text
    assert "line 5: unknown status: s0,nope" in text
    assert "line 7:" in text and "line 8:" not in text
    assert "and 5 more" in text


# --------------------------------------------------------------------------- property


_GOOD = st.sampled_from(
    [
        ("s1,active,2023-01-22 12:00:00", ("s1", True)),
        ("A:b.c-d_e,INACTIVE,2023-01-22T12:00:00.25Z", ("A:b.c-d_e", False)),
        ("  42 , Active , 2023-01-22 12:00:00.000001 UTC ", ("42", True)),
    ]
)
_BAD = st.sampled_from(
    [
        "s1,active",
        "s1,active,2023-01-22 12:00:00,1",
        "s 1,active,2023-01-22 12:00:00",
        "s1,up,2023-01-22 12:00:00",
        "s1,active,2023-01-32 12:00:00",
        ",,",
        '"',
    ]
)
_BLANK = st.sampled_from(["", " ", "\t"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["good", "bad", "blank"]), _GOOD, _BAD, _BLANK), max_size=30
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_kept_and_rejected_rows_match_what_was_written(
    rows: list[tuple[str, tuple[str, tuple[str, bool]], str, str]], eol: str, bom: bool
) -> None:
    lines = ["store_id,status,timestamp_utc"]
    expected_kept: list[tuple[str, bool]] = []
    expected_bad: list[int] = []
    for kind, good, bad, blank in rows:
        if kind == "good":
            lines.append(good[0])
            expected_kept.append(good[1])
        elif kind == "bad":
            lines.append(bad)
            expected_bad.append(len(lines))
        else:
            lines.append(blank)
    text = ("\ufeff" if bom else "") + eol.join(lines) + eol
    polls, rejected, summary = read_polls(_bytes(text))
    assert list(zip(polls["store_id"], polls["active"], strict=True)) == expected_kept
    assert rejected["line"].tolist() == expected_bad
    assert summary.kept == len(expected_kept)
    assert summary.rejected == len(expected_bad)


@settings(max_examples=80, deadline=None)
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 12, 31)),
    st.integers(0, 6),
    st.sampled_from([" ", "T"]),
    st.sampled_from([" UTC", "Z", ""]),
)
def test_any_iso_timestamp_spelling_reads_as_that_instant(
    when: datetime, digits: int, sep: str, suffix: str
) -> None:
    fraction = f"{when.microsecond:06d}"[:digits]
    text = when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + (f".{fraction}" if digits else "") + suffix
    polls, rejected, _ = read_polls(_bytes(f"store_id,status,timestamp_utc\ns1,active,{text}\n"))
    assert len(rejected) == 0, text
    kept = when.replace(microsecond=int(fraction.ljust(6, "0")) if digits else 0, tzinfo=UTC)
    assert polls["timestamp_utc"].iloc[0].to_pydatetime() == kept


@settings(max_examples=80, deadline=None)
@given(st.times(), st.sampled_from(["H:MM", "HH:MM", "HH:MM:SS", "HH:MM:SS.f"]))
def test_any_time_of_day_spelling_reads_as_that_offset(when: time, form: str) -> None:
    text = {
        "H:MM": f"{when.hour}:{when.minute:02d}",
        "HH:MM": f"{when.hour:02d}:{when.minute:02d}",
        "HH:MM:SS": when.strftime("%H:%M:%S"),
        "HH:MM:SS.f": when.strftime("%H:%M:%S.%f").rstrip("0").rstrip("."),
    }[form]
    hours, rejected, _ = read_business_hours(
        _bytes(f"store_id,day,start_time_local,end_time_local\ns1,1,{text},{text}\n")
    )
    assert len(rejected) == 0, text
    whole = form in ("HH:MM:SS", "HH:MM:SS.f")
    expected = timedelta(
        hours=when.hour,
        minutes=when.minute,
        seconds=when.second if whole else 0,
        microseconds=when.microsecond if form == "HH:MM:SS.f" else 0,
    )
    assert hours["start_time_local"].iloc[0] == expected


# --------------------------------------------------------------------------- the real exports


@needs_real_data
@pytest.mark.parametrize("year", ["2023", "2025"])
def test_real_exports_load_without_rejections(year: str) -> None:
    folder = REAL_DATA / year
    inputs = load_exports(
        folder / "store_status_head.csv", folder / "menu_hours.csv", folder / "timezones.csv"
    )
    assert [s.rejected for s in inputs.summaries] == [0, 0, 0]
    assert len(inputs.rejected) == 0
    expected_rows = {
        "store_status_head.csv": 5_032 if year == "2023" else 1_000,
        "menu_hours.csv": 86_198 if year == "2023" else 35_457,
        "timezones.csv": 13_559 if year == "2023" else 4_559,
    }
    assert {s.file: s.kept for s in inputs.summaries} == expected_rows
    # Every store id is kept as the exact text of the file.
    raw_ids = pd.read_csv(folder / "timezones.csv", dtype=str)["store_id"]
    assert set(inputs.timezones["store_id"]) == set(raw_ids)
    assert inputs.business_hours["day_of_week"].between(0, 6).all()


def test_zone_check_is_cached() -> None:
    is_timezone.cache_clear()
    read_timezones(_bytes("store_id,timezone_str\n" + "s1,America/Chicago\n" * 50))
    info = is_timezone.cache_info()
    assert info.misses == 1


# --------------------------------------------------------------------------- byte-level checks

_PADDING = st.sampled_from(["", "", "", " ", "\t", "\u00a0"])
_TIMESTAMP_TEXT = st.one_of(
    st.tuples(
        _PADDING,
        st.sampled_from(["2023-01-22 12:09:39", "2024-02-29T23:59:59", "2023-02-30 12:09:39",
                         "2023-01-22 12:09", "é023-01-22 12:09:39", "2023-01-22"]),
        st.sampled_from(["", ".", ".5", ".388884", ".3888841", ".é", "é"]),
        st.sampled_from(["", " UTC", "Z", " UTCZ", "Z UTC"]),
        _PADDING,
    ).map("".join),
    st.text(alphabet="0129-: .TUCZé\u00a0", max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(_TIMESTAMP_TEXT, max_size=12),
       cut=st.integers(0, 12), skip=st.integers(0, 3))
def test_byte_checks_read_values_as_arrow_strings_do(values: list[str], cut: int,
                                                     skip: int) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    # Several chunks, one of them a slice, as the CSV reader and take() produce.
    array = pa.array(values, pa.string())
    col = pa.chunked_array([array.slice(0, cut), array.slice(cut).slice(min(skip, 1))],
                           pa.string())
    texts = col.to_pylist()
    # Only spaces and tabs are padding; a no-break space is part of the value.
    padded = any(t[:1] in (" ", "\t") or t[-1:] in (" ", "\t") for t in texts)
    assert ts.padded(col) == padded
    length = pc.utf8_length(col).to_pylist()
    dotted = [t[19:20] == "." for t in texts]
    shaped = [n == 19 or (21 <= n <= 26 and d) for n, d in zip(length, dotted, strict=True)]
    # Byte and character lengths differ only off ISO 8601, which the cast rejects anyway.
    ascii_rows = [t.isascii() for t in texts]
    got = ts.shaped(col).tolist()
    assert [g for g, a in zip(got, ascii_rows, strict=True) if a] == [
        s for s, a in zip(shaped, ascii_rows, strict=True) if a
    ]
    micros, ok = ts.check_timestamps(col, quoted=False)
    for text, good, value in zip(texts, ok.tolist(), micros.tolist(), strict=True):
        stripped = text.strip(" \t")
        # " UTC" or "Z", not both.
        stripped = stripped[:-4] if stripped.endswith(" UTC") else stripped.removesuffix("Z")
        expected = ts.one_timestamp(stripped) if len(stripped) in (19, *range(21, 27)) \
            else (0, False)
        assert (good, value if good else 0) == (expected[1], expected[0] if expected[1] else 0)
