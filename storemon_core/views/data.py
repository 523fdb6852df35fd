"""The Data page: what the database holds, and how uploaded files fared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

import pandas as pd

from storemon_core.frames import Inputs
from storemon_core.views.text import value_text


def rejected_table(inputs: Inputs, limit: int = 1000) -> pd.DataFrame:
    """Rejected rows (file, line, reason, row) in file and line order."""
    rejected = inputs.rejected
    if rejected.empty:
        return rejected.reset_index(drop=True)
    ordered = rejected.sort_values(["file", "line"], kind="mergesort").head(limit)
    return ordered.astype({"file": str, "reason": str, "row": str}).reset_index(drop=True)


def file_summary_table(inputs: Inputs) -> pd.DataFrame:
    """How each uploaded file fared: rows read, kept, rejected."""
    return pd.DataFrame(
        [
            {"file": s.file, "read": s.read, "kept": s.kept, "rejected": s.rejected}
            for s in inputs.summaries
        ],
        columns=["file", "read", "kept", "rejected"],
    )


def summary_table(summary: Any, hide: Sequence[str] = ()) -> pd.DataFrame:
    """A data summary object (dataclass or mapping) as a two-column table."""
    if is_dataclass(summary) and not isinstance(summary, type):
        items = [(f.name, getattr(summary, f.name)) for f in fields(summary)]
    elif isinstance(summary, Mapping):
        items = list(summary.items())
    else:
        items = list(vars(summary).items())
    items = [(name, value) for name, value in items if name not in hide]
    return pd.DataFrame(
        {
            "what": [name.replace("_", " ") for name, _ in items],
            "value": [value_text(value) for _, value in items],
        }
    )
