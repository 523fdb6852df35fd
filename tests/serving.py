"""The real app as a user runs it: `streamlit run streamlit_app.py` on a free loopback
port, for the tests and benchmarks that need a server process of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


# The pages' own URLs (each serves the app shell; the page itself runs over the
# websocket), and the health check a load balancer would poll.
PAGE_PATHS = ["/", "/overview", "/store", "/reports", "/data", "/_stcore/health"]
# How often a client asks whether its report has ended (the Reports page: 1 s).
POLL_SECONDS = 0.25


@dataclass
class LoadResult:
    """What a burst of reports and page views got back."""

    answers: list[httpx.Response]  # each report's last /get_report (or failed trigger)
    page_views: list[tuple[str, int, float]]  # path, status, seconds
    wall_seconds: float  # from the first trigger until every report had ended


def run_load(base: str, triggers: int, viewers: int = 2, rounds: int = 5,
             timeout: float = 900.0, poll_seconds: float = POLL_SECONDS) -> LoadResult:
    """`triggers` clients each trigger a report at the same moment and poll it until
    it ends, while `viewers` clients open every page `rounds` times. Bounded: every
    request has a timeout and the whole burst gives up after `timeout` seconds."""
    start = threading.Barrier(triggers + viewers)
    deadline = time.monotonic() + timeout

    def report() -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120) as client:
            start.wait()
            triggered = client.get("/trigger_report")
            if triggered.status_code != 200:
                return triggered
            report_id = triggered.json()["report_id"]
            while True:
                answer = client.get("/get_report", params={"report_id": report_id})
                if answer.status_code != 202:
                    return answer
                if time.monotonic() > deadline:
                    raise TimeoutError(f"report {report_id} still running after {timeout} s")
                time.sleep(poll_seconds)

    def view() -> list[tuple[str, int, float]]:
        seen = []
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            for _ in range(rounds):
                for path in PAGE_PATHS:
                    began = time.perf_counter()
                    status = client.get(path).status_code
                    seen.append((path, status, time.perf_counter() - began))
        return seen

    with ThreadPoolExecutor(max_workers=triggers + viewers) as pool:
        began = time.perf_counter()
        reports = [pool.submit(report) for _ in range(triggers)]
        views = [pool.submit(view) for _ in range(viewers)]
        answers = [f.result() for f in reports]
        wall = time.perf_counter() - began
        page_views = [seen for f in views for seen in f.result()]
    return LoadResult(answers, page_views, wall)
