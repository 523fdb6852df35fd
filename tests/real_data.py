"""Where the polling system's real exports are (storemon_core.sample.real_exports),
and a mark for tests that need them."""

from __future__ import annotations

import pytest

from storemon_core.sample.real_exports import (
    REAL_2023,
    REAL_2025,
    REAL_DATA,
    available,
    real_dir_or_none,
)

__all__ = ["REAL_2023", "REAL_2025", "REAL_DATA", "available", "needs_real_data",
           "real_dir_or_none"]

needs_real_data = pytest.mark.skipif(
    not available(REAL_2023) or not available(REAL_2025),
    reason=f"real exports not found in {REAL_DATA} (set STOREMON_REAL_DATA)",
)
