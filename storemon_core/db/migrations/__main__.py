"""Write the next schema revision from the difference between schema.py and the
newest revision (see the package's docstring)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from storemon_core.db import migrate
from storemon_core.db.engines import make_engine


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print('usage: python -m storemon_core.db.migrations "what the revision does"',
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="storemon_revision_") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        try:
            with engine.connect() as conn:
                migrate.upgrade(conn, str(engine.url), "scratch database")
                conn.commit()
                number = int(migrate.head_revision()) + 1
                script = command.revision(
                    migrate.alembic_config(conn), argv[0], autogenerate=True,
                    rev_id=f"{number:04d}",
                )
        finally:
            engine.dispose()
            migrate.scripts.cache_clear()  # the head has moved
    print(f"wrote {getattr(script, 'path', script)}: read it before you commit it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
