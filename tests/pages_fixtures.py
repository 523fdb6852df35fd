"""Fixtures of the pages' AppTest modules (loaded with `pytest_plugins`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storemon_core.db import open_database
from storemon_core.service import get_service
from storemon_core.views import uploads
from tests.pages_app import as_served, wait_complete


@pytest.fixture
def through_the_router() -> Iterator[None]:
    with as_served():
        yield


def _use_database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    open_database(url).create_schema()


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    _use_database(url)
    return url


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small sample fleet with one complete report."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'loaded.db'}"
    before = os.environ.get("DATABASE_URL")
    _use_database(url)
    outcome = uploads.load_sample_data(open_database(url), get_service(url), stores=40, days=9,
                                       seed=3)
    assert outcome.report_id is not None  # the report after every load that adds polls
    wait_complete(url, outcome.report_id)
    yield url
    if before is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = before


@pytest.fixture
def use_loaded(loaded_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", loaded_db)
    return loaded_db
