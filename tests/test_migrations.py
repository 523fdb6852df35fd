"""Schema migrations: the revisions build exactly schema.py's tables, a database
made before migrations is taken as the first revision, a filled database
upgraded reports as before, and a new revision is written from schema.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect

from storemon_core.db import Database, DatabaseUnavailable, loads, migrate, upgrade_database
from storemon_core.db.engines import make_engine
from storemon_core.db.history import read_history
from storemon_core.db.loads import load_inputs
from storemon_core.db.migrations.__main__ import main as write_revision
from storemon_core.db.schema import ALL_TABLES, metadata
from storemon_core.frames import Inputs
from storemon_core.output.history_csv import period_csv
from storemon_core.service import state
from tests.builders import engine_csv
from tests.databases import drop_everything

FIRST = "0001"


@pytest.fixture
def bare_url(db_url: str) -> Iterator[str]:
    """The URL of a database without any table; the suite's schema is back after."""
    drop_everything(db_url)
    yield db_url
    drop_everything(db_url)
    Database(db_url).create_schema()


def upgrade_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), revision)
    finally:
        engine.dispose()


def fill(url: str, inputs: Inputs) -> None:
    """Load `inputs` with the loader alone, leaving the schema (the first revision's,
    which keeps no day totals) as it is."""
    engine = make_engine(url, local_infile=True)
    try:
        with engine.begin() as conn, patch.object(loads, "keep_day_totals"):
            load_inputs(url, conn, inputs, "store_status.csv", "load")
    finally:
        engine.dispose()


def differences(url: str, models: MetaData = metadata) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, models))
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_revisions_build_exactly_the_models(bare_url: str) -> None:
    Database(bare_url).create_schema()
    assert revision_of(bare_url) == migrate.head_revision()
    assert differences(bare_url) == []
    # And the comparison does see a model the revisions lack.
    models = MetaData()
    for table in ALL_TABLES:
        table.to_metadata(models)
    Table("not_migrated", models, Column("id", Integer, primary_key=True))
    assert [d[0] for d in differences(bare_url, models)] == ["add_table"]  # type: ignore[index]


def test_a_filled_first_revision_upgrades_and_reports_the_same(
    bare_url: str, export_inputs: Inputs
) -> None:
    upgrade_to(bare_url, FIRST)
    fill(bare_url, export_inputs)
    db = Database(bare_url)
    upgrade = db.upgrade_schema()
    assert upgrade.before == FIRST and upgrade.after == migrate.head_revision()
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)
    assert db.summary().loads == 1
    # No day totals were kept before revision 0002: history computes from raw polls.
    newest = export_inputs.polls["timestamp_utc"].max()
    first, last = (newest - pd.Timedelta(days=5)).date(), newest.date()
    got = read_history(db, first, last)
    assert period_csv(got.totals) == period_csv(read_history(db, first, last, kept=False).totals)
    assert len(got.totals) > 0
    db.dispose()


@pytest.mark.parametrize("lost", [[], ["reports", "rejected_rows"]])
def test_tables_made_before_migrations_are_taken_as_the_first_revision(
    bare_url: str, export_inputs: Inputs, lost: list[str]
) -> None:
    # What create_all made (or began to make, when `lost` tables are missing).
    upgrade_to(bare_url, FIRST)
    fill(bare_url, export_inputs)
    engine = make_engine(bare_url)
    with engine.begin() as conn:
        for name in [migrate.VERSION_TABLE, *lost]:
            conn.exec_driver_sql(f"DROP TABLE {name}")
    engine.dispose()
    assert revision_of(bare_url) is None

    db = Database(bare_url)
    upgrade = db.upgrade_schema()
    assert upgrade.unversioned and upgrade.before is None
    assert upgrade.after == revision_of(bare_url) == migrate.head_revision()
    assert "made before migrations" in upgrade.describe()
    assert differences(bare_url) == []
    assert engine_csv(db.read_inputs(), extended=True) == engine_csv(export_inputs, extended=True)
    again = db.upgrade_schema()
    assert not again.changed and "up to date" in again.describe()
    db.dispose()


def test_an_explicit_upgrade_says_what_it_did(bare_url: str) -> None:
    first = upgrade_database(bare_url)
    assert first.before is None and not first.unversioned
    assert first.after == migrate.head_revision() == revision_of(bare_url)
    assert first.describe().endswith(f"upgraded from no tables to revision {first.after}")
    second = upgrade_database(bare_url)
    assert not second.changed and second.before == first.after


def test_a_database_newer_than_the_code_is_refused(bare_url: str) -> None:
    Database(bare_url).create_schema()
    engine = make_engine(bare_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(DatabaseUnavailable, match="revision 9999") as refused:
        Database(bare_url).create_schema()
    assert "same, newest version" in str(refused.value)


def test_a_new_revision_is_written_from_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # On a copy of the revisions, with a table schema.py gained since the newest one.
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)
    migrate.scripts.cache_clear()
    added = Table("probe_history", metadata, Column("id", Integer, primary_key=True))
    newest = migrate.head_revision()
    try:
        assert write_revision(["add the probe history"]) == 0
        head = migrate.head_revision()
        written = copy / "versions" / f"{head}_add_the_probe_history.py"
        assert head == f"{int(newest) + 1:04d}"
        text = written.read_text()
        assert "create_table('probe_history'" in text or 'create_table("probe_history"' in text
        assert f"down_revision: str | None = '{newest}'" in text
        assert str(written) in capsys.readouterr().out
        url = f"sqlite:///{tmp_path / 'new.db'}"
        Database(url).create_schema()
        assert "probe_history" in table_names(url)
        assert differences(url) == []
    finally:
        metadata.remove(added)
        migrate.scripts.cache_clear()


def test_report_csvs_move_into_their_parts_and_back(bare_url: str) -> None:
    upgrade_to(bare_url, "0004")
    engine = make_engine(bare_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO reports (id, status, progress, phase, requested_at, owner, "
                "heartbeat, csv, extended_csv, daily_csv, period_first, period_last) VALUES "
                "('standard-0000000000', 'Complete', 1.0, 'done', 1, 'o', 1, 'a\n1\n', "
                "'a,b\n1,2\n', NULL, NULL, NULL), "
                "('period-00000000000000', 'Complete', 1.0, 'done', 2, 'o', 2, 'p\n', NULL, "
                "'d\n', '2024-01-01', '2024-01-02')")
    finally:
        engine.dispose()
    db = Database(bare_url)
    db.upgrade_schema()
    standard = state.stored_report(db, "standard-0000000000")
    period = state.stored_report(db, "period-00000000000000")
    assert standard is not None and period is not None
    assert (standard.csv, standard.extended_csv, standard.daily_csv) == ("a\n1\n", "a,b\n1,2\n",
                                                                         None)
    assert (period.csv, period.extended_csv, period.daily_csv) == ("p\n", None, "d\n")
    db.dispose()

    engine = make_engine(bare_url)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0004")
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, csv, extended_csv, daily_csv FROM reports ORDER BY id").all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("period-00000000000000", "p\n", None, "d\n"),
                                        ("standard-0000000000", "a\n1\n", "a,b\n1,2\n", None)]
