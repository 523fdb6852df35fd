"""One partition's report rows: the engine and the CSV writer on its inputs alone."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from storemon_core.engine.uptime import EXTENDED_COLUMNS, REPORT_COLUMNS, uptime_report
from storemon_core.frames import Inputs
from storemon_core.output.report_csv import report_csv


@dataclass(frozen=True)
class PartitionRows:
    """A partition's report as CSV lines without the header, and how many stores."""

    text: str
    stores: int


def csv_header(extended: bool) -> str:
    return ",".join(EXTENDED_COLUMNS if extended else REPORT_COLUMNS) + "\n"


def report_rows(inputs: Inputs, as_of: pd.Timestamp, extended: bool) -> PartitionRows:
    """The rows the whole fleet's report has for the stores of `inputs`, counted as of
    the run's one instant `as_of`."""
    if len(inputs.polls) == 0:
        return PartitionRows("", 0)
    report = uptime_report(inputs.polls, inputs.business_hours, inputs.timezones, as_of)
    text = report_csv(report, extended=extended)
    header = csv_header(extended)
    if not text.startswith(header):  # pragma: no cover - report_csv always writes it first
        raise ValueError("the report CSV does not start with its header")
    return PartitionRows(text[len(header):], len(report))
