"""Database fixtures: every data-layer test runs on SQLite and on MySQL.

MySQL comes from STOREMON_TEST_MYSQL_URL (CI sets it to a throw-away database),
else the local server's storemon_test database, created when missing. When the
server cannot be reached the MySQL tests are skipped locally but fail in CI
(CI=true): there they must run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storemon_core.db import Database
from storemon_core.frames import Inputs
from tests.real_data import REAL_2023, real_dir_or_none

DEFAULT_MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/storemon_test"
_mysql_error: dict[str, str] = {}


def mysql_test_url() -> str:
    return os.environ.get("STOREMON_TEST_MYSQL_URL") or DEFAULT_MYSQL_URL


def _ensure_mysql_database(url: str) -> None:
    parsed = make_url(url)
    name = parsed.database
    server = create_engine(parsed.set(database=""), connect_args={"connect_timeout": 5})
    try:
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"))
    finally:
        server.dispose()


def _mysql_or_skip() -> str:
    url = mysql_test_url()
    if url not in _mysql_error:
        try:
            _ensure_mysql_database(url)
            _mysql_error[url] = ""
        except Exception as exc:  # unreachable server, bad credentials...
            _mysql_error[url] = f"{type(exc).__name__}: {exc}"
    problem = _mysql_error[url]
    if problem:
        message = f"MySQL test database unavailable ({problem})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(params=["sqlite", "mysql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty storemon database, SQLite file or MySQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'storemon.db'}"
    return _mysql_or_skip()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A Database with the schema and no rows (tables are emptied before each test)."""
    database = Database(db_url)
    database.create_schema()
    database.clear()
    try:
        yield database
    finally:
        database.dispose()




@pytest.fixture(scope="session")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated export set (store_status.csv, menu_hours.csv, timezones.csv),
    with real 2023 hours and zones when the real exports are on this machine, plus a
    store whose polls all predate the last week (reported with zeros)."""
    from storemon_core.sample.generate import generate_exports, write_exports

    out = tmp_path_factory.mktemp("exports")
    exports = generate_exports(
        stores=40, days=9, seed=7, real_dir=real_dir_or_none(REAL_2023)
    )
    paths = write_exports(out, exports)
    newest = exports.poll_time_us.max()
    stale = [
        pd.Timestamp(int(newest) - days * 86_400_000_000 - 3_600_000_000, unit="us", tz="UTC")
        for days in (8, 9)
    ]
    with open(paths["status"], "a", encoding="utf-8") as f:
        for ts, status in zip(stale, ("inactive", "active"), strict=True):
            f.write(f"stale-store-1,{status},{ts.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC\n")
    return out


def load_dir(directory: Path) -> Inputs:
    from storemon_core.exports import load_exports

    return load_exports(
        directory / "store_status.csv", directory / "menu_hours.csv", directory / "timezones.csv"
    )


@pytest.fixture(scope="session")
def export_inputs(export_dir: Path) -> Inputs:
    return load_dir(export_dir)
