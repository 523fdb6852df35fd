#!/usr/bin/env python3
"""Create the storemon tables if missing and load the three CSV exports: `storemon load`.

    scripts/dbcreate.py --data-dir data/sample
    scripts/dbcreate.py --status store_status.csv --hours menu_hours.csv --timezones timezones.csv
    scripts/dbcreate.py --status newer_polls.csv --append

The flags are those of `storemon load` (docs/cli.md); storemon must be installed
(`make` installs it into .venv).
"""

from storemon_core.cli import run_script

if __name__ == "__main__":
    raise SystemExit(run_script("load", "dbcreate.py"))
