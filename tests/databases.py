"""Helpers of the database tests: whole-table snapshots, an empty database, and
loads run in child processes (killed, or started together)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select

from storemon_core.db import Database
from storemon_core.db.engines import make_engine
from storemon_core.db.schema import DATA_TABLES

ROOT = Path(__file__).resolve().parent.parent


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every data table, in a stable order (ids included)."""
    with db.read() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)).all()) for t in DATA_TABLES
        }


def drop_everything(url: str) -> None:
    """Leave the database without any table, alembic's included."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for name in inspect(conn).get_table_names():
                conn.exec_driver_sql(f"DROP TABLE {name}")
    finally:
        engine.dispose()


def child_script(body: str, setup: str = "pass") -> str:
    """Python source of a child process: `setup`, then `body`, with the loaders,
    `Database`, `bulk` and `load_dir` imported."""
    return textwrap.dedent(
        """
        import os, signal, sys, time
        from pathlib import Path
        from storemon_core.db import Database, bulk
        from tests.conftest import load_dir
        """
    ) + textwrap.dedent(setup) + "\n" + textwrap.dedent(body)


def run_child(
    script: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, env=env,
    )


def start_child(script: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env,
    )
