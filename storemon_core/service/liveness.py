"""Whether a Running report's process still lives: owners, heartbeats, orphans.

Each report row names the process that runs it (host, pid, boot token) and
carries a heartbeat that process refreshes. A report whose process died is
marked Failed ("interrupted") rather than left Running forever.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time

from storemon_core.db import Database
from storemon_core.service import state
from storemon_core.service.status import INTERRUPTED

# A running report's owner touches it this often; one silent for STALE_SECONDS
# is taken for dead (its process was killed or its host lost).
HEARTBEAT_SECONDS = 5.0
STALE_SECONDS = 120.0

HOST = socket.gethostname()[:64]
# Tells this process from an earlier one that had the same pid (containers reuse pids).
_BOOT = secrets.token_hex(8)


def owner() -> str:
    """This process, as a report row names its owner."""
    return f"{HOST}|{os.getpid()}|{_BOOT}"


def now_us() -> int:
    return time.time_ns() // 1000


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_dead(owner_text: str, heartbeat_us: int, at_us: int) -> bool:
    """Whether the process that ran a report is certainly or probably gone."""
    host, _, rest = owner_text.partition("|")
    pid_text, _, boot = rest.partition("|")
    if host == HOST and pid_text.isdigit():
        pid = int(pid_text)
        if not _pid_alive(pid):
            return True
        if pid == os.getpid():
            return boot != _BOOT
    # Another host (or a pid we cannot judge): trust the heartbeat.
    return at_us - heartbeat_us > STALE_SECONDS * 1_000_000


class Liveness:
    """The reports this process runs, kept alive in the database by a heartbeat."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heart = threading.Thread(target=self._beat, name="report-heartbeat", daemon=True)

    def start(self) -> None:
        self._heart.start()

    def stop(self) -> None:
        self._stop.set()

    def add(self, report_id: str) -> None:
        with self._lock:
            self._active.add(report_id)

    def discard(self, report_id: str) -> bool:
        """Forget a report that ended; returns whether none is left running."""
        with self._lock:
            self._active.discard(report_id)
            return not self._active

    def orphaned(self, row: state.ReportRow) -> bool:
        """Whether a Running row (id, owner, heartbeat) has lost its process."""
        m = row._mapping
        with self._lock:
            if m["id"] in self._active:
                return False
        return owner_dead(str(m["owner"]), int(m["heartbeat"]), now_us())

    def fail_orphans(self) -> int:
        """Mark Failed("interrupted") every Running report whose process is gone."""
        orphans = [str(r[0]) for r in state.running_rows(self.db) if self.orphaned(r)]
        for report_id in orphans:
            state.finish_failed(self.db, report_id, INTERRUPTED, now_us())
        return len(orphans)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                active = sorted(self._active)
            if not active:
                continue
            # A busy or lost database: the next beat tries again.
            with contextlib.suppress(Exception):
                state.touch(self.db, active, now_us())
