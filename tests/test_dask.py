"""`storemon report --engine dask`: partitions mapped over a cluster of two worker
processes, each reading its own partition from the database, give the local report
byte for byte (SQLite file and MySQL)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from storemon_core.cli import main
from storemon_core.db import Database
from storemon_core.frames import Inputs
from storemon_core.scale import dask_runner


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def _report(*flags: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["report", *flags], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("extended", [[], ["--extended"]])
def test_dask_report_is_the_local_report(db: Database, export_inputs: Inputs, scheduler: str,
                                         extended: list[str]) -> None:
    db.load(export_inputs)
    code, local, err = _report("--url", db.url, "--partition-stores", "100000", *extended)
    assert code == 0, err
    code, mapped, err = _report("--url", db.url, "--engine", "dask", "--scheduler", scheduler,
                                "--partition-stores", "6", *extended)
    assert code == 0, err
    assert mapped == local and "in 7 partitions" in err


def test_dask_without_a_scheduler_starts_its_own_cluster(tmp_path: Path,
                                                        export_inputs: Inputs) -> None:
    url = f"sqlite:///{tmp_path / 'storemon.db'}"
    Database(url).load(export_inputs)
    code, local, err = _report("--url", url)
    assert code == 0, err
    code, mapped, err = _report("--url", url, "--engine", "dask", "--workers", "2",
                                "--partition-stores", "10")
    assert code == 0, err
    assert mapped == local


def test_an_unreachable_scheduler_is_one_line_and_exit_2(
        tmp_path: Path, export_inputs: Inputs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_runner, "CONNECT_SECONDS", 2)
    url = f"sqlite:///{tmp_path / 'storemon.db'}"
    Database(url).load(export_inputs)
    code, out, err = _report("--url", url, "--engine", "dask", "--scheduler",
                             "tcp://127.0.0.1:9")
    assert code == 2 and out == ""
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err
