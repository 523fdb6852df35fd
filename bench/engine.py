"""CSV -> report speed and memory at production scale, against reading with pandas alone.

For each size (1,400, 14,000 and 56,000 stores by default) this generates the
three exports (real 2023 hours and zones when present), then runs, each in a
fresh process:

  pandas   pd.read_csv of the three files + pd.to_datetime of the timestamps
  full     storemon_core.exports.load_exports -> uptime_report -> report_csv
  engine   uptime_report alone on frames loaded beforehand (median of 3 runs)

Times are the best of --repeat fresh processes; peak is the largest resident
set of those processes (interpreter and imports included; `imports` is that
floor alone). Production density: the 2023 export had 1.82M polls of 14,092
stores over ~7.8 days (~0.66 polls per store-hour), so polls are generated with
a 32% miss rate to give ~2M polls for 14k stores over 9 days; a row at the
generator's own hourly density (3% missed) is added for 14k stores.

    .venv/bin/python bench/engine.py [--stores 14000] [--days 9] [--repeat 2] [--keep]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import emit, print_checks, run_step  # bench/common.py, beside this script

from storemon_core.sample.real_exports import REAL_2023, available, real_dir_or_none

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_MISSED = 0.32
HOURLY_MISSED = 0.03
TARGET_RATIO = 2.0  # CSV->report / pandas read
TARGET_ENGINE_S = 1.0
TARGET_PEAK_MB = 1536.0
FILES = ("store_status.csv", "menu_hours.csv", "timezones.csv")


# --- child steps ----------------------------------------------------------------


def paths(directory: Path) -> tuple[Path, Path, Path]:
    return directory / FILES[0], directory / FILES[1], directory / FILES[2]


def step_generate(directory: Path, stores: int, days: int, missed: float, seed: int) -> None:
    from storemon_core.sample.generate import generate_exports, write_exports

    real = real_dir_or_none(REAL_2023)
    start = time.perf_counter()
    exports = generate_exports(stores, days, seed, real_dir=real, missed_rate=missed)
    generated = time.perf_counter()
    write_exports(directory, exports)
    emit(
        {
            "generate": generated - start,
            "write": time.perf_counter() - generated,
            "polls": exports.poll_count,
            "stores": int(exports.store_ids.size),
            "hours_rows": len(exports.menu_hours),
            "real": real is not None,
            "mb": sum((directory / f).stat().st_size for f in FILES) / 2**20,
        }
    )


def step_imports() -> None:
    import pandas  # noqa: F401

    from storemon_core.engine import uptime  # noqa: F401

    emit({})


def step_pandas(directory: Path) -> None:
    import pandas as pd

    start, cpu = time.perf_counter(), time.process_time()
    status = pd.read_csv(directory / FILES[0])
    pd.read_csv(directory / FILES[1])
    pd.read_csv(directory / FILES[2])
    stamps = pd.to_datetime(
        status["timestamp_utc"].str.removesuffix(" UTC"), format="ISO8601", utc=True
    )
    emit(
        {
            "seconds": time.perf_counter() - start,
            "cpu": time.process_time() - cpu,
            "rows": len(stamps),
        }
    )


def step_full(directory: Path) -> None:
    from storemon_core.engine.uptime import uptime_report
    from storemon_core.exports import load_exports
    from storemon_core.output.report_csv import report_csv

    start, cpu = time.perf_counter(), time.process_time()
    inputs = load_exports(*paths(directory))
    loaded = time.perf_counter()
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones)
    counted = time.perf_counter()
    text = report_csv(report)
    (directory / "report.csv").write_text(text)
    done = time.perf_counter()
    emit(
        {
            "seconds": done - start,
            "cpu": time.process_time() - cpu,
            "load": loaded - start,
            "engine": counted - loaded,
            "csv": done - counted,
            "reported": len(report),
            "rejected": len(inputs.rejected),
        }
    )


def step_engine(directory: Path, runs: int) -> None:
    from storemon_core.engine.uptime import uptime_report
    from storemon_core.exports import load_exports

    inputs = load_exports(*paths(directory))
    times, cpus = [], []
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        uptime_report(inputs.polls, inputs.business_hours, inputs.timezones)
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    emit(
        {
            "seconds": statistics.median(times),
            "cpu": statistics.median(cpus),
            "first": times[0],
            "runs": times,
        }
    )


# --- driver -----------------------------------------------------------------------


@dataclass
class Row:
    label: str
    stores: int
    polls: int
    mb: float
    generate_s: float
    pandas_s: float
    pandas_cpu: float
    pandas_peak: float
    full_s: float
    full_cpu: float
    load_s: float
    engine_in_full_s: float
    csv_s: float
    full_peak: float
    engine_s: float
    engine_cpu: float
    engine_first_s: float
    engine_peak: float

    @property
    def ratio(self) -> float:
        return self.full_s / self.pandas_s


def measure(label: str, stores: int, days: int, missed: float, args: argparse.Namespace) -> Row:
    me = Path(__file__)
    directory = args.out / f"{stores}_{days}d_{round(missed * 100)}pct"
    directory.mkdir(parents=True, exist_ok=True)
    print(f"{label}: generating {stores:,} stores x {days} days ...", file=sys.stderr, flush=True)
    gen = run_step(
        me, ["generate", str(directory), str(stores), str(days), str(missed), str(args.seed)]
    ).values

    def best(step: str, *extra: str) -> tuple[dict[str, float], float]:
        results = [run_step(me, [step, str(directory), *extra]) for _ in range(args.repeat)]
        fastest = min(results, key=lambda r: float(r.values["seconds"]))
        return fastest.values, max(r.peak_mb for r in results)

    print(f"{label}: pandas, full, engine ...", file=sys.stderr, flush=True)
    pandas_v, pandas_peak = best("pandas")
    full_v, full_peak = best("full")
    if full_v["rejected"]:
        raise RuntimeError(f"{full_v['rejected']} generated rows were rejected")
    engine_v, engine_peak = best("engine", "3")
    return Row(
        label=label,
        stores=stores,
        polls=int(gen["polls"]),
        mb=float(gen["mb"]),
        generate_s=float(gen["generate"] + gen["write"]),
        pandas_s=pandas_v["seconds"],
        pandas_cpu=pandas_v["cpu"],
        pandas_peak=pandas_peak,
        full_s=full_v["seconds"],
        full_cpu=full_v["cpu"],
        load_s=full_v["load"],
        engine_in_full_s=full_v["engine"],
        csv_s=full_v["csv"],
        full_peak=full_peak,
        engine_s=engine_v["seconds"],
        engine_cpu=engine_v["cpu"],
        engine_first_s=engine_v["first"],
        engine_peak=engine_peak,
    )


def print_table(rows: list[Row], imports_mb: float) -> None:
    header = (
        f"{'set':<16}{'stores':>8}{'polls':>11}{'CSV MB':>8}{'gen s':>7}"
        f"{'pandas s':>10}{'full s':>8}{'(load':>7}{'engine':>7}{'csv)':>6}"
        f"{'full/pd':>9}{'engine s':>10}{'1st':>6}"
        f"{'pd MB':>7}{'full MB':>9}{'eng MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.label:<16}{r.stores:>8,}{r.polls:>11,}{r.mb:>8.0f}{r.generate_s:>7.1f}"
            f"{r.pandas_s:>10.2f}{r.full_s:>8.2f}{r.load_s:>7.2f}{r.engine_in_full_s:>7.2f}"
            f"{r.csv_s:>6.2f}{r.ratio:>9.2f}{r.engine_s:>10.2f}{r.engine_first_s:>6.2f}"
            f"{r.pandas_peak:>7.0f}{r.full_peak:>9.0f}{r.engine_peak:>8.0f}"
        )
    print(
        f"pandas s: read_csv x3 + to_datetime; full s: load_exports + uptime_report + report_csv "
        f"(split in parentheses); engine s: uptime_report on loaded frames, median of 3 "
        f"(1st = first call); MB: peak RSS of that process (imports alone: {imports_mb:.0f} MB)."
    )
    print()
    print("CPU seconds of the same steps (what other load on the machine inflates least):")
    print(f"{'set':<16}{'pandas':>8}{'full':>8}{'full/pd':>9}{'engine':>8}")
    for r in rows:
        print(
            f"{r.label:<16}{r.pandas_cpu:>8.2f}{r.full_cpu:>8.2f}"
            f"{r.full_cpu / r.pandas_cpu:>9.2f}{r.engine_cpu:>8.2f}"
        )


def print_targets(rows: list[Row]) -> bool:
    by_label = {r.label: r for r in rows}
    base = by_label.get("production")
    if base is None:
        return True
    checks: list[tuple[str, str, bool]] = [
        (
            "CSV->report <= 2x pandas read",
            f"{base.full_s:.2f} s / {base.pandas_s:.2f} s = {base.ratio:.2f}x "
            f"(CPU {base.full_cpu / base.pandas_cpu:.2f}x)",
            base.ratio <= TARGET_RATIO,
        ),
        (
            "engine alone < 1 s",
            f"{base.engine_s:.2f} s (first call {base.engine_first_s:.2f} s, "
            f"CPU {base.engine_cpu:.2f} s)",
            base.engine_s < TARGET_ENGINE_S,
        ),
        (
            "peak memory < 1.5 GB",
            f"{base.full_peak:.0f} MB (CSV->report process)",
            base.full_peak < TARGET_PEAK_MB,
        ),
    ]
    big = by_label.get("4x stores")
    if big is not None:
        time_ratio = big.full_s / base.full_s
        poll_ratio = big.polls / base.polls
        per_poll = time_ratio / poll_ratio
        checks.append(
            (
                "4x stores ~ 4x time",
                f"{time_ratio:.2f}x time for {poll_ratio:.2f}x polls "
                f"(per poll {per_poll:.2f}x; engine {big.engine_s / base.engine_s:.2f}x)",
                per_poll <= 1.25,
            )
        )
    return print_checks(checks)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in {"generate", "imports", "pandas", "full", "engine"}:
        return child(sys.argv[1], sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="fresh processes per timing")
    parser.add_argument("--out", type=Path, help="keep the generated files here")
    parser.add_argument("--only", choices=["production"], help="just the production-scale row")
    args = parser.parse_args()
    keep = args.out is not None
    args.out = args.out or Path(tempfile.mkdtemp(prefix="storemon-bench-"))

    import numpy
    import pandas

    print(
        f"storemon engine benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, numpy {numpy.__version__}; "
        f"real 2023 hours/zones: {'yes' if available(REAL_2023) else 'no'}",
        flush=True,
    )
    load_before = _load_average()
    imports_mb = run_step(Path(__file__), ["imports"]).peak_mb
    sizes = [("production", args.stores, PRODUCTION_MISSED)]
    if args.only is None:
        sizes = [
            ("10x fewer", args.stores // 10, PRODUCTION_MISSED),
            *sizes,
            ("4x stores", args.stores * 4, PRODUCTION_MISSED),
            ("hourly, 3% miss", args.stores, HOURLY_MISSED),
        ]
    try:
        rows = [measure(label, n, args.days, missed, args) for label, n, missed in sizes]
    finally:
        if not keep:
            shutil.rmtree(args.out, ignore_errors=True)
    print()
    print(f"load average before: {load_before}, after: {_load_average()} (2 cores = busy at 2)")
    print_table(rows, imports_mb)
    return 0 if print_targets(rows) else 1


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def child(step: str, argv: list[str]) -> int:
    if step == "imports":
        step_imports()
    elif step == "generate":
        step_generate(Path(argv[0]), int(argv[1]), int(argv[2]), float(argv[3]), int(argv[4]))
    elif step == "pandas":
        step_pandas(Path(argv[0]))
    elif step == "full":
        step_full(Path(argv[0]))
    else:
        step_engine(Path(argv[0]), int(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
