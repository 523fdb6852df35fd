"""`python -m storemon_core report ...`: see storemon_core.cli."""

from storemon_core.cli import main

raise SystemExit(main())
