"""The states a report passes through, as the API and the pages name them."""

from __future__ import annotations

from enum import StrEnum


class ReportStatus(StrEnum):
    """A report is Running until it ends Complete or Failed (the API's words)."""

    RUNNING = "Running"
    COMPLETE = "Complete"
    FAILED = "Failed"

    @property
    def ended(self) -> bool:
        return self is not ReportStatus.RUNNING


# The error of a report whose process died before it ended.
INTERRUPTED = "interrupted"
