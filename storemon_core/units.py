"""Units shared by every stage: instants are whole microseconds since the epoch (UTC)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
US_PER_WEEK = 7 * US_PER_DAY

# A progress callback: (fraction done in [0, 1], the phase in words).
Progress = Callable[[float, str], None]
