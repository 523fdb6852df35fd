"""Write a deterministic, realistic set of the three exports (see storemon_core.sample.generate).

python scripts/make_sample_data.py --out data/sample
python scripts/make_sample_data.py --out /tmp/big --stores 14000 --days 9 --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storemon_core.sample.generate import DEFAULT_END, generate_exports, write_exports  # noqa: E402

# Real 2023 hours and zones, used when this machine has them.
REAL_DIR = ROOT.parent / "shared" / "data" / "real" / "2023"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "sample", help="output folder")
    parser.add_argument("--stores", type=int, default=200, help="number of stores (default 200)")
    parser.add_argument("--days", type=int, default=9, help="days of polls (default 9)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--end",
        default=str(DEFAULT_END.tz_localize(None)),
        help="newest poll time, UTC (default %(default)s: the last week holds the US fall-back)",
    )
    parser.add_argument(
        "--real-dir",
        default="auto",
        help="folder with real menu_hours.csv and timezones.csv to take most stores from; "
        f"'auto' uses {REAL_DIR} when present, 'none' makes every store synthetic",
    )
    return parser.parse_args(argv)


def real_dir(choice: str) -> Path | None:
    if choice == "none":
        return None
    if choice == "auto":
        return REAL_DIR if (REAL_DIR / "menu_hours.csv").is_file() else None
    path = Path(choice)
    if not (path / "menu_hours.csv").is_file() or not (path / "timezones.csv").is_file():
        raise SystemExit(f"--real-dir {path}: menu_hours.csv and timezones.csv not found")
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        end = pd.Timestamp(args.end)
    except ValueError as exc:
        raise SystemExit(f"--end {args.end!r}: {exc}") from exc
    if args.stores < 1 or args.days < 1:
        raise SystemExit("--stores and --days must be at least 1")
    source = real_dir(args.real_dir)
    started = time.perf_counter()
    exports = generate_exports(args.stores, args.days, args.seed, end, source)
    paths = write_exports(args.out, exports)
    print(
        f"{exports.store_ids.size:,} stores, {exports.poll_count:,} polls, "
        f"{len(exports.menu_hours):,} hours rows, {len(exports.timezones):,} zone rows "
        f"({'real hours and zones from ' + str(source) if source else 'all synthetic'}) "
        f"in {time.perf_counter() - started:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
