"""The database layer: schema, migrations, reads, bulk writes, loads.

    from storemon_core.db import open_database
    db = open_database()          # DATABASE_URL, schema brought up to date
    db.load(inputs)               # one transaction
    inputs = db.read_inputs()     # the frames the CSV loader makes

Modules, each with one job: engines (SQLAlchemy set-up), database (the Database
handle and its transactions), reads (stored rows to frames), columns (bulk column
reads), bulk (fast integer writes), loads (merging a load into what is stored),
locks (loads and upgrades take turns), schema (the tables), migrate and
migrations/ (Alembic revisions, applied on every start), registry (one Database
per URL and process), admin (creating the MySQL database, upgrading on demand),
errors (a database that cannot be used, said for people).
"""

from storemon_core.db.admin import create_database_if_missing, upgrade_database
from storemon_core.db.database import Database
from storemon_core.db.engines import is_mysql, is_mysql_url
from storemon_core.db.errors import DatabaseUnavailable, unavailable
from storemon_core.db.loads import LoadStats
from storemon_core.db.locks import LOCK_WAIT_ENV, TurnNotGranted
from storemon_core.db.migrate import SchemaUpgrade
from storemon_core.db.reads import DataSummary, timestamp_to_us, us_to_timestamp
from storemon_core.db.registry import open_database
from storemon_core.db.schema import reports

__all__ = [
    "DataSummary",
    "Database",
    "DatabaseUnavailable",
    "LOCK_WAIT_ENV",
    "LoadStats",
    "SchemaUpgrade",
    "TurnNotGranted",
    "create_database_if_missing",
    "is_mysql",
    "is_mysql_url",
    "open_database",
    "reports",
    "timestamp_to_us",
    "unavailable",
    "upgrade_database",
    "us_to_timestamp",
]
