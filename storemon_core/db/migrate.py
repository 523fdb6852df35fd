"""Schema migrations with Alembic: bringing a database up to this code's schema.

The revisions live in storemon_core/db/migrations/versions and ship with the
package; Alembic is configured here, in code, so no alembic.ini is needed. Every
start (the app, the service, `storemon load`) upgrades the database it opens, in
the turn loads take (storemon_core.db.locks), so concurrent starts do not race.
A database made before migrations (its tables, no alembic_version) is taken as
the first revision: the first revision creates only the tables it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from storemon_core.db.errors import DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class SchemaUpgrade:
    """What bringing a database up to date did."""

    database: str
    before: str | None  # the revision found; None for no storemon schema at all
    after: str
    unversioned: bool  # tables made before migrations, taken as the first revision

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if not self.changed:
            return f"{self.database}: schema at revision {self.after}, already up to date"
        found = ("tables made before migrations" if self.unversioned
                 else f"revision {self.before}" if self.before else "no tables")
        return f"{self.database}: schema upgraded from {found} to revision {self.after}"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code; migrations/env.py runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # New revision files are named 0002_what_it_does.py, in order.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = scripts().get_current_head()
    assert head is not None, "storemon_core/db/migrations/versions has no revision"
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def is_current(conn: Connection) -> bool:
    return current_revision(conn) == head_revision()


def upgrade(conn: Connection, url: str, label: str) -> SchemaUpgrade:
    """Upgrade the database on `conn`, which holds the database's turn."""
    before = current_revision(conn)
    known = {script.revision for script in scripts().walk_revisions()}
    if before is not None and before not in known:
        raise DatabaseUnavailable(
            url,
            f"its schema is at revision {before}, which this storemon does not know "
            f"(it knows up to {head_revision()})",
            "that every storemon process runs the same, newest version",
        )
    tables = set(inspect(conn).get_table_names())
    unversioned = before is None and bool(tables - {VERSION_TABLE})
    command.upgrade(alembic_config(conn), "head")
    after = current_revision(conn)
    assert after is not None
    return SchemaUpgrade(label, before, after, unversioned)
