"""The `storemon` command line: one subcommand per module of this package.

A subcommand is a `Command` (name, help, flags, run) in its own module; its line
in COMMANDS adds it to `storemon`, `python -m storemon_core`, the scripts' way
in (`run_script`) and the docs test. docs/cli.md documents every flag.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from storemon_core.cli import history, load, report, sample
from storemon_core.cli.command import Command, run_command

COMMANDS: tuple[Command, ...] = (
    report.COMMAND,
    history.COMMAND,
    load.COMMAND,
    sample.COMMAND,
)


def _describe(parser: argparse.ArgumentParser, command: Command) -> argparse.ArgumentParser:
    command.configure(parser)
    parser.set_defaults(command=command)
    return parser


def build_parser(prog: str = "storemon") -> argparse.ArgumentParser:
    """The whole command line: `prog COMMAND [flags]`."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Store uptime during business hours: reports from the CSV exports or "
        "the database, loads into the database, sample data. docs/cli.md has every "
        "command and flag; docs/counting.md how the numbers are counted.",
    )
    commands = parser.add_subparsers(dest="command_name", required=True, metavar="COMMAND")
    for command in COMMANDS:
        _describe(
            commands.add_parser(command.name, help=command.summary,
                                description=command.description),
            command,
        )
    return parser


def command_parser(name: str, prog: str) -> argparse.ArgumentParser:
    """One subcommand's flags as a program of its own (scripts/dbcreate.py is `load`)."""
    command = next(c for c in COMMANDS if c.name == name)
    return _describe(argparse.ArgumentParser(prog=prog, description=command.description),
                     command)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None,
         out: TextIO | None, err: TextIO | None) -> int:
    args = parser.parse_args(argv)
    return run_command(args.command, args, out or sys.stdout, err or sys.stderr)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    prog: str = "storemon",
) -> int:
    """Run the command line and return its exit code (argparse exits by itself for
    --help and for flags it cannot read)."""
    return _run(build_parser(prog), argv, out, err)


def run_script(name: str, prog: str, argv: Sequence[str] | None = None) -> int:
    """Run the subcommand `name` with the flags of a script named `prog`."""
    return _run(command_parser(name, prog), argv, None, None)
