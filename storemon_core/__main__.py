"""`python -m storemon_core COMMAND ...`: the same command line as `storemon`."""

from storemon_core.cli import main

raise SystemExit(main(prog="python -m storemon_core"))
