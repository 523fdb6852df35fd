"""Rejected rows: setting them aside with their line and reason, and saying so to a person.

A file's rejected rows are those the line reader set aside (wrong field count)
plus those whose fields fail a check; the first failing check names the reason.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from storemon_core.exports.lines import Table
from storemon_core.frames import FileSummary, Inputs, empty_rejected


def set_aside(
    table: Table, checks: list[tuple[np.ndarray, str]]
) -> tuple[np.ndarray, pd.DataFrame, FileSummary]:
    """Mask of usable rows, the rejected frame (first failing check names the reason)."""
    keep = np.ones(len(checks[0][0]), dtype=bool)
    for ok, _ in checks:
        keep &= ok
    bad = np.flatnonzero(~keep)
    reason = np.full(len(bad), "", dtype=object)
    for ok, why in reversed(checks):
        reason[~ok[bad]] = why
    lines = table.row_lines(bad)
    content = pd.DataFrame(
        {
            "file": table.name,
            "line": lines + 1,
            "reason": reason,
            "row": table.line_text(lines),
        }
    )
    parts = [f for f in (table.shape_rejects, content) if len(f)]
    rejected = (
        pd.concat(parts, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)
        if parts
        else empty_rejected()
    )
    rejected = rejected_dtypes(rejected)
    summary = FileSummary(
        file=table.name,
        read=table.read,
        kept=table.read - len(rejected),
        rejected=len(rejected),
    )
    return keep, rejected, summary


def rejected_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": frame["file"].astype(object),
            "line": frame["line"].astype("int64"),
            "reason": frame["reason"].astype(object),
            "row": frame["row"].astype(object),
        }
    )


# Characters that would act on a terminal or reorder the text instead of showing.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def format_rejections(inputs: Inputs, first: int = 5) -> str:
    """Per file: how many rows were rejected and why, with the first few line numbers.

    Empty when nothing was rejected.
    """
    lines: list[str] = []
    rejected = inputs.rejected
    for summary in inputs.summaries:
        if summary.rejected == 0:
            continue
        rows = rejected[rejected["file"] == summary.file]
        reasons = rows["reason"].value_counts(sort=True)
        why = "; ".join(f"{n:,} {reason}" for reason, n in reasons.items())
        counts = f"{summary.rejected:,} of {summary.read:,} rows rejected"
        lines.append(f"{_printable(summary.file)}: {counts} ({why})")
        for _, row in rows.head(first).iterrows():
            text = _printable(str(row["row"]))
            if len(text) > 80:
                text = text[:77] + "..."
            lines.append(f"  line {row['line']}: {row['reason']}: {text}")
        if len(rows) > first:
            lines.append(f"  ... and {len(rows) - first:,} more")
    return "\n".join(lines)
