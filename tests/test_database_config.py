"""DATABASE_URL: environment first, then .env, then the SQLite file under data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from storemon_core import config


def test_default_is_the_sqlite_file_under_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_dotenv_loaded", True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.database_url() == f"sqlite:///{config.PROJECT_ROOT / 'data' / 'storemon.db'}"
    assert config.describe(config.database_url()).startswith("SQLite file ")


def test_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_dotenv_loaded", True)
    monkeypatch.setenv("DATABASE_URL", "mysql+pymysql://u:pw@db.example:3306/storemon")
    assert config.database_url() == "mysql+pymysql://u:pw@db.example:3306/storemon"


def test_dotenv_is_read_when_the_environment_is_silent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite:////srv/storemon.db\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(config, "_dotenv_loaded", False)
    try:
        assert config.database_url() == "sqlite:////srv/storemon.db"
    finally:
        monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql+pymysql://app:s3cr%40t@h:3306/db", "mysql+pymysql://app:***@h:3306/db"),
        ("mysql+pymysql://root@127.0.0.1/db", "mysql+pymysql://root@127.0.0.1/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_redact_hides_only_the_password(url: str, shown: str) -> None:
    assert config.redact(url) == shown
    assert "s3cr" not in config.describe(url)
