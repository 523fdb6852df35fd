"""Settings from the environment or a .env file: chiefly where the data lives.

The default is an SQLite file under data/, so the app runs without a server;
production points DATABASE_URL at MySQL (mysql+pymysql://user:pw@host:3306/db).
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv
from sqlalchemy.engine import make_url

_CHECKOUT = Path(__file__).resolve().parent.parent
# A checkout keeps its data and .env beside the code; an installed copy (site-packages)
# keeps them in the folder it is run from, never inside the installation.
PROJECT_ROOT = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "storemon.db"

_dotenv_loaded = False


def _load_dotenv() -> None:
    # Real environment variables win over .env, so CI and shells can override it.
    global _dotenv_loaded
    if not _dotenv_loaded:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        load_dotenv(override=False)
        _dotenv_loaded = True


def default_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def database_url() -> str:
    """The SQLAlchemy URL of the database to use (env or .env DATABASE_URL)."""
    _load_dotenv()
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or default_url()


def int_setting(name: str, default: int, minimum: int = 0) -> int:
    """A whole-number setting from the environment or .env, else `default`."""
    _load_dotenv()
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def redact(url: str) -> str:
    """The URL with its password hidden, for showing in the app and the CLI."""
    try:
        parsed = make_url(url)
    except Exception:
        return "<invalid database URL>"
    return parsed.render_as_string(hide_password=True)


def describe(url: str) -> str:
    """A short human label: which kind of database and where."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database or ':memory:'}"
    return f"MySQL {redact(url)}"
