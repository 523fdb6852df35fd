"""The pages facing faults and hostile input: a database that cannot be used, store ids
that look like markup, an as-of out of range. None of them may end in a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from storemon_core.db import open_database
from storemon_core.frames import Inputs
from storemon_core.service import get_service
from tests import builders
from tests.conftest import mysql_test_url
from tests.pages_app import PAGES, open_page, texts, wait_complete

pytest_plugins = ["tests.pages_fixtures"]
pytestmark = pytest.mark.usefixtures("through_the_router")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unusable(kind: str, tmp_path: Path) -> tuple[str, str, str]:
    """(DATABASE_URL, how the page names that database, words of what to check)."""
    if kind == "wrong password":
        url = make_url(mysql_test_url()).set(password="not-the-password")
        shown = url.render_as_string(hide_password=True)
        return url.render_as_string(hide_password=False), shown, "password"
    if kind == "closed port":
        port = _closed_port()
        return f"mysql+pymysql://root@127.0.0.1:{port}/storemon", f":{port}/storemon", "port"
    if kind == "folder is a file":
        (tmp_path / "a-file").write_text("not a folder")
        path = tmp_path / "a-file" / "storemon.db"
        return f"sqlite:///{path}", str(path), "folder"
    path = tmp_path / "a-folder.db"  # "file is a folder": SQLite cannot open it
    path.mkdir()
    return f"sqlite:///{path}", str(path), "folder"


@pytest.mark.parametrize("kind", ["wrong password", "closed port", "folder is a file",
                                  "file is a folder"])
@pytest.mark.parametrize("page", PAGES)
def test_an_unusable_database_is_explained_on_every_page(
    kind: str, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, shown, check = _unusable(kind, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    at = open_page(page, store_id="s1")
    assert [e.value for e in at.error] == [
        "The database cannot be used, so this page cannot show its data."
    ]
    said = texts(at)
    assert f"Database: {'MySQL' if 'mysql' in url else 'SQLite file'}" in said
    assert shown in said and "What failed: " in said and check in said.split("What to check")[-1]
    assert "not-the-password" not in said
    for detail in ("Traceback", "site-packages", ".py", "sqlalche.me", "OperationalError"):
        assert detail not in said


def _hostile_fleet() -> Inputs:
    """Ids valid by the contract that markdown would change: the worst store among them."""
    stamps = pd.date_range("2024-11-06 08:00", periods=10, freq="h", tz="UTC")
    rows = [("a.__bold__", str(t), "inactive") for t in stamps]
    rows += [("x:tada:", str(t), "active") for t in stamps]
    rows += [("m:material/home:", str(t), "active" if i % 2 else "inactive")
             for i, t in enumerate(stamps)]
    return Inputs(polls=builders.polls(*rows))


MARKDOWN_IDS = ["a.__bold__", "x:tada:", "m:material/home:"]


def _rendered_as_markdown(at: AppTest) -> list[str]:
    """Every string Streamlit renders as markdown on this page."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.header, *at.subheader)]
    parts += [e.value for e in (*at.info, *at.error, *at.warning, *at.success)]
    for metric in at.metric:
        parts += [metric.label, metric.value, str(metric.delta or "")]
    parts += [str(e.proto.label) for e in at.get("page_link")]
    return [str(p) for p in parts]


def test_store_ids_are_plain_text_on_the_overview(empty_db: str) -> None:
    open_database(empty_db).load(_hostile_fleet())
    wait_complete(empty_db, get_service(empty_db).trigger_report())
    at = open_page(PAGES[0])
    assert "Worst store, last week: a.__bold__" in [t.value for t in at.text]  # literally
    for shown in _rendered_as_markdown(at):
        assert not any(store_id in shown for store_id in MARKDOWN_IDS), shown


@pytest.mark.parametrize("store_id", MARKDOWN_IDS)
def test_store_ids_are_plain_text_on_the_store_page(empty_db: str, store_id: str) -> None:
    open_database(empty_db).load(_hostile_fleet())
    at = open_page(PAGES[2], store_id=store_id)
    assert any(store_id in t.value for t in at.text)
    for shown in _rendered_as_markdown(at):
        assert store_id not in shown, shown


def test_a_report_out_of_range_says_why_instead_of_a_traceback(empty_db: str) -> None:
    # A poll beyond the contract's range (written before loads checked for it).
    future = builders.polls(
        ("s1", "2024-11-06 10:00", "active"), ("s1", "2300-01-01 00:00", "active")
    )
    open_database(empty_db).load(Inputs(polls=future))
    before = len(get_service(empty_db).list_reports(50))
    at = open_page(PAGES[1])
    at.button(key="generate").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "No report was started: it cannot be made at this instant."
    ]
    assert "outside 1970-01-01 … 2199-12-31" in texts(at)
    assert len(get_service(empty_db).list_reports(50)) == before
