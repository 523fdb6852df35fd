"""Reports in partitions of stores are the unpartitioned report, byte for byte.

Whatever the partition size, from CSV exports (read in blocks of any size and
spilled per partition), from SQLite and from MySQL: the same CSV as the engine
on the whole fleet, and the same rejected rows, reasons and line numbers as the
whole-file reader.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from builders import engine_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storemon_core.cli import main
from storemon_core.db import Database
from storemon_core.exports import load_exports
from storemon_core.exports.spill import spill_exports
from storemon_core.frames import Inputs
from storemon_core.partitions import (
    PARTITION_STORES_ENV,
    Partition,
    partition_of,
    plan_partitions,
    text_order,
)
from storemon_core.scale.rows import csv_header, report_rows
from storemon_core.scale.runner import local_mapper, stored_report

FILES = ("store_status.csv", "menu_hours.csv", "timezones.csv")
NO_HOURS, NO_ZONES = "store_id,day,start_time_local,end_time_local\n", "store_id,timezone_str\n"
END = pd.Timestamp("2024-11-06 12:00", tz="UTC")
ZONES = ["America/Chicago", "America/New_York", "Asia/Kolkata", "UTC", "Not/AZone"]

# Ids that sort differently as text and as numbers, by case and by punctuation.
store_ids = st.text("aAzZ019", min_size=1, max_size=1).flatmap(
    lambda head: st.text("aAzZ019._:-", max_size=4).map(lambda tail: head + tail))


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, str, str]:
    """The three export files' text for a small fleet, with some rejected rows."""
    ids = draw(st.lists(store_ids, min_size=1, max_size=12, unique=True))
    status = ["store_id,status,timestamp_utc"]
    for sid in ids:
        for _ in range(draw(st.integers(0, 12))):
            minutes = draw(st.integers(0, 9 * 24 * 60))
            stamp = END - pd.Timedelta(minutes=minutes)
            state = draw(st.sampled_from(["active", "inactive", "Active"]))
            status.append(f"{sid},{state},{stamp:%Y-%m-%d %H:%M:%S} UTC")
    status.extend(draw(st.lists(st.sampled_from([
        "", "=bad,active,2024-11-05 10:00:00 UTC", "s1,unknown,2024-11-05 10:00:00 UTC",
        "s1,active,2024-13-05 10:00:00 UTC", "s1,active", "   ",
    ]), max_size=3)))
    status = [status[0], *draw(st.permutations(status[1:]))]
    hours = ["store_id,dayOfWeek,start_time_local,end_time_local"]
    for sid in draw(st.lists(st.sampled_from(ids), max_size=len(ids))):
        for _ in range(draw(st.integers(1, 3))):
            day = draw(st.integers(0, 6))
            start, end = draw(st.integers(0, 23)), draw(st.integers(0, 23))
            hours.append(f"{sid},{day},{start:02d}:00,{end:02d}:30")
    zones = ["store_id,timezone_str"]
    for sid in draw(st.lists(st.sampled_from(ids), max_size=len(ids))):
        zones.append(f"{sid},{draw(st.sampled_from(ZONES))}")
    return "\n".join(status) + "\n", "\n".join(hours) + "\n", "\n".join(zones) + "\n"


as_ofs = st.one_of(st.none(), st.integers(0, 10 * 24 * 60).map(
    lambda m: END - pd.Timedelta(minutes=m)))


def _write(folder: Path, texts: tuple[str, str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in FILES]
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text, newline="")
    return paths


def _spilled_csv(paths: list[Path], folder: Path, size: int, block: int,
                 as_of: pd.Timestamp | None, extended: bool) -> tuple[str, object]:
    spilled = spill_exports(paths[0], paths[1], paths[2], folder, size, block_bytes=block)
    instant = as_of if as_of is not None else spilled.newest_poll
    rows = "".join(report_rows(spilled.inputs(p), instant, extended).text
                   for p in spilled.partitions) if instant is not None else ""
    return csv_header(extended) + rows, spilled


def _stored_csv(db: Database, as_of: pd.Timestamp | None, size: int, extended: bool) -> str:
    out = io.StringIO()
    stored_report(db, as_of, size, extended, local_mapper(db, None),
                  lambda spool: out.write(spool.read()))
    return out.getvalue()


