"""The database layer: schema, migrations, reads, bulk writes, loads.

    from storemon_core.db import open_database
    db = open_database()          # DATABASE_URL, schema brought up to date
    db.load(inputs)               # one transaction
    inputs = db.read_inputs()     # the frames the CSV loader makes

Modules, each with one job: engines (SQLAlchemy set-up), database (the Database
handle and its transactions), reads (stored rows to frames), bulk (fast integer
writes), loads (merging a load into what is stored), registry (one Database per
URL and process), admin (creating the MySQL database), schema (the tables),
columns (bulk column reads), errors (a database that cannot be used).
"""

from storemon_core.db.admin import create_database_if_missing
from storemon_core.db.database import Database
from storemon_core.db.engines import is_mysql, is_mysql_url
from storemon_core.db.errors import DatabaseUnavailable, unavailable
from storemon_core.db.loads import LoadStats
from storemon_core.db.reads import DataSummary, timestamp_to_us, us_to_timestamp
from storemon_core.db.registry import open_database
from storemon_core.db.schema import reports

__all__ = [
    "DataSummary",
    "Database",
    "DatabaseUnavailable",
    "LoadStats",
    "create_database_if_missing",
    "is_mysql",
    "is_mysql_url",
    "open_database",
    "reports",
    "timestamp_to_us",
    "unavailable",
    "us_to_timestamp",
]
