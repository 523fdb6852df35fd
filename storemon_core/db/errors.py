"""A database that cannot be reached, said so that an operator knows what to check.

Drivers' exceptions carry stack frames, SQL and installation paths; a person at the
CLI or in the dashboard gets which database, what failed and what to look at,
while the original exception stays attached (``__cause__``) for the server's log.
"""

from __future__ import annotations

from storemon_core.config import describe


class DatabaseUnavailable(RuntimeError):
    """The database named by a URL could not be used; str() is for people."""

    def __init__(self, url: str, what: str, check: str) -> None:
        self.database = describe(url)
        self.what = what
        self.check = check
        super().__init__(f"{self.database}: {what}. Check {check}.")


def _hint(message: str) -> tuple[str, str]:
    lowered = message.lower()
    if "access denied" in lowered or "1045" in lowered:
        return ("the server refused the user name or password",
                "the user and password in DATABASE_URL")
    if "unknown database" in lowered or "1049" in lowered:
        return ("the server has no such database",
                "the database name in DATABASE_URL, or load data first with `storemon load`")
    if "can't connect" in lowered or "2003" in lowered or "connection refused" in lowered:
        return ("no server answered", "that the server is running and DATABASE_URL's host and port")
    if "unable to open database file" in lowered or "readonly" in lowered:
        return ("the SQLite file cannot be opened or written",
                "that its folder exists and is writable")
    if "lost connection" in lowered or "2013" in lowered or "gone away" in lowered:
        return ("the connection to the server was lost", "the server's log and network")
    return ("the database could not be used", "the server's log")


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    """A DatabaseUnavailable for a driver error, chained to it."""
    what, check = _hint(str(error))
    failure = DatabaseUnavailable(url, what, check)
    failure.__cause__ = error
    return failure