# ------------------------------------------------------------------------------ the plan


def test_partitions_cut_the_ids_in_code_point_order() -> None:
    ids = text_order(["S9", "S10", "b", "B", "a-1", "a.1", "0", "Z"])
    assert ids.to_pylist() == ["0", "B", "S10", "S9", "Z", "a-1", "a.1", "b"]
    plan = plan_partitions(ids, 3)
    assert [(p.first, p.end) for p in plan] == [(None, "S9"), ("S9", "a.1"), ("a.1", None)]
    found = partition_of(plan, pd.Series(ids.to_pylist()).to_numpy(dtype=object))
    assert found.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    # Ids never seen still fall in exactly one partition, in order.
    assert partition_of(plan, pd.Series(["", "S95", "zzz"]).to_numpy(dtype=object)).tolist() \
        == [0, 1, 2]
    assert plan_partitions(ids, 100) == [Partition(0, None, None)]


# ------------------------------------------------------------------------ from CSV exports


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(texts=exports(), size=st.integers(1, 14), block=st.integers(8, 600), as_of=as_ofs,
       extended=st.booleans())
def test_csv_in_partitions_is_the_whole_report(tmp_path_factory: pytest.TempPathFactory,
                                               texts: tuple[str, str, str], size: int,
                                               block: int, as_of: pd.Timestamp | None,
                                               extended: bool) -> None:
    folder = tmp_path_factory.mktemp("parts")
    paths = _write(folder / "in", texts)
    whole = load_exports(*paths)
    text, spilled = _spilled_csv(paths, folder, size, block, as_of, extended)
    if len(whole.polls):
        assert text == engine_csv(whole, as_of, extended)
    read = spilled.report_of_reading()  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(read.rejected, whole.rejected)
    assert read.summaries == whole.summaries
    for partition in spilled.partitions:  # type: ignore[attr-defined]
        polls = spilled.inputs(partition).polls  # type: ignore[attr-defined]
        assert polls["store_id"].nunique() <= size


def test_a_file_sorted_by_store_is_cut_again_into_exact_partitions(tmp_path: Path) -> None:
    # The first block holds the last stores only, so the first cut is far off.
    stamps = [END - pd.Timedelta(hours=h) for h in range(6)]
    lines = ["store_id,status,timestamp_utc"] + [
        f"S{n:03d},active,{t:%Y-%m-%d %H:%M:%S}" for n in range(60, 0, -1) for t in stamps]
    paths = _write(tmp_path / "in", ("\n".join(lines) + "\n", NO_HOURS, NO_ZONES))
    text, spilled = _spilled_csv(paths, tmp_path, 7, 200, None, False)
    assert text == engine_csv(load_exports(*paths))
    counts = [spilled.inputs(p).polls["store_id"].nunique()  # type: ignore[attr-defined]
              for p in spilled.partitions]  # type: ignore[attr-defined]
    assert sum(counts) == 60 and max(counts) <= 7 and len(counts) >= 60 // 7


def test_rejected_rows_keep_their_lines_across_blocks(tmp_path: Path) -> None:
    good = "s1,active,2024-11-05 10:00:00 UTC"
    body = [good, "", "s1,active", "s2,active,2024-11-05 10:00:00 UTC\r",
            "s2,active,2024-11-05 10:00\r00 UTC", good,
            "s3,inactive,2024-11-05 11:00:00 UTC,extra", "   ", "s4,maybe,x"] * 30
    status = "\n".join(["\ufeffstore_id,status,timestamp_utc", *body]) + "\n"
    paths = _write(tmp_path / "in", (status, NO_HOURS, NO_ZONES))
    whole = load_exports(*paths)
    assert len(whole.rejected) > 60
    for block in (10, 64, 333, 1 << 20):
        _, spilled = _spilled_csv(paths, tmp_path / str(block), 2, block, None, False)
        read = spilled.report_of_reading()  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(read.rejected, whole.rejected)
        assert read.summaries == whole.summaries


# ----------------------------------------------------------------------- from the database


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(texts=exports(), sizes=st.lists(st.integers(1, 14), min_size=1, max_size=4),
       as_of=as_ofs, extended=st.booleans())
