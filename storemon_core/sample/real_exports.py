"""Where the polling system's real exports are, when this checkout has them.

They are never copied into the repository: by default they sit beside it, in
../shared/data/real/{2023,2025}; STOREMON_REAL_DATA names another folder. The
sample generator takes most stores' hours and zones from the 2023 export when it
is there; tests and benchmarks find the exports through here.
"""

from __future__ import annotations

import os
from pathlib import Path

from storemon_core.config import PROJECT_ROOT

REAL_DATA_ENV = "STOREMON_REAL_DATA"
REAL_DATA = Path(os.environ.get(REAL_DATA_ENV) or PROJECT_ROOT.parent / "shared" / "data" / "real")
REAL_2023 = REAL_DATA / "2023"
REAL_2025 = REAL_DATA / "2025"


def available(folder: Path = REAL_2023) -> bool:
    return (folder / "menu_hours.csv").is_file()


def real_dir_or_none(folder: Path = REAL_2023) -> Path | None:
    """The folder when its exports are here, else None (generated data stands in)."""
    return folder if available(folder) else None
