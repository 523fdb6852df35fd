"""Getting exports into the database from the dashboard: uploads and sample data."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from storemon_core.frames import Inputs
from storemon_core.units import Progress

if TYPE_CHECKING:
    from storemon_core.db import Database


def validate_uploads(
    status: IO[bytes] | None, hours: IO[bytes] | None, zones: IO[bytes] | None
) -> Inputs:
    """Parse uploaded exports without touching the database.

    Raises `storemon_core.exports.InputError` for a file that cannot be read at all (empty,
    wrong header); bad rows only end up in `Inputs.rejected`.
    """
    from storemon_core.exports import load_exports

    return load_exports(status, hours, zones)


def load_sample_data(
    db: Database, stores: int = 200, days: int = 9, seed: int = 0, progress: Progress | None = None
) -> Inputs:
    """Generate the sample exports, read them like uploads and load them."""
    from storemon_core.exports import load_exports
    from storemon_core.sample.generate import generate_exports, write_exports

    exports = generate_exports(stores=stores, days=days, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_exports(Path(tmp), exports)
        inputs = load_exports(paths["status"], paths["hours"], paths["timezones"])
    db.load(inputs, progress=progress)
    return inputs
