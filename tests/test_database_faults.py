"""The database layer under hostile input and faults: rows too long for a column,
a server that cannot be reached, a disk that fills during a load."""

from __future__ import annotations

import pandas as pd

from storemon_core.db import Database
from storemon_core.exports.loading import load_exports
from storemon_core.frames import Inputs

GOOD_POLLS = b"store_id,status,timestamp_utc\nS1,active,2024-01-01 10:00:00\n"


def with_rejected(inputs: Inputs, rows: list[dict[str, object]]) -> Inputs:
    more = pd.DataFrame({
        name: pd.Series([r[name] for r in rows], dtype="int64" if name == "line" else object)
        for name in inputs.rejected.columns
    })
    rejected = pd.concat([inputs.rejected, more], ignore_index=True)
    return Inputs(inputs.polls, inputs.business_hours, inputs.timezones, rejected)


# ----------------------------------------------------------------- rows too long to keep


def test_a_huge_rejected_row_is_kept_bounded_and_the_load_goes_through(db: Database) -> None:
    huge = "S9,active," + "x" * 70_000  # over MySQL's 65,535-byte TEXT
    wide = "S8," + "\U0001f600" * 20_000  # 80,000 bytes in UTF-8 from 20,003 characters
    inputs = with_rejected(load_exports(GOOD_POLLS), [
        {"file": "store_status.csv", "line": 3, "reason": "bad status " + "y" * 70_000,
         "row": huge},
        {"file": "a" * 300 + "/store_status.csv", "line": 4, "reason": "bad", "row": wide},
        {"file": "store_status.csv", "line": 5, "reason": "bad", "row": "S7,\udcff,lone"},
    ])
    stats = db.load(inputs, files="store_status.csv " + "z" * 70_000)
    assert stats.polls_added == 1 and stats.rejected == 3
    assert len(db.read_inputs().polls) == 1
    kept = db.rejected_rows().sort_values("line").reset_index(drop=True)
    assert kept["line"].tolist() == [3, 4, 5]
    first, second, third = (kept.iloc[i] for i in range(3))
    # The start of each row and its full length, within what every column holds.
    assert first["row"].startswith(huge[:1000]) and "70,010 characters" in first["row"]
    assert second["row"].startswith(wide[:1000]) and "20,003 characters" in second["row"]
    for text in kept["row"].tolist() + kept["reason"].tolist():
        assert len(text.encode("utf-8")) < 65_535
    assert first["reason"].startswith("bad status yyy")
    assert second["file"].endswith("/store_status.csv") and len(second["file"]) <= 255
    assert third["row"].startswith("S7,") and third["row"].endswith(",lone")
