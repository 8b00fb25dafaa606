#!/usr/bin/env python3
"""Backup, verification, restore drill and restore of a large PostgreSQL database, timed.

Run on a database made by generate.py (it is replaced by its own backup at the end):

    .venv/bin/python bench/generate.py --lignes 1000000 --base wisebook_sauvegarde
    .venv/bin/python bench/backups.py --base wisebook_sauvegarde

Prints the dump's size and how long each step took: pg_dump with the signed manifest, the
manifest's verification (SHA-256 of the whole dump), the weekly drill (restore into a scratch
database and verify the hash chain and balances there), and a full restore in place.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from common import database_url, server_env
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.db import make_engine, models
from wisebook.ops import backups
from wisebook.services import verify


def timed(label: str, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    print(f"{label:<56} {time.perf_counter() - started:8.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="wisebook_sauvegarde")
    args = parser.parse_args()
    env = server_env(database_url(args.base))
    env["WISEBOOK_BACKUP_DIR"] = tempfile.mkdtemp(prefix="wisebook-bench-sauvegardes-")
    settings = settings_module.load(environ=env)
    engine = make_engine(settings)
    with Session(engine) as session:
        lines = session.scalar(select(func.count()).select_from(models.Line))
    print(f"base {args.base} : {lines:,} lignes".replace(",", " "))
    made = timed("sauvegarde (pg_dump -Fc + manifeste signé)", lambda: backups.create(settings, engine))
    size = made.manifest["taille"]
    print(f"{'taille de la sauvegarde':<56} {size / 1e6:8.1f} Mo")
    timed(
        "vérification du manifeste (SHA-256)", lambda: backups.verify(made.path, settings.backup_signing_key)
    )
    drill = timed(
        "exercice de restauration (base d'essai + verify)",
        lambda: backups.drill(settings, engine, verify.verify_all),
    )
    print(f"{'anomalies trouvées par l’exercice':<56} {len(drill['problemes']):8d}")
    timed(
        "restauration en place (pg_restore --single-transaction)",
        lambda: backups.restore(settings, engine, made.path, safety_backup=False),
    )
    engine.dispose()


if __name__ == "__main__":
    main()
