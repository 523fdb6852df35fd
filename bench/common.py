"""Shared helpers for the bench scripts: run a measured step in a fresh process.

A fresh interpreter per step keeps one step's memory and caches out of the next,
and the child's peak resident set (from wait4) is what the step really needed,
interpreter and imports included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class StepResult:
    """What a child step reported (its own timings) plus its peak RSS."""

    values: dict[str, Any]
    peak_mb: float


def run_step(script: Path, args: list[str]) -> StepResult:
    """Run `script args...` in a new interpreter; it prints one JSON object last."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdout=out,
            cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed ({proc.returncode}):\n{text}")
    last = text.strip().splitlines()[-1]
    # ru_maxrss is in KiB on Linux.
    return StepResult(values=json.loads(last), peak_mb=usage.ru_maxrss / 1024)


def emit(values: dict[str, Any]) -> None:
    """The child's side of run_step."""
    print(json.dumps(values), flush=True)


def print_checks(checks: list[tuple[str, str, bool]], name_width: int = 32,
                 measured_width: int = 58) -> bool:
    """The table of targets: name, what was measured, ok or MISSED; True if all met."""
    print()
    print(f"{'target':<{name_width}}{'measured':<{measured_width}}result")
    for name, measured, passed in checks:
        print(f"{name:<{name_width}}{measured:<{measured_width}}{'ok' if passed else 'MISSED'}")
    return all(passed for _, _, passed in checks)


def on_server(url: str, statement: str) -> None:
    """Run one statement on the MySQL server of `url`, outside any database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database=""))
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def buffer_pool_mb(url: str) -> int:
    """The InnoDB buffer pool of the server of `url`, in MB."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database=""))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one()) >> 20
    finally:
        engine.dispose()


def machine_speed() -> str:
    """How fast this machine is right now, in two numbers that move the benchmarks:
    Python bytecode (the pages, the engine's glue) and hash lookups in a table of
    the 140,000-store fleet's ids, which outgrows the caches (reading exports and
    grouping by store). A shared machine's speed drifts by 2x between days; these
    say how far, so that absolute targets are read beside them."""
    import time

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i
    loop_ns = (time.perf_counter() - start) / 2_000_000 * 1e9
    rng = np.random.default_rng(0)
    ids = pa.array([f"{n:019d}" for n in rng.integers(10**18, 9 * 10**18, 140_000)])
    rows = ids.take(pa.array(rng.integers(0, len(ids), 1_500_000)))
    start = time.perf_counter()
    pc.dictionary_encode(rows)
    lookup_ns = (time.perf_counter() - start) / len(rows) * 1e9
    return (f"the machine ran {loop_ns:.0f} ns per Python loop step, {lookup_ns:.0f} ns per "
            f"id looked up among 140,000")
