#!/usr/bin/env python3
"""Bulk import of a large file of entries, timed: the service the "import_ecritures" task runs,
in one transaction, on a fresh PostgreSQL database (the company set up as the wizard does).

    .venv/bin/python bench/imports.py --lignes 1000000 [--base wisebook_import] [--detail]

Writes a CSV of three-line entries (sales, purchases, bank, payroll over one year, tiers on
the 411/401 lines, registered by the import), then imports it and prints the time of the read-and-check phase, of the
whole import to commit, and the lines per second; then verifies the hash chain, numbering and
balances, and imports the same file again (refused as already imported).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import tempfile
import time
from pathlib import Path

from common import ADMIN_EMAIL, fresh_books, psql
from generate import MIX, entry_lines
from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.books import companies
from wisebook.services.imports import pipeline as imports
from wisebook.services.verify import verify_company

HEADER = "ecriture;journal;date;piece;libelle;compte;libelle_ligne;debit;credit;tiers\n"


def write_file(path: Path, lines: int, seed: int) -> int:
    """A WiseBook-layout CSV of ``lines`` lines (three per entry) over 2026; entries written."""
    rng = random.Random(seed)
    journals = [j for j, _ in MIX]
    weights = [w for _, w in MIX]
    count = lines // 3
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            journal = rng.choices(journals, weights)[0]
            day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
            label, rows = entry_lines(journal, rng)
            head = f"E{n};{journal};{day:%d/%m/%Y};P{n};{label}"
            out.write(
                "".join(
                    f"{head};{account};{line_label};{debit or ''};{credit or ''};{partner or ''}\n"
                    for account, line_label, debit, credit, partner in rows
                )
            )
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lignes", type=int, default=1_000_000)
    parser.add_argument("--base", default="wisebook_import")
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--garder", action="store_true", help="keep the scratch database")
    parser.add_argument("--detail", action="store_true", help="print each progress report with its time")
    args = parser.parse_args()
    engine, company_id = fresh_books(args.base, 2026)
    with tempfile.TemporaryDirectory(prefix="wisebook-import-") as folder:
        path = Path(folder) / "ecritures.csv"
        started = time.perf_counter()
        entries = write_file(path, args.lignes, args.graine)
        print(
            f"fichier : {entries * 3:_} lignes, {entries:_} écritures, {path.stat().st_size / 1e6:.0f} Mo "
            f"écrit en {time.perf_counter() - started:.1f} s".replace("_", " ")
        )
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        marks: dict[str, float] = {}

        def progress(done: int, total: int | None = None, message: str | None = None) -> None:
            if done >= 45 and "contrôle" not in marks:
                marks["contrôle"] = time.perf_counter()
            if args.detail and message:
                print(f"  {time.perf_counter() - started:6.1f} s  {done:3d} %  {message}")

        with Session(engine) as s:
            user_id = s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            company = companies.company_for_user(s, user_id, company_id)
            report = imports.run(
                s,
                company,
                path,
                filename=path.name,
                sha256=sha,
                user_id=user_id,
                progress=progress,
                create_partners=True,  # the file's tiers codes are registered as it goes in
            )
        elapsed = time.perf_counter() - started
        checked = marks.get("contrôle", started) - started
        print(
            f"import : {report['statut']}, {report['lignes_importees']:_} lignes ; lecture et contrôle "
            f"{checked:.1f} s, import complet (commit compris) {elapsed:.1f} s, "
            f"{report['lignes_importees'] / elapsed:_.0f} lignes/s".replace("_", " ")
        )
        with Session(engine) as s, s.begin():
            company = companies.company_for_user(s, user_id, company_id)
            again = imports.run(s, company, path, filename=path.name, sha256=sha, user_id=user_id)
        print(f"même fichier une seconde fois : {again['statut']}")
    started = time.perf_counter()
    with Session(engine) as s:
        problems = verify_company(s, company_id)
    print(
        f"vérification (chaîne, numérotation, soldes) : {problems or 'conforme'} en {time.perf_counter() - started:.1f} s"
    )
    engine.dispose()
    if not args.garder:
        psql(f"DROP DATABASE IF EXISTS {args.base} WITH (FORCE)")


if __name__ == "__main__":
    main()
