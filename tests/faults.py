"""Real faults for the service tests: a database that goes away, a MySQL session
that kills another's connection, a table or row another session holds."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import pymysql
from sqlalchemy.engine import make_url


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, at once released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TcpProxy:
    """Forwards a loopback port to a server until cut: then every connection
    through it breaks and new ones are refused, as when a server goes away."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # cut
            with self._lock:
                if self._cut:
                    client.close()
                    return
                server = socket.create_connection(self._target)
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            # shutdown() wakes the accept() in progress; close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


def mysql_session(url: str, unix_socket: str | None = None
                  ) -> pymysql.connections.Connection[pymysql.cursors.Cursor]:
    """A plain session of its own on the database of a MySQL SQLAlchemy `url`
    (through `unix_socket` when given)."""
    parsed = make_url(url)
    return pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=parsed.database,
        autocommit=True,
        unix_socket=unix_socket,
    )


def admin_sessions(url: str) -> list[pymysql.connections.Connection[pymysql.cursors.Cursor]]:
    """Sessions that together see every connection of `url`'s user.

    A user without the PROCESS privilege sees only its own account's connections,
    and one client reaches a local server as two accounts: connectorx's driver
    prefers the server's unix socket (user@localhost), pymysql keeps to TCP
    (user@127.0.0.1). So beside the TCP session, one through the socket, when
    the server has one on this machine."""
    sessions = [mysql_session(url)]
    with sessions[0].cursor() as cur:
        cur.execute("SELECT @@socket")
        row = cur.fetchone()
    path = str(row[0]) if row and row[0] else ""
    if path and os.path.exists(path):
        with contextlib.suppress(pymysql.err.MySQLError):
            sessions.append(mysql_session(url, unix_socket=path))
    return sessions


def statements_waiting(
    admin: pymysql.connections.Connection[pymysql.cursors.Cursor], like: str
) -> list[int]:
    """Connection ids (other than `admin`'s) of the same database whose statement
    text matches the SQL LIKE pattern `like`."""
    with admin.cursor() as cur:
        cur.execute(
            "SELECT ID FROM information_schema.PROCESSLIST"
            " WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE %s",
            (like,),
        )
        return [int(row[0]) for row in cur.fetchall()]


def kill_while(url: str, like: str, going_on: Callable[[], bool],
               timeout: float = 180.0) -> int:
    """KILL every connection of `url`'s database running a statement matching `like`
    for as long as `going_on()` (a retry through another connection is killed
    too); returns how many were killed, at least one."""
    sessions = admin_sessions(url)
    try:
        killed: set[int] = set()
        deadline = time.monotonic() + timeout
        while going_on() or not killed:
            assert time.monotonic() < deadline, f"no statement like {like!r} to kill"
            for admin in sessions:
                for connection_id in statements_waiting(admin, like):
                    if connection_id not in killed:
                        with admin.cursor() as cur, \
                                contextlib.suppress(pymysql.err.MySQLError):
                            cur.execute(f"KILL {connection_id}")
                        killed.add(connection_id)
            time.sleep(0.05)
        return len(killed)
    finally:
        for admin in sessions:
            admin.close()


@contextlib.contextmanager
def table_locked(url: str, table: str) -> Iterator[pymysql.connections.Connection[
        pymysql.cursors.Cursor]]:
    """Another session holds `table` (LOCK TABLES ... WRITE): every other session's
    statement on it waits, visibly, in the process list."""
    holder = mysql_session(url)
    try:
        with holder.cursor() as cur:
            cur.execute(f"LOCK TABLES `{table}` WRITE")
        yield holder
    finally:
        with contextlib.suppress(pymysql.err.MySQLError), holder.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        holder.close()


@contextlib.contextmanager
def rows_held_as_triggered(url: str) -> Iterator[Callable[[str], str]]:
    """On MySQL, a `hold(report_id)` that locks the report's row from another session
    at once, so that it cannot end; on SQLite (one writer) it holds nothing, and
    report_writes_held after the triggers does the holding."""
    if make_url(url).get_backend_name() == "sqlite":
        yield lambda report_id: report_id
        return
    session = mysql_session(url)
    session.autocommit(False)

    def hold(report_id: str) -> str:
        with session.cursor() as cur:
            cur.execute("SELECT id FROM reports WHERE id = %s FOR UPDATE", (report_id,))
        return report_id

    try:
        yield hold
    finally:
        session.close()


@contextlib.contextmanager
def report_writes_held(url: str) -> Iterator[None]:
    """Another session holds what a report must write to end (on SQLite the write
    lock, on MySQL every report row): reports can start and be read, never end."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(parsed.database or "", isolation_level=None, timeout=60)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
        finally:
            holder.close()
        return
    session = mysql_session(url)
    try:
        session.autocommit(False)
        with session.cursor() as cur:
            cur.execute("SELECT id FROM reports FOR UPDATE")
        yield
    finally:
        session.close()
