"""wisebook-ctl: the operator's command line (DESIGN §7, §8).

Exit codes: 0 success, 1 a failure explained in one line on stderr, 2 bad usage. The commands
live in ``processes``, ``books`` and ``appliance``; importing them registers them on ``main``.
"""

from wisebook.cli import appliance, books, processes
from wisebook.cli.common import main
from wisebook.cli.processes import scheduler_main, worker_main

__all__ = ["appliance", "books", "main", "processes", "scheduler_main", "worker_main"]
