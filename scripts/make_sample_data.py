#!/usr/bin/env python3
"""Write a deterministic, realistic set of the three exports: `storemon sample`.

    scripts/make_sample_data.py --out data/sample
    scripts/make_sample_data.py --out /tmp/big --stores 14000 --days 9 --seed 1

The flags are those of `storemon sample` (docs/cli.md); storemon must be installed
(`make` installs it into .venv).
"""

from storemon_core.cli import run_script

if __name__ == "__main__":
    raise SystemExit(run_script("sample", "make_sample_data.py"))
