"""The generated sample exports: deterministic, readable without loss, and realistic;
`storemon sample` writes them for any number of days and loads them on request."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from storemon_core.cli import main
from storemon_core.db import Database
from storemon_core.exports import load_exports
from storemon_core.frames import DEFAULT_TIMEZONE, Inputs
from storemon_core.sample.generate import DEFAULT_END, generate_exports, write_exports
from storemon_core.sample.render import HOURS_HEADER, STATUS_HEADER, TIMEZONES_HEADER
from tests.real_data import REAL_2023, available

SOURCES = [None, REAL_2023] if available(REAL_2023) else [None]
HOUR = pd.Timedelta(hours=1)


def _write(tmp: Path, **kwargs: object) -> dict[str, Path]:
    return write_exports(tmp, generate_exports(**kwargs))  # type: ignore[arg-type]


def _load(paths: dict[str, Path]) -> Inputs:
    return load_exports(paths["status"], paths["hours"], paths["timezones"])


@pytest.fixture(scope="module", params=SOURCES, ids=lambda p: "real" if p else "synthetic")
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    paths = _write(
        tmp_path_factory.mktemp("sample"), stores=200, days=9, seed=0, real_dir=request.param
    )
    return _load(paths)


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", stores=60, days=3, seed=11)
    again = _write(tmp_path / "b", stores=60, days=3, seed=11)
    other = _write(tmp_path / "c", stores=60, days=3, seed=12)
    for key in ("status", "hours", "timezones"):
        assert first[key].read_bytes() == again[key].read_bytes(), key
        assert first[key].read_bytes() != other[key].read_bytes(), key


@pytest.mark.parametrize("real_dir", SOURCES, ids=lambda p: "real" if p else "synthetic")
def test_files_load_without_rejections_and_match_the_generated_polls(
    tmp_path: Path, real_dir: Path | None
) -> None:
    exports = generate_exports(stores=120, days=4, seed=3, real_dir=real_dir)
    inputs = _load(write_exports(tmp_path, exports))
    assert len(inputs.rejected) == 0
    assert [s.rejected for s in inputs.summaries] == [0, 0, 0]
    assert [s.kept for s in inputs.summaries] == [
        exports.poll_count,
        len(exports.menu_hours),
        len(exports.timezones),
    ]
    loaded = inputs.polls.reset_index(drop=True).astype({"store_id": object})
    pd.testing.assert_frame_equal(loaded, exports.polls_frame().astype({"store_id": object}))
    assert len(set(exports.store_ids)) == exports.store_ids.size == 120


def test_export_format(tmp_path: Path) -> None:
    paths = _write(tmp_path, stores=80, days=2, seed=5)
    status = paths["status"].read_text().splitlines()
    hours = paths["hours"].read_text().splitlines()
    zones = paths["timezones"].read_text().splitlines()
    assert (status[0], hours[0], zones[0]) == (STATUS_HEADER, HOURS_HEADER, TIMEZONES_HEADER)
    stamp = re.compile(r"^[^,]+,(active|inactive),\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})? UTC$")
    assert all(stamp.match(line) for line in status[1:])
    # Like the real export, fractions drop trailing zeros, so lengths vary.
    assert len({len(line.rsplit(",", 1)[1]) for line in status[1:]}) > 1
    clock = re.compile(r"^[^,]+,[0-6],\d\d:\d\d:\d\d,\d\d:\d\d:\d\d$")
    assert all(clock.match(line) for line in hours[1:])


def test_end_is_the_newest_poll_bound() -> None:
    end = pd.Timestamp("2024-10-14 23:55:00", tz="UTC")
    polls = generate_exports(stores=30, days=2, seed=1, end=end).polls_frame()
    assert polls["timestamp_utc"].max() <= end
    assert polls["timestamp_utc"].max() > end - HOUR
    assert polls["timestamp_utc"].min() >= end - pd.Timedelta(days=2)


def test_hourly_polls_with_jitter_and_some_missed(sample: Inputs) -> None:
    polls = sample.polls.sort_values(["store_id", "timestamp_utc"])
    gaps = polls.groupby("store_id")["timestamp_utc"].diff().dropna()
    near_hour = gaps.between(HOUR - pd.Timedelta(minutes=10), HOUR + pd.Timedelta(minutes=10))
    assert near_hour.mean() > 0.9
    assert gaps[near_hour].std() > pd.Timedelta(seconds=30)  # jitter, not a fixed grid
    missed = gaps.between(2 * HOUR - pd.Timedelta(minutes=10), 2 * HOUR + pd.Timedelta(minutes=10))
    assert 0.01 < missed.mean() < 0.06
    assert 0.9 < polls["active"].mean() < 0.995


def test_outages_last_several_polls(sample: Inputs) -> None:
    polls = sample.polls.sort_values(["store_id", "timestamp_utc"])
    inactive = ~polls["active"].to_numpy()
    store = polls["store_id"].to_numpy()
    # A new run starts where the status or the store changes.
    starts = np.r_[True, (inactive[1:] != inactive[:-1]) | (store[1:] != store[:-1])]
    run_id = np.cumsum(starts)
    lengths = pd.Series(inactive).groupby(run_id).agg(["all", "size"])
    outage_lengths = lengths.loc[lengths["all"], "size"]
    assert (outage_lengths >= 3).sum() >= 10
    assert outage_lengths.max() >= 6


def test_business_hours_shapes(sample: Inputs) -> None:
    hours = sample.business_hours
    start, end = hours["start_time_local"], hours["end_time_local"]
    assert (end < start).any(), "overnight shift"
    assert (end == start).any(), "whole-day row"
    per_day = hours.groupby(["store_id", "day_of_week"]).size()
    assert (per_day > 1).any(), "split shifts"
    days_open = hours.groupby("store_id")["day_of_week"].nunique()
    assert (days_open < 7).any(), "closed weekdays"
    polled = set(sample.polls["store_id"])
    assert polled - set(hours["store_id"]), "stores without hours (open 24/7)"


def test_zones(sample: Inputs) -> None:
    zones = sample.timezones
    polled = set(sample.polls["store_id"])
    assert polled - set(zones["store_id"]), "stores without a zone"
    names = set(zones["timezone_str"])
    assert len(names & {"America/New_York", "America/Chicago", "America/Los_Angeles"}) == 3
    assert names & {"Asia/Kolkata", "Asia/Beirut", "Pacific/Honolulu"}


def test_default_end_puts_a_dst_change_in_the_last_week(sample: Inputs) -> None:
    newest = sample.polls["timestamp_utc"].max()
    assert newest <= DEFAULT_END
    week_start = newest - pd.Timedelta(days=7)
    zones = set(sample.timezones["timezone_str"]) | {DEFAULT_TIMEZONE}
    changed = {
        zone
        for zone in zones
        if week_start.tz_convert(ZoneInfo(zone)).utcoffset()
        != newest.tz_convert(ZoneInfo(zone)).utcoffset()
    }
    assert {"America/Chicago", "America/New_York"} <= changed


def test_some_stores_are_never_polled_or_stop_early() -> None:
    exports = generate_exports(stores=1000, days=9, seed=2)
    polls = exports.polls_frame()
    newest = polls.groupby("store_id")["timestamp_utc"].max()
    assert len(newest) < exports.store_ids.size
    assert (newest < polls["timestamp_utc"].max() - pd.Timedelta(days=7)).any()


def test_real_dir_supplies_most_stores() -> None:
    if REAL_2023 not in SOURCES:
        pytest.skip("real exports not on this machine")
    exports = generate_exports(stores=500, days=1, seed=0, real_dir=REAL_2023)
    real_ids = set(pd.read_csv(REAL_2023 / "timezones.csv", dtype=str)["store_id"]) | set(
        pd.read_csv(REAL_2023 / "menu_hours.csv", dtype=str)["store_id"]
    )
    share = np.isin(exports.store_ids, list(real_ids)).mean()
    assert 0.85 <= share < 1


def test_tiny_sets_still_have_an_outage_and_every_shape() -> None:
    exports = generate_exports(stores=8, days=2, seed=4)
    assert not exports.poll_active.all()
    assert set(exports.patterns["pattern"]) >= {"overnight", "whole_day", "split", "no_hours"}


ROOT = Path(__file__).resolve().parent.parent


def _storemon(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out, err), out.getvalue(), err.getvalue()


def test_sample_command_writes_the_days_asked_for(tmp_path: Path) -> None:
    code, stdout, stderr = _storemon(
        "sample", "--out", str(tmp_path), "--stores", "20", "--days", "12", "--seed", "3",
        "--real-dir", "none", "--end", "2024-10-14 23:55:00",
    )  # fmt: skip
    assert code == 0, stderr
    assert stdout.split() == [str(tmp_path / n) for n in
                              ("store_status.csv", "menu_hours.csv", "timezones.csv")]
    polls = load_exports(tmp_path / "store_status.csv").polls["timestamp_utc"]
    end = pd.Timestamp("2024-10-14 23:55:00", tz="UTC")
    assert polls.max() <= end and polls.min() >= end - pd.Timedelta(days=12)
    assert polls.max() - polls.min() > pd.Timedelta(days=11, hours=22)
    # The same flags, the same bytes as the generator called directly.
    direct = generate_exports(stores=20, days=12, seed=3, end=end).status_csv()
    assert (tmp_path / "store_status.csv").read_bytes() == direct


def test_make_runs_sample_covers_at_least_35_days(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    days = int(re.search(r"^SAMPLE_DAYS \?= (\d+)$", makefile, re.M).group(1))  # type: ignore[union-attr]
    assert days >= 35
    recipe = re.search(r"^sample:.*\n\t(.+)$", makefile, re.M).group(1)  # type: ignore[union-attr]
    # The recipe as make runs it, into a folder and database of this test.
    args = shlex.split(recipe.replace("$(SAMPLE_DAYS)", str(days)))
    assert args[:2] == ["$(STOREMON)", "sample"]
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    out = args.index("--out") + 1
    args[out] = str(tmp_path / "sample")
    code, _, stderr = _storemon(*args[1:], "--url", url)
    assert code == 0, stderr
    db = Database(url)
    try:
        summary = db.summary()
    finally:
        db.dispose()
    assert summary.newest_poll is not None and summary.oldest_poll is not None
    assert summary.newest_poll - summary.oldest_poll >= pd.Timedelta(days=days - 1)
    assert summary.stores >= 100


def test_sample_load_if_empty_leaves_a_loaded_database_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    common = ("sample", "--stores", "10", "--days", "2", "--real-dir", "none", "--url", url)
    code, stdout, stderr = _storemon(*common, "--out", str(tmp_path / "a"), "--load",
                                     "--if-empty")
    assert code == 0, stderr
    assert "new polls" in stdout
    code, stdout, stderr = _storemon(*common, "--out", str(tmp_path / "b"), "--load",
                                     "--if-empty")
    assert code == 0, stderr
    assert "nothing loaded (--if-empty)" in stdout
    assert not (tmp_path / "b").exists()  # nothing generated either
    code, _, stderr = _storemon(*common, "--out", str(tmp_path / "c"), "--if-empty")
    assert code == 2 and "--if-empty goes with --load" in stderr


def test_sample_end_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    code, _, stderr = _storemon("sample", "--out", str(tmp_path), "--end", "2262-05-01")
    assert code == 2
    assert stderr.startswith("error: --end: ") and "outside" in stderr
