"""Where the polling system's real exports are: one place for tests and benchmarks.

They are never copied into the repository. By default they sit beside it, in
../shared/data/real/{2023,2025}; STOREMON_REAL_DATA names another folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = Path(os.environ.get("STOREMON_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
REAL_2023 = REAL_DATA / "2023"
REAL_2025 = REAL_DATA / "2025"


def available(folder: Path = REAL_2023) -> bool:
    return (folder / "menu_hours.csv").is_file()


def real_dir_or_none(folder: Path = REAL_2023) -> Path | None:
    """The folder when its exports are here, else None (generated data stands in)."""
    return folder if available(folder) else None


needs_real_data = pytest.mark.skipif(
    not available(REAL_2023) or not available(REAL_2025),
    reason=f"real exports not found in {REAL_DATA} (set STOREMON_REAL_DATA)",
)
