"""Hostile exports: every row that breaks SPEC.md "Inputs" is rejected, the rest are kept.

Each test here is a defect that was found in the loader: out-of-range timestamps,
bad bytes trimmed or dropped instead of rejected, lines too long for the reader,
unbounded copies of rejected rows, zone names that are not portable.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from storemon_core.db import Database
from storemon_core.exports import (
    MAX_LINE_BYTES,
    ROW_TEXT_CHARS,
    InputError,
    format_rejections,
    is_timezone,
    load_exports,
    read_business_hours,
    read_polls,
    read_timezones,
)
from storemon_core.instants import RANGE_TEXT
from tests.builders import engine_csv
from tests.real_data import REAL_2023, REAL_2025, needs_real_data

POLLS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
ZONES_HEADER = "store_id,timezone_str"
GOOD_POLL = "s1,active,2023-01-22 12:00:00 UTC"


def _file(*lines: str, eol: str = "\n") -> io.BytesIO:
    return io.BytesIO((eol.join(lines) + eol).encode("utf-8"))


def _reasons(rejected: pd.DataFrame) -> dict[int, str]:
    return dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))


# --------------------------------------------------------------------------- timestamp range

OUT_OF_RANGE = f"timestamp_utc outside {RANGE_TEXT}"


def test_timestamps_outside_the_range_are_rejected_and_the_edges_kept() -> None:
    polls, rejected, summary = read_polls(_file(
        POLLS_HEADER,
        "s1,active,2262-04-12 00:00:00 UTC",  # 2: past pandas' nanosecond limit
        "s1,active,9999-01-01 00:00:00",  # 3
        "s1,active,1600-01-05 00:00:00",  # 4
        "s1,active,1969-12-31 23:59:59.999999Z",  # 5: just before the range
        "s1,active,2200-01-01 00:00:00",  # 6: just after it
        "s2,active,1970-01-01 00:00:00 UTC",  # 7: first instant kept
        "s2,inactive,2199-12-31 23:59:59.999999",  # 8: last instant kept
    ))
    assert _reasons(rejected) == {
        2: OUT_OF_RANGE, 3: OUT_OF_RANGE, 4: OUT_OF_RANGE, 5: OUT_OF_RANGE, 6: OUT_OF_RANGE,
    }
    assert polls["timestamp_utc"].tolist() == [
        pd.Timestamp("1970-01-01 00:00:00", tz="UTC"),
        pd.Timestamp("2199-12-31 23:59:59.999999", tz="UTC"),
    ]
    assert (summary.kept, summary.rejected) == (2, 5)


def test_a_poll_far_in_the_future_no_longer_breaks_the_default_report() -> None:
    status = _file(
        POLLS_HEADER,
        "s1,active,2023-01-22 12:00:00",
        "s1,inactive,2023-01-22 13:00:00",
        "s2,active,2262-04-12 00:00:00",
    )
    inputs = load_exports(status, timezones=_file(ZONES_HEADER, "s1,America/Chicago"))
    assert inputs.rejected["line"].tolist() == [4]
    alone = load_exports(
        _file(POLLS_HEADER, "s1,active,2023-01-22 12:00:00", "s1,inactive,2023-01-22 13:00:00"),
        timezones=_file(ZONES_HEADER, "s1,America/Chicago"),
    )
    # The default as-of is the newest poll: the rejected one must not move it.
    assert engine_csv(inputs) == engine_csv(alone)


@pytest.mark.parametrize("neighbour", [GOOD_POLL, "s1,active,2023-02-30 12:00:00"],
                         ids=["cast", "one by one"])
def test_year_zero_is_unreadable_whichever_way_its_column_is_read(neighbour: str) -> None:
    # Arrow's cast reads year 0000; Python's datetime, which reads a column whose cast
    # failed, does not. The answer must not depend on the rows around it.
    polls, rejected, _ = read_polls(_file(
        POLLS_HEADER, neighbour, "s2,active,0000-01-01 00:00:00", "s3,active,0000-02-29 00:00:00",
    ))
    assert _reasons(rejected)[3] == _reasons(rejected)[4] == "unparseable timestamp_utc"


def test_a_file_of_rejected_rows_gives_the_frame_of_an_empty_file() -> None:
    empty, _, _ = read_polls(_file(POLLS_HEADER))
    none_kept, rejected, _ = read_polls(_file(POLLS_HEADER, "-s1,active,2023-01-22 12:00:00"))
    assert len(rejected) == 1
    pd.testing.assert_frame_equal(none_kept, empty)


# --------------------------------------------------------------------------- bad bytes


def test_a_lone_carriage_return_rejects_its_row_instead_of_vanishing() -> None:
    data = (
        b"store_id,status,timestamp_utc\r\n"
        b"64315\r37784827244611,active,2023-01-22 12:00:00\r\n"  # 2
        b"s1,in\ractive,2023-01-22 12:00:00\r\n"  # 3
        b"s2,active,2023-01-22 12:\r00:00\r\n"  # 4
        b"s3,active,2023-01-22 12:00:00\r\r\n"  # 5: one CR ends the line, the other is bad
        b"s4,active,2023-01-22 12:00:00\r\n"  # 6 good
        b"\r\n"  # 7 blank
        b"s5,active,2023-01-22 12:00:00\r"  # 8: a CR at the end of the file ends nothing
    )
    polls, rejected, summary = read_polls(io.BytesIO(data))
    assert polls["store_id"].tolist() == ["s4"]
    assert _reasons(rejected) == {
        2: "bad store_id",
        3: "unknown status",
        4: "unparseable timestamp_utc",
        5: "unparseable timestamp_utc",
        8: "unparseable timestamp_utc",
    }
    assert "6431537784827244611" not in set(polls["store_id"])
    # The copy of a rejected row is the row as written, bad byte included.
    assert rejected.set_index("line").loc[3, "row"] == "s1,in\ractive,2023-01-22 12:00:00"
    assert (summary.read, summary.rejected) == (6, 5)


def test_a_lone_carriage_return_in_hours_and_zones_rejects_the_row() -> None:
    hours, rejected, _ = read_business_hours(io.BytesIO(
        b"store_id,day,start_time_local,end_time_local\n"
        b"s1,\r1,09:00,12:00\n"
        b"s1,1,09:0\r0,12:00\n"
        b"s1,1,09:00,12:00\r\n"
        b"s2,1,09:00,12:00\n"
    ))
    assert hours["store_id"].tolist() == ["s1", "s2"]
    assert _reasons(rejected) == {2: "day outside 0-6", 3: "unparseable start_time_local"}
    zones, rejected, _ = read_timezones(io.BytesIO(
        b"store_id,timezone_str\ns1,America/Chi\rcago\ns2,America/Chicago\n"
    ))
    assert zones["store_id"].tolist() == ["s2"]
    assert _reasons(rejected) == {2: "unknown time zone"}


def test_a_timestamp_ends_with_one_zone_suffix_at_most() -> None:
    polls, rejected, _ = read_polls(_file(
        POLLS_HEADER, "s1,active,2023-01-22 12:00:00Z UTC", "s1,active,2023-01-22 12:00:00 UTCZ",
        "s1,active,2023-01-22 12:00:00ZZ", "s1,active,2023-01-22 12:00:00 UTC UTC", GOOD_POLL,
    ))
    assert len(polls) == 1
    assert _reasons(rejected) == dict.fromkeys(range(2, 6), "unparseable timestamp_utc")


# Characters Python's str.strip() and Arrow's whitespace trim remove, and SPEC does not.
NOT_PADDING = ["\u2003", "\x1c", "\x1d", "\x1e", "\x1f", "\x0b", "\x0c", "\x85", "\u00a0",
               "\u3000", "\u2028", "\x00", "\x7f", "\ufeff"]
# Arabic-Indic, extended Arabic-Indic, Devanagari and fullwidth digits: all \d to Python.
OTHER_DIGITS = ["\u0663", "\u06f3", "\u0969", "\uff13"]

# Places in a field for such a character ({c}), with the reason its row is rejected,
# and a good row of the same file, padded with spaces and tabs.
IN_FIELDS: dict[str, tuple[Any, str, list[tuple[str, str]], str]] = {
    "polls": (read_polls, POLLS_HEADER, [
        ("{c}123,active,2023-01-22 12:00:00", "bad store_id"),
        ("123{c},active,2023-01-22 12:00:00", "bad store_id"),
        ('"{c}s1",active,2023-01-22 12:00:00', "bad store_id"),
        ("s1,{c}active,2023-01-22 12:00:00", "unknown status"),
        ("s1,active{c},2023-01-22 12:00:00", "unknown status"),
        ("s1,active,{c}2023-01-22 12:00:00", "unparseable timestamp_utc"),
        ("s1,active,2023-01-22 12:00:00 UTC{c}", "unparseable timestamp_utc"),
        ("s1,active,202{c}-01-22 12:00:00", "unparseable timestamp_utc"),
        ("s1,active,2023-01-22 12:00:0{c}", "unparseable timestamp_utc"),
        ("s1,active,2023-01-22 12:00:00.{c}", "unparseable timestamp_utc"),
        ("s1,active,2023-01-22 12:00:00.{c}{c}", "unparseable timestamp_utc"),
    ], " \t123\t ,\tactive , 2023-01-22 12:00:00 UTC \t"),
    "hours": (read_business_hours, HOURS_HEADER, [
        ("s1,{c},09:00,12:00", "day outside 0-6"),
        ("s1,{c}1,09:00,12:00", "day outside 0-6"),
        ("s1,1,0{c}:00,12:00", "unparseable start_time_local"),
        ("s1,1,09:00{c},12:00", "unparseable start_time_local"),
        ("s1,1,09:00:0{c}.5,12:00", "unparseable start_time_local"),
        ("s1,1,09:00:00.{c},12:00", "unparseable start_time_local"),
        ("s1,1,09:00,{c}12:00", "unparseable end_time_local"),
        ("s1,1,09:00,12:0{c}", "unparseable end_time_local"),
    ], "s1, 1 ,\t09:00 , 12:00\t"),
    "zones": (read_timezones, ZONES_HEADER, [
        ("s1,America/Chicago{c}", "unknown time zone"),
        ("s1,{c}Asia/Beirut", "unknown time zone"),
        ("s1,Etc/GMT+{c}", "unknown time zone"),
    ], "s2, UTC\t"),
}


@pytest.mark.parametrize("char", NOT_PADDING + OTHER_DIGITS,
                         ids=[f"U+{ord(c):04X}" for c in NOT_PADDING + OTHER_DIGITS])
@pytest.mark.parametrize("export", list(IN_FIELDS))
def test_a_control_or_non_ascii_character_in_a_field_rejects_its_row(export: str,
                                                                     char: str) -> None:
    # Only spaces and tabs are trimmed, and digits are ASCII digits.
    reader, header, cases, good = IN_FIELDS[export]
    frame, rejected, _ = reader(_file(header, good, *(row.format(c=char) for row, _ in cases)))
    assert len(frame) == 1
    assert _reasons(rejected) == {n: why for n, (_, why) in enumerate(cases, 3)}


@pytest.mark.parametrize("store_id", ["-A1", "-1", ".a", ":a", "_a", "-", "_", "a b", "a\tb",
                                      "=1+1", "+1", "@a", "a" * 65])
def test_ids_that_do_not_start_with_a_letter_or_digit_are_rejected(store_id: str) -> None:
    polls, rejected, _ = read_polls(_file(POLLS_HEADER, f"{store_id},active,2023-01-22 12:00:00",
                                          GOOD_POLL))
    assert polls["store_id"].tolist() == ["s1"]
    assert _reasons(rejected) == {2: "bad store_id"}


@pytest.mark.parametrize("store_id", ["A-1", "1_", "a.b:c_d-e", "0", "a" * 64,
                                      "b5d0a65d-6d54-47aa-95e9-9312f0353326"])
def test_ids_of_the_allowed_characters_are_kept_as_written(store_id: str) -> None:
    polls, rejected, _ = read_polls(_file(POLLS_HEADER, f"{store_id},active,2023-01-22 12:00:00"))
    assert len(rejected) == 0
    assert polls["store_id"].tolist() == [store_id]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.parametrize("messy", [False, True], ids=["fast", "careful"])
def test_crlf_and_a_byte_order_mark_still_work(eol: str, bom: str, messy: bool) -> None:
    lines = [bom + POLLS_HEADER, GOOD_POLL, "s2,inactive,2023-01-22 13:00:00"]
    if messy:  # a blank line and a short row: the line model reads the file
        lines[1:1] = ["", "s9,active"]
    polls, rejected, _ = read_polls(_file(*lines, eol=eol))
    assert polls["store_id"].tolist() == ["s1", "s2"]
    assert _reasons(rejected) == ({3: "expected 3 fields but found 2"} if messy else {})


def test_a_header_with_bad_bytes_is_not_matched() -> None:
    with pytest.raises(InputError, match="lacks dayOfWeek or day"):  # a Kelvin sign, not a k
        read_business_hours(_file("store_id,dayOfWee\u212a,start_time_local,end_time_local"))
    with pytest.raises(InputError, match="lacks status"):
        read_polls(_file("store_id,\x0bstatus,timestamp_utc", GOOD_POLL))
    with pytest.raises(InputError, match="carriage return"):
        read_polls(io.BytesIO(b"store_id,status,timestamp_utc\rs1,active,2023-01-22 12:00:00\r"))


# --------------------------------------------------------------------------- long lines

TOO_LONG = f"line too long (over {MAX_LINE_BYTES:,} bytes)"


@pytest.mark.parametrize(
    "length",
    [MAX_LINE_BYTES + 1, 1 << 20, (16 << 20) + 1, 33 << 20],
    ids=["max+1", "1MiB", "16MiB+1", "33MiB"],
)
def test_a_line_of_any_length_is_rejected_and_the_rest_kept(length: int) -> None:
    prefix = b"s1,active,2023-01-22 12:00:00"
    long_row = b"s2" + b" " * (length - len(prefix)) + prefix[2:]
    assert len(long_row) == length
    data = b"\n".join([
        POLLS_HEADER.encode(), prefix, long_row, b"s3,inactive,2023-01-22 12:00:00",
        b"x" * length, b"s4,active,2023-01-22 12:00:00",
    ]) + b"\n"
    polls, rejected, summary = read_polls(io.BytesIO(data))
    assert polls["store_id"].tolist() == ["s1", "s3", "s4"]
    assert _reasons(rejected) == {3: TOO_LONG, 5: TOO_LONG}
    assert (summary.read, summary.kept) == (5, 3)
    # The copy kept of each is its start and its length in bytes.
    for text, start in zip(rejected["row"], ["s2 ", "xxx"], strict=True):
        assert text.startswith(start)
        assert len(text) < ROW_TEXT_CHARS + 40
        assert f"{length:,} bytes" in text


def test_the_longest_line_kept_is_max_line_bytes() -> None:
    def padded_row(length: int, store: str) -> str:
        row = f"{store},active,2023-01-22 12:00:00"
        return store + " " * (length - len(row)) + row[len(store):]

    for eol in ("\n", "\r\n"):
        polls, rejected, _ = read_polls(_file(
            POLLS_HEADER, padded_row(MAX_LINE_BYTES, "s1"), padded_row(MAX_LINE_BYTES + 1, "s2"),
            eol=eol,
        ))
        assert polls["store_id"].tolist() == ["s1"]
        assert _reasons(rejected) == {3: TOO_LONG}


def test_a_long_line_in_every_file_and_at_the_end_without_a_line_end() -> None:
    long = "9" * (MAX_LINE_BYTES * 3)
    hours, rejected, _ = read_business_hours(io.BytesIO(
        f"{HOURS_HEADER}\r\ns1,1,09:00,12:00\r\ns1,1,09:00,{long}".encode()
    ))
    assert len(hours) == 1 and _reasons(rejected) == {3: TOO_LONG}
    zones, rejected, _ = read_timezones(io.BytesIO(
        f"{ZONES_HEADER}\ns1,{long}\ns2,UTC".encode()
    ))
    assert zones["store_id"].tolist() == ["s2"] and _reasons(rejected) == {2: TOO_LONG}


def test_blank_lines_are_spaces_and_tabs_only_at_any_length_and_number() -> None:
    lines = [POLLS_HEADER, GOOD_POLL, " " * (MAX_LINE_BYTES * 2), "\t" * 3]
    lines += ["  x\t", " \t "] * 3000 + [" \x0b ", "s2,active,2023-01-22 12:00:00"]
    polls, rejected, summary = read_polls(_file(*lines))
    assert polls["store_id"].tolist() == ["s1", "s2"]
    one_field = "expected 3 fields but found 1"
    assert _reasons(rejected) == {n: one_field for n in [*range(5, 6005, 2), 6005]}
    assert summary.read == 2 + 3000 + 1


def test_a_long_line_in_a_column_not_read_is_rejected_too() -> None:
    polls, rejected, _ = read_polls(_file(
        POLLS_HEADER + ",note", GOOD_POLL + ",short", "s2,active,2023-01-22 12:00:00," + "n" * 5000,
    ))
    assert polls["store_id"].tolist() == ["s1"]
    assert _reasons(rejected) == {3: TOO_LONG}


def test_a_header_too_long_to_keep_makes_the_file_unreadable() -> None:
    header = POLLS_HEADER + "," * (MAX_LINE_BYTES * 4)
    with pytest.raises(InputError, match="header") as info:
        read_polls(_file(header, GOOD_POLL))
    assert len(str(info.value)) < 1000


def test_a_wrong_header_message_stays_short() -> None:
    with pytest.raises(InputError) as info:
        read_polls(_file("store_id,status," + "x" * 3000, GOOD_POLL))
    assert "found: store_id, status, xxxx" in str(info.value)
    assert len(str(info.value)) < 1000


# --------------------------------------------------------------------------- bounded copies


def test_the_copy_of_a_rejected_row_is_bounded() -> None:
    short_bad = "bad id!,active,2023-01-22 12:00:00"
    long_bad = "é" * 1500 + ",active,2023-01-22 12:00:00"  # 3,000 bytes of id
    wrong_count = ",".join(["x"] * 2000)  # 3,999 bytes, 2,000 fields
    polls, rejected, _ = read_polls(_file(POLLS_HEADER, short_bad, long_bad, wrong_count))
    rows = rejected.set_index("line")["row"]
    assert rows[2] == short_bad  # short rows are kept whole
    assert rows[3] == "é" * ROW_TEXT_CHARS + f" … ({len(long_bad.encode()):,} bytes)"
    assert rows[4] == wrong_count[:ROW_TEXT_CHARS] + f" … ({len(wrong_count):,} bytes)"
    assert _reasons(rejected)[4] == "expected 3 fields but found 2000"


def test_a_rejected_row_longer_than_a_text_column_loads_into_the_database(db: Database) -> None:
    # A MySQL TEXT column holds 65,535 bytes: a longer copy used to fail the whole load.
    long_row = "s2," + "x" * 70_000 + ",2023-01-22 12:00:00"
    inputs = load_exports(_file(POLLS_HEADER, GOOD_POLL, long_row, "s3,active"))
    db.load(inputs)
    stored = db.rejected_rows()
    assert stored["line"].tolist() == [3, 4]
    assert stored["row"].iloc[0].startswith("s2,xxx")
    assert len(stored["row"].iloc[0].encode()) < 4 * ROW_TEXT_CHARS + 40
    assert db.read_inputs().polls["store_id"].tolist() == ["s1"]


def test_format_rejections_shows_control_characters_escaped() -> None:
    inputs = load_exports(io.BytesIO(
        b"store_id,status,timestamp_utc\ns1,\x1b[31mactive,2023-01-22 12:00:00\n"
    ))
    text = format_rejections(inputs)
    assert "\x1b" not in text
    assert "\\x1b[31mactive" in text


# --------------------------------------------------------------------------- zone names


@pytest.mark.parametrize("name", [
    "right/America/Chicago", "posix/America/Chicago", "right/UTC", "posix/Etc/UTC",
    "localtime", "posixrules", "Factory", "America/../America/Chicago", "/America/Chicago",
    "America//Chicago", "America/Chicago/", "./UTC", "zone.tab", "tzdata.zi", "leapseconds",
    "iso3166.tab", "leap-seconds.list", "zone1970.tab", "__init__.py", "America",
    "America/Chicago\x00", "America/Chicago ", "",
])
def test_names_that_are_not_portable_iana_zones_are_rejected(name: str) -> None:
    assert not is_timezone(name)


@pytest.mark.parametrize("name", [
    "Asia/Beirut", "Pacific/Honolulu", "America/Argentina/Buenos_Aires", "Etc/UTC", "UTC",
    "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT", "US/Pacific", "GMT",
])
def test_iana_zone_names_are_accepted(name: str) -> None:
    assert is_timezone(name)


@needs_real_data
@pytest.mark.parametrize("folder", [REAL_2023, REAL_2025], ids=["2023", "2025"])
def test_every_zone_name_of_the_real_exports_is_accepted(folder: Path) -> None:
    names = set(pd.read_csv(folder / "timezones.csv", dtype=str)["timezone_str"])
    assert len(names) > 5
    assert {name for name in names if not is_timezone(name)} == set()
