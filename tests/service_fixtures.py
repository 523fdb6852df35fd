"""Fixtures the service and API tests share: import them into a test module to use
them (under the names given here, which its tests take as arguments)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storemon_core.db import Database
from storemon_core.frames import Inputs
from storemon_core.service import ReportService


@pytest.fixture(name="loaded")
def loaded_database(db: Database, export_inputs: Inputs) -> Database:
    """The test database (SQLite and MySQL) loaded with the generated exports."""
    db.load(export_inputs)
    return db


@pytest.fixture(name="svc")
def loaded_service(loaded: Database) -> Iterator[ReportService]:
    """A ReportService on the loaded database, shut down after the test."""
    service = ReportService(loaded)
    yield service
    service.shutdown()