def test_database_in_partitions_is_the_whole_report(db: Database,
                                                    tmp_path_factory: pytest.TempPathFactory,
                                                    texts: tuple[str, str, str],
                                                    sizes: list[int], as_of: pd.Timestamp | None,
                                                    extended: bool) -> None:
    db.clear()
    whole = load_exports(*_write(tmp_path_factory.mktemp("db"), texts))
    db.load(whole)
    # A database without polls has no newest poll to count as of: nothing is written.
    expected = (engine_csv(whole, as_of, extended) if len(whole.polls) or as_of is not None
                else "")
    for size in sizes:
        assert _stored_csv(db, as_of, size, extended) == expected


def test_the_production_sample_is_the_same_in_any_partitions(db: Database, export_dir: Path,
                                                             export_inputs: object) -> None:
    db.load(export_inputs)  # type: ignore[arg-type]
    expected = engine_csv(export_inputs, extended=True)  # type: ignore[arg-type]
    for size in (6, 41):
        assert _stored_csv(db, None, size, True) == expected
    paths = [export_dir / name for name in FILES]
    for size, block in ((5, 1 << 16), (10_000, 1 << 30)):
        text, _ = _spilled_csv(paths, export_dir.parent / f"spill-{size}", size, block, None,
                               True)
        assert text == expected


def test_stored_store_ids_are_in_text_order(db: Database) -> None:
    from storemon_core.db.partitions import stored_store_ids

    ids = ["b", "S9", "S10", "B", "a:1", "a-1"]
    stamp = pd.Timestamp("2024-11-05 10:00", tz="UTC")
    db.load(Inputs(polls=pd.DataFrame({
        "store_id": pd.Series(ids, dtype=object),
        "timestamp_utc": pd.Series([stamp] * len(ids)).astype("datetime64[us, UTC]"),
        "active": [True] * len(ids)})))
    with db.read() as conn:
        assert stored_store_ids(db.url, conn) == pa.array(sorted(ids))


# ------------------------------------------------------------------------- the command line


def test_the_cli_report_is_the_same_in_partitions(export_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def report(*flags: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["report", "--data-dir", str(export_dir), *flags], out, err)
        return code, out.getvalue(), err.getvalue()

    code, whole, _ = report("--partition-stores", "100000")
    assert code == 0
    code, parts, err = report("--partition-stores", "3")
    assert code == 0 and parts == whole and "partitions" in err
    monkeypatch.setenv(PARTITION_STORES_ENV, "5")
    code, parts, err = report()
    assert code == 0 and parts == whole and " partitions" in err
    monkeypatch.setenv(PARTITION_STORES_ENV, "five")
    code, _, err = report()
    assert code == 2 and PARTITION_STORES_ENV in err and "Traceback" not in err


@pytest.mark.parametrize("flags, says", [
    (["--partition-stores", "0"], "must be at least 1"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
    (["--engine", "dask"], "--engine dask reads the database"),
])
def test_the_cli_refuses_what_it_cannot_do(export_dir: Path, flags: list[str], says: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(["report", "--data-dir", str(export_dir), *flags], out, err)
    except SystemExit as exc:  # argparse's own refusal of a flag's value
        code = int(exc.code or 0)
    assert code == 2 and out.getvalue() == ""
    assert says in err.getvalue() + capsys.readouterr().err


def test_a_load_committing_between_partitions_is_read_again(
        db: Database, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch) -> None:
    from storemon_core.scale import runner

    times = export_inputs.polls["timestamp_utc"]
    as_of = times.max()
    older = times <= as_of - pd.Timedelta(days=1)
    db.load(Inputs(polls=export_inputs.polls[older].reset_index(drop=True),
                   business_hours=export_inputs.business_hours,
                   timezones=export_inputs.timezones))
    read_once = runner.read_partition_rows
    reads: list[int] = []

    def read_while_a_load_commits(*args: Any) -> Any:
        rows = read_once(*args)
        if not reads:
            db.load(export_inputs)  # the last day's polls arrive after the first partition
        reads.append(1)
        return rows

    monkeypatch.setattr(runner, "read_partition_rows", read_while_a_load_commits)
    text = _stored_csv(db, as_of, 5, True)
    assert text == engine_csv(export_inputs, as_of, extended=True)
    assert len(reads) > len(plan_partitions(text_order([f"{i}" for i in range(41)]), 5))
