"""Hostile exports: every row that breaks SPEC.md "Inputs" is rejected, the rest are kept.

Each test here is a defect that was found in the loader: out-of-range timestamps,
bad bytes trimmed or dropped instead of rejected, lines too long for the reader,
unbounded copies of rejected rows, zone names that are not portable.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from storemon_core.exports import (
    is_timezone,
    load_exports,
    read_polls,
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
        "s3,active,0000-01-01 00:00:00",  # 9: no year 0
    ))
    assert _reasons(rejected) == {
        2: OUT_OF_RANGE, 3: OUT_OF_RANGE, 4: OUT_OF_RANGE, 5: OUT_OF_RANGE, 6: OUT_OF_RANGE,
        9: OUT_OF_RANGE,
    }
    assert polls["timestamp_utc"].tolist() == [
        pd.Timestamp("1970-01-01 00:00:00", tz="UTC"),
        pd.Timestamp("2199-12-31 23:59:59.999999", tz="UTC"),
    ]
    assert (summary.kept, summary.rejected) == (2, 6)


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
