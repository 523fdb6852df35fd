"""Running the dashboard under Streamlit's AppTest the way the server runs it.

AppTest resets Streamlit's "pages/ folder is the page list" flag before every run,
and the folder beside streamlit_app.py then makes it run a switched-to page on its
own, without the router in streamlit_app.py (and its database guard). The server
turns that flag off once (streamlit_app.declare_pages_folder_unused); `as_served`
does the same after each of AppTest's resets, so tests and benchmarks exercise the
router that browsers get.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from storemon_core.service import get_service
from storemon_core.service.status import ReportStatus
from tests.serving import streamlit_server

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
PAGES = ["pages/overview.py", "pages/reports.py", "pages/store.py", "pages/data.py"]
TIMEOUT = 60.0


class _ServedPagesManager(PagesManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@contextmanager
def as_served() -> Iterator[None]:
    """AppTest runs go through the router while this is active."""
    original = app_test.PagesManager
    app_test.PagesManager = _ServedPagesManager  # type: ignore[misc]
    try:
        yield
    finally:
        app_test.PagesManager = original  # type: ignore[misc]


def _raise_exceptions(at: AppTest) -> None:
    if at.exception:
        raise AssertionError([e.value for e in at.exception])


def open_page(page: str, timeout: float = TIMEOUT, **query: str) -> AppTest:
    """A first run of `page` (one of PAGES) with `query` in its URL, without exceptions."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if page != PAGES[0]:
        # switch_page needs the pages registered by a first run
        at.run()
        _raise_exceptions(at)
        at.switch_page(page)
    at.query_params.update(query)
    at.run()
    _raise_exceptions(at)
    return at


def wait_complete(url: str, report_id: str) -> None:
    state = get_service(url).wait(report_id, TIMEOUT)
    assert state is not None and state.status == ReportStatus.COMPLETE, state


# Read-only tables carry no element id in AppTest, so they are found by a column.
_TABLE_COLUMNS = {
    "report_row": "window",
    "upload_rejected": "reason",
    "business_hours": "open",
    "incidents": "duration_hours",
}


def table(at: AppTest, key: str) -> pd.DataFrame:
    """The st.dataframe with `key` (or, when read-only, with its telling column)."""
    for frame in at.dataframe:
        if frame.key == key:
            return frame.value
    for frame in at.dataframe:
        value = frame.value
        if key in _TABLE_COLUMNS and _TABLE_COLUMNS[key] in value.columns:
            return value
    raise KeyError(key)


def texts(at: AppTest) -> str:
    """Everything the page says in words (text, markdown, captions, alerts)."""
    parts = [e.value for e in (*at.text, *at.code, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.info, *at.error, *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts)


def shown_report_row(at: AppTest) -> dict[str, float]:
    """The Store page's numbers (one line per window) named as the report CSV names them."""
    shown = table(at, "report_row")
    row: dict[str, float] = {}
    for window, line in zip(("hour", "day", "week"), shown.itertuples(), strict=True):
        row[f"uptime_last_{window}"] = float(line.uptime)
        row[f"downtime_last_{window}"] = float(line.downtime)
    return row


@contextmanager
def serve(url: str, log_dir: Path) -> Iterator[str]:
    """`streamlit run` on a free port against the database at `url`; yields its base URL."""
    with streamlit_server(url, log_dir / "server.log") as server:
        yield server.base
