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

from storemon_core.exports import is_timezone
from tests.real_data import REAL_2023, REAL_2025, needs_real_data

POLLS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
ZONES_HEADER = "store_id,timezone_str"
GOOD_POLL = "s1,active,2023-01-22 12:00:00 UTC"


def _file(*lines: str, eol: str = "\n") -> io.BytesIO:
    return io.BytesIO((eol.join(lines) + eol).encode("utf-8"))


def _reasons(rejected: pd.DataFrame) -> dict[int, str]:
    return dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))


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
