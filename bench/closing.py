#!/usr/bin/env python3
"""Year-end closing of large years, timed: the service the "cloture" task runs, in one
transaction, on a database made by generate.py (its years are closed in order).

    .venv/bin/python bench/generate.py --lignes 5000000 --base wisebook_cloture
    .venv/bin/python bench/closing.py --base wisebook_cloture [--annees 2]

Prints, for each year closed: its posted lines, the time of the checks and the whole
closing, the à-nouveaux lines made; then verifies the hash chain, numbering and balances.
"""

from __future__ import annotations

import argparse
import time

from common import ADMIN_EMAIL, database_url, server_env
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.db import make_engine, models
from wisebook.services import closing, verify
from wisebook.services.books import companies, years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="wisebook_cloture")
    parser.add_argument("--annees", type=int, default=1, help="how many years to close, oldest first")
    args = parser.parse_args()
    settings = settings_module.load(environ=server_env(database_url(args.base)))
    engine = make_engine(settings)
    with Session(engine) as session:
        user_id = session.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
        company_id = session.scalar(select(models.Company.id))
        still_open = [fy.code for fy in years.list_fiscal_years(session, company_id) if fy.status == "ouvert"]
    for code in still_open[: args.annees]:
        with Session(engine) as session, session.begin():
            fy = years.get_fiscal_year(session, company_id, code)
            lines = session.scalar(
                select(func.count())
                .select_from(models.Line)
                .join(models.Entry, models.Entry.id == models.Line.entry_id)
                .where(models.Entry.fiscal_year_id == fy.id)
            )
            started = time.perf_counter()
            found = closing.preview(session, company_id, fy.id)
            checks = time.perf_counter() - started
            company = companies.company_for_user(session, user_id, company_id)
            done = closing.close(session, company, fy.id, user_id)
            elapsed = time.perf_counter() - started
        print(
            f"exercice {code} : {lines:,} lignes, contrôles {checks:.1f} s, clôture complète {elapsed:.1f} s, "
            f"{done.opening_lines} lignes d'à-nouveaux, résultat {done.result:,} XOF".replace(",", " ")
        )
        if found.blockers:
            print("  points bloquants :", [b.message for b in found.blockers])
    started = time.perf_counter()
    with Session(engine) as session:
        problems = verify.verify_company(session, company_id)
    print(f"verify : {len(problems)} anomalie(s) en {time.perf_counter() - started:.1f} s")
    engine.dispose()


if __name__ == "__main__":
    main()
