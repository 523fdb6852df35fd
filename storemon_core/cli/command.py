"""What a subcommand is, and how its failures reach a person: one line, an exit code.

Each subcommand module defines a `Command`. Whatever goes wrong while it runs is
said on one line of standard error (never a traceback): a file that cannot be
read, an instant or a period out of range, a database that cannot be reached (which
database, what failed, what to check).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.exc import ArgumentError, DBAPIError

from storemon_core.config import database_url, redact
from storemon_core.db.errors import DatabaseUnavailable, unavailable
from storemon_core.engine.period import PeriodError
from storemon_core.exports import InputError
from storemon_core.instants import InstantError

EXIT_OK = 0
EXIT_FAILED = 1  # the work could not be done: database unreachable, load rolled back
EXIT_INPUT = 2  # nothing usable was given: a bad flag value, an unreadable file
EXIT_INTERRUPTED = 130

_URL_EXAMPLES = "sqlite:///data/storemon.db or mysql+pymysql://user:password@host:3306/storemon"

Run = Callable[[argparse.Namespace, TextIO, TextIO], int]


class CommandError(ValueError):
    """A request that cannot be carried out as given; the message says why."""


@dataclass(frozen=True)
class Command:
    """A subcommand: `storemon NAME ...`.

    `configure` adds the flags to a parser (every flag with a help text), `run`
    does the work with the parsed flags and returns the exit code.
    """

    name: str
    summary: str  # one line, in `storemon --help`
    description: str  # the opening paragraph of `storemon NAME --help`
    configure: Callable[[argparse.ArgumentParser], None]
    run: Run


def database_url_of(args: argparse.Namespace) -> str:
    """The database a command uses: its --url, else DATABASE_URL (or the SQLite default)."""
    url = getattr(args, "url", None)
    return str(url) if url else database_url()


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def run_command(command: Command, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `command`, turning every failure into one line on `err` and an exit code."""

    def say(message: str) -> None:
        print(f"error: {_one_line(message)}", file=err, flush=True)

    try:
        return command.run(args, out, err)
    except (CommandError, InputError, InstantError, PeriodError) as exc:
        say(str(exc))
        return EXIT_INPUT
    except DatabaseUnavailable as exc:
        say(str(exc))
        return EXIT_FAILED
    except DBAPIError as exc:
        # A driver error that reached here unexplained: still say which database,
        # what failed and what to check.
        say(str(unavailable(database_url_of(args), exc.orig or exc)))
        return EXIT_FAILED
    except ArgumentError as exc:
        say(f"not a usable database URL ({redact(database_url_of(args))}): {exc}. Check "
            f"DATABASE_URL or --url, e.g. {_URL_EXAMPLES}")
        return EXIT_INPUT
    except ModuleNotFoundError as exc:
        # Most often a URL naming a driver that is not installed (postgresql://...).
        say(f"the Python module {exc.name!r} is not installed (database URL "
            f"{redact(database_url_of(args))}); storemon works with {_URL_EXAMPLES}")
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader of standard output went away (e.g. `| head`): nothing more to say.
        return EXIT_FAILED
    except OSError as exc:  # a missing or unreadable file, a folder that cannot be written
        say(str(exc))
        return EXIT_INPUT
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect: still no traceback for the person at the terminal
        say(f"unexpected {type(exc).__name__}: {exc}")
        return EXIT_FAILED
