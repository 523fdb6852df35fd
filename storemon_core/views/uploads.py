"""Getting exports into the database from the dashboard: uploads and sample data.

A load through the dashboard skips rejected rows already on record (loading a file
again lists nothing twice), is followed by a report when it changed the data, and
ends with sentences saying what was new and what was already there.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from storemon_core.engine.period import DEFAULT_DAYS
from storemon_core.frames import Inputs
from storemon_core.units import Progress
from storemon_core.views.text import count_of

if TYPE_CHECKING:
    from storemon_core.db import Database, LoadStats
    from storemon_core.service import ReportService
    from storemon_core.service.autoreport import AfterLoad


@dataclass(frozen=True)
class LoadOutcome:
    """What a load did, for the person who asked for it."""

    stats: LoadStats
    rejected_again: int  # rejected rows already on record from an earlier load
    after: AfterLoad | None  # the reports started after the load

    @property
    def report_id(self) -> str | None:
        """The standard report started after the load."""
        return None if self.after is None else self.after.report_id

    def sentences(self) -> list[str]:
        s = self.stats
        already = s.polls_read - s.polls_added
        if s.polls_read and not s.polls_added:
            polls = f"No new polls: {count_of(s.polls_read, 'poll')} read, all already loaded."
        else:
            polls = (f"{count_of(s.polls_added, 'new poll')} of {s.polls_read:,} read "
                     f"({already:,} already loaded).")
        said = [polls]
        if s.stores_added:
            said.append(f"{count_of(s.stores_added, 'new store')}.")
        if s.hours_stores or s.timezone_stores:
            said.append(f"Business hours replaced for {count_of(s.hours_stores, 'store')}, "
                        f"time zones for {count_of(s.timezone_stores, 'store')}.")
        if s.rejected:
            said.append(f"{count_of(s.rejected, 'row')} rejected (listed under the rows "
                        "rejected by loads).")
        if self.rejected_again:
            said.append(f"{count_of(self.rejected_again, 'rejected row')} already on record "
                        "from an earlier load, not listed again.")
        if self.after is not None:
            said.append(f"A report as of the newest poll is being made ({self.report_id}); "
                        "the Overview shows it when it is ready.")
            if self.after.period_ids:
                said.append(f"So are period reports of the {DEFAULT_DAYS} days up to it and "
                            f"the {DEFAULT_DAYS} before, which the Trends page opens with.")
        else:
            said.append("Nothing changed that a report counts, so no report was started.")
        return said


def validate_uploads(
    status: IO[bytes] | None, hours: IO[bytes] | None, zones: IO[bytes] | None
) -> Inputs:
    """Parse uploaded exports without touching the database.

    Raises `storemon_core.exports.InputError` for a file that cannot be read at all (empty,
    wrong header); bad rows only end up in `Inputs.rejected`.
    """
    from storemon_core.exports import load_exports

    return load_exports(status, hours, zones)


def load(db: Database, service: ReportService, inputs: Inputs,
         progress: Progress | None = None) -> LoadOutcome:
    """Load checked exports, skipping rejections on record, then report if anything changed."""
    from storemon_core.db import rejections
    from storemon_core.service.autoreport import reports_after_load

    known = rejections.recorded(db, inputs.rejected["file"].astype(str))
    new = rejections.unrecorded(inputs.rejected, known)
    stats = db.load(replace(inputs, rejected=inputs.rejected[new]), progress=progress)
    return LoadOutcome(stats, int((~new).sum()), reports_after_load(service, stats))


def load_sample_data(
    db: Database, service: ReportService, stores: int = 200, days: int = 9, seed: int = 0,
    progress: Progress | None = None,
) -> LoadOutcome:
    """Generate the sample exports, read them like uploads and load them."""
    from storemon_core.exports import load_exports
    from storemon_core.sample.generate import generate_exports, write_exports

    exports = generate_exports(stores=stores, days=days, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_exports(Path(tmp), exports)
        inputs = load_exports(paths["status"], paths["hours"], paths["timezones"])
    return load(db, service, inputs, progress)
