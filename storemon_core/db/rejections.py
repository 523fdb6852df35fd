"""Rejected rows already on record, so that loading a file again does not list them twice."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select

from storemon_core.db.database import Database
from storemon_core.db.schema import rejected_rows

# One rejection as the loader reports it.
KEY = ["file", "line", "reason", "row"]


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[KEY].astype({"file": str, "line": "int64", "reason": str, "row": str})


def recorded(db: Database, files: Iterable[str]) -> pd.DataFrame:
    """The rejections (file, line, reason, row) stored by loads of files with these names."""
    names = sorted(set(files))
    db.create_schema()
    table = rejected_rows
    with db.read() as conn:
        rows = conn.execute(
            select(table.c.file, table.c.line, table.c.reason, table.c.row)
            .where(table.c.file.in_(names))
        ).all() if names else []
    return _keyed(pd.DataFrame([tuple(r) for r in rows], columns=KEY))


def unrecorded(rejected: pd.DataFrame, known: pd.DataFrame) -> pd.Series:
    """A mask of the rows of a loader's rejected frame that are not on record yet."""
    if rejected.empty:
        return pd.Series(False, index=rejected.index, dtype=bool)
    seen = _keyed(known).drop_duplicates().assign(_seen=True)
    found = _keyed(rejected).merge(seen, how="left", on=KEY)["_seen"]
    return pd.Series(found.isna().to_numpy(), index=rejected.index, dtype=bool)
