"""``python -m wisebook.cli``: the same commands as ``wisebook-ctl``."""

from wisebook.cli import main

main()
