"""How current the data is: the newest poll and the last load that changed anything.

A report made at the newest poll after that load shows exactly what the engine
would say now, so the dashboard can show it as the live view instead of reading
and counting the whole week again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select

from storemon_core.db.database import Database
from storemon_core.db.reads import us_to_timestamp
from storemon_core.db.schema import loads, polls


@dataclass(frozen=True)
class Freshness:
    newest_poll: pd.Timestamp | None
    # When the last load that added polls or replaced hours or zones was written.
    last_change_at: pd.Timestamp | None


def freshness(db: Database) -> Freshness:
    """Two indexed lookups, in one snapshot."""
    db.create_schema()
    changed = or_(loads.c.polls_added > 0, loads.c.hours_stores > 0, loads.c.timezone_stores > 0)
    with db.read() as conn:
        newest = conn.execute(select(func.max(polls.c.ts))).scalar()
        last = conn.execute(select(func.max(loads.c.loaded_at)).where(changed)).scalar()
    return Freshness(us_to_timestamp(newest), us_to_timestamp(last))
