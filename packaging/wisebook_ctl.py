"""The frozen bundle's one program: ``wisebook-ctl`` and its commands (serve, worker,
scheduler, migrate…), as the package's console script is."""

from wisebook.cli import main

if __name__ == "__main__":
    main()
