"""The real app as a user runs it: `streamlit run streamlit_app.py` on a free loopback
port, for the tests and benchmarks that need a server process of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx2 as httpx

from tests.faults import free_port

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90.0


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    def peak_rss_mb(self) -> float:
        """The server process's peak resident set so far (Linux VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to tidy up, as in a crash."""
        self.process.kill()
        self.process.wait()


def _wait_healthy(server: Server, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if server.process.poll() is not None:
            raise AssertionError(f"streamlit exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{server.base}/_stcore/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"streamlit did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


@contextmanager
def streamlit_server(
    database_url: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """The app with its API on DATABASE_URL=`database_url`, output in `log`; stopped
    (or killed) on leaving."""
    port = free_port()
    settings = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(env or {}),
    }
    out: IO[bytes] = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port)],
        cwd=ROOT, env=settings, stdout=out, stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_healthy(server, log)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        out.close()

