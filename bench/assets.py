#!/usr/bin/env python3
"""Fixed assets at scale: a register of 20 000 assets (every category, straight line and
declining balance, bought over five years), the year's depreciation run posted by the service
— against its goal (30 s) — then the register's page and its API through HTTP from one web
process (200 ms). Beside, as baselines of the same run: the plans computed alone, without a
write, and PostgreSQL's own GROUP BY of the register by category.

    .venv/bin/python bench/assets.py [--base wisebook_immobilisations] [--immobilisations 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import random
import statistics
import time

import psycopg2
from common import ADMIN_EMAIL, fresh_books, login, psql, server_env, start_server
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wisebook.data import ohada
from wisebook.db import models
from wisebook.ledger import assets as rules
from wisebook.services.assets import depreciation, register
from wisebook.services.books import companies, years

GOALS = {"dotations de l'exercice": 30_000, "page du registre": 200}


def timed(port: int, token: str, path: str, repetitions: int) -> tuple[float, float]:
    times = []
    for _ in range(repetitions):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        began = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "text/html"})
        answer = conn.getresponse()
        answer.read()
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status == 200, answer.status
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="wisebook_immobilisations")
    parser.add_argument("--immobilisations", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--garder", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    rng = random.Random(args.graine)
    engine, company_id = fresh_books(args.base, 2026)
    url = engine.url.render_as_string(hide_password=False)
    categories = list(ohada.asset_categories().values())
    with Session(engine) as s, s.begin():
        user_id = s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
        for year in (2027,):
            years.create_fiscal_year(s, company_id, year)
        ids = dict(
            s.execute(
                select(models.Account.code, models.Account.id).where(models.Account.company_id == company_id)
            )
            .tuples()
            .all()
        )
        rows = []
        for n in range(args.immobilisations):
            category = categories[n % len(categories)]
            bought = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365))
            declining = category.life >= 3 and n % 3 == 0
            rows.append(
                {
                    "company_id": company_id,
                    "code": f"IMM-{n + 1:05d}",
                    "label": f"{category.label} {n}",
                    "category": category.code,
                    "asset_account_id": ids[category.asset],
                    "depreciation_account_id": ids[category.depreciation],
                    "expense_account_id": ids[category.expense],
                    "acquired_on": bought,
                    "in_service_on": bought,
                    "gross": rng.randrange(100_000, 50_000_000),
                    "residual": 0,
                    "method": rules.DECLINING if declining else rules.LINEAR,
                    "life": category.life,
                    "coefficient": rules.coefficient_for(category.life, ohada.declining_coefficients("CI"))
                    if declining
                    else None,
                    "quantity": 1,
                    "state": "en_service",
                    "opening_depreciation": 0,
                    "created_at": dt.datetime.now(dt.UTC),
                }
            )
        s.execute(insert(models.FixedAsset), rows)
    print(f"registre : {args.immobilisations:_} immobilisations".replace("_", " "))
    # the statistics autovacuum would gather on a register this size (a fresh bulk load has none)
    psql("ANALYZE", args.base)
    with Session(engine) as s:
        assets = list(s.scalars(select(models.FixedAsset).where(models.FixedAsset.company_id == company_id)))
        began = time.perf_counter()
        for asset in assets:
            plan = register.plan_of(asset)
            rules.due_at(plan, rules.windows_for(plan), dt.date(2026, 12, 31))
        alone = time.perf_counter() - began
    print(f"référence : les plans calculés seuls, sans écriture, en {alone:.1f} s")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        times = []
        for _ in range(5):
            began = time.perf_counter()
            cur.execute(
                "SELECT category, sum(gross) FROM fixed_assets WHERE company_id = %s GROUP BY category",
                (company_id,),
            )
            cur.fetchall()
            times.append((time.perf_counter() - began) * 1000)
    print(
        f"référence : GROUP BY du registre par catégorie par PostgreSQL seul, médiane {statistics.median(times):.0f} ms"
    )
    began = time.perf_counter()
    with Session(engine) as s, s.begin():
        company = companies.company_for_user(s, user_id, company_id)
        assert company is not None
        done = depreciation.run(s, company, dt.date(2026, 12, 31), user_id)
    elapsed = time.perf_counter() - began
    goal = GOALS["dotations de l'exercice"] / 1000
    print(
        f"dotations au 31/12/2026 : {done.assets:_} immobilisations, {len(done.entries)} écritures, en {elapsed:.1f} s"
        f" (≤ {goal:.0f} s : {'atteint' if elapsed <= goal else 'manqué'})".replace("_", " ")
    )
    psql("ANALYZE asset_depreciations", args.base)
    proc, port = start_server(server_env(url))
    try:
        token = login(port)
        goal = GOALS["page du registre"]
        for label, path in (
            ("page du registre", "/immobilisations/"),
            ("API du registre", "/api/v1/immobilisations/"),
        ):
            p50, p95 = timed(port, token, path, args.repetitions)
            print(
                f"{label:<20} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (≤ {goal} ms : {'atteint' if p95 <= goal else 'manqué'})"
            )
    finally:
        proc.terminate()
        proc.wait(10)
    engine.dispose()
    if not args.garder:
        psql(f"DROP DATABASE IF EXISTS {args.base} WITH (FORCE)")


if __name__ == "__main__":
    main()
