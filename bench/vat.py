#!/usr/bin/env python3
"""The monthly VAT return on large books: a month with 30 000 taxed lines (sales at 18 % and
9 %, exports, purchases of goods), the year around it with as many lines each month, the
return through HTTP from one web process — against its goal (500 ms); beside, as a baseline of
the same run, PostgreSQL's own GROUP BY of the month's taxed lines.

    .venv/bin/python bench/vat.py [--base wisebook_tva] [--repetitions 20]

The books are written by the entries import, the tax code and base on each VAT line (and on
the exports' sales lines), as an accountant's file or a FEC brings them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import random
import statistics
import tempfile
import time
from pathlib import Path

import psycopg2
from common import ADMIN_EMAIL, fresh_books, login, psql, server_env, start_server
from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.books import companies
from wisebook.services.imports import pipeline as imports

GOAL = 500
HEADER = "ecriture;journal;date;piece;libelle;compte;libelle_ligne;debit;credit;tiers;taxe;base\n"


def month_rows(out, month: int, taxed: int, rng: random.Random, first: int) -> int:
    """Entries of a month whose taxed lines number ``taxed``: a third sales at 18 %, a sixth at
    9 %, a sixth exports, a third purchases of goods at 18 %. Returns the next entry number."""
    n = first
    kinds = ["18"] * 2 + ["9", "export"] + ["achat"] * 2
    for k in range(taxed):
        kind = kinds[k % len(kinds)]
        day = dt.date(2026, month, 1 + rng.randrange(28))
        base = rng.randrange(10_000, 5_000_000)
        head = f"E{n};{'ACH' if kind == 'achat' else 'VTE'};{day:%d/%m/%Y};P{n};Opération {n}"
        if kind in ("18", "9"):
            vat = (base * int(kind) + 50) // 100
            out.write(
                f"{head};4111;;{base + vat};;C001;;\n{head};7011;;;{base};;;\n"
                f"{head};4431;;;{vat};;TVA{kind};{base}\n"
            )
        elif kind == "export":
            out.write(f"{head};4111;;{base};;C002;;\n{head};7011;;;{base};;EXPORT;\n")
        else:
            vat = (base * 18 + 50) // 100
            out.write(
                f"{head};6011;;{base};;;;\n{head};4452;;{vat};;;TVA18;{base}\n"
                f"{head};4011;;;{base + vat};F001;;\n"
            )
        n += 1
    return n


def baseline(url: str, company_id: int) -> float:
    """PostgreSQL alone: the month's taxed lines summed by account and tax code."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            cur.execute(
                "SELECT a.code, l.tax_code, sum(l.debit), sum(l.credit), sum(l.tax_base) FROM lines l "
                "JOIN entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id "
                "WHERE e.company_id = %s AND e.status = 'validee' AND l.tax_code IS NOT NULL "
                "AND l.entry_date BETWEEN '2026-03-01' AND '2026-03-31' GROUP BY a.code, l.tax_code",
                (company_id,),
            )
            cur.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="wisebook_tva")
    parser.add_argument("--lignes-taxees", type=int, default=30_000, help="taxed lines in the month measured")
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--garder", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    rng = random.Random(args.graine)
    engine, company_id = fresh_books(args.base, 2026)
    url = engine.url.render_as_string(hide_password=False)
    with Session(engine) as s:
        user_id = s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
    with Session(engine) as s, s.begin():
        from wisebook.services.tiers import register

        for code, name, kind, account in (
            ("C001", "Client Kouassi", "client", "4111"),
            ("C002", "Client export", "client", "4111"),
            ("F001", "Fournisseur Diallo", "fournisseur", "4011"),
        ):
            register.create_partner(
                s,
                company_id,
                code,
                register.Details(
                    name=name, kind=kind, account=account, given=frozenset({"name", "kind", "account"})
                ),
            )
    with tempfile.TemporaryDirectory(prefix="wisebook-tva-") as folder:
        path = Path(folder) / "ecritures.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write(HEADER)
            n = 0
            for month in range(1, 13):
                n = month_rows(out, month, args.lignes_taxees, rng, n)
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            company = companies.company_for_user(s, user_id, company_id)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            done = imports.run(s, company, path, filename=path.name, sha256=sha, user_id=user_id)
        print(
            f"comptabilité : {done['lignes_importees']:_} lignes importées en {time.perf_counter() - started:.0f} s,"
            f" {args.lignes_taxees:_} lignes taxées par mois".replace("_", " ")
        )
    print(
        f"référence : GROUP BY des lignes taxées du mois par PostgreSQL seul, médiane {baseline(url, company_id):.0f} ms"
    )
    proc, port = start_server(server_env(url))
    try:
        token = login(port)
        for label, path, goal in (
            ("déclaration de TVA de mars", "/api/v1/fiscalite/tva/?periode=2026-03", GOAL),
            ("lignes de la case 02D (100)", "/api/v1/fiscalite/tva/?periode=2026-03&case=02D", GOAL),
        ):
            times = []
            for _ in range(args.repetitions):
                conn = http.client.HTTPConnection("127.0.0.1", port)
                began = time.perf_counter()
                conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                answer = conn.getresponse()
                answer.read()
                times.append((time.perf_counter() - began) * 1000)
                assert answer.status == 200, answer.status
            times.sort()
            p50, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
            print(
                f"{label:<30} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (≤ {goal} ms : {'atteint' if p95 <= goal else 'manqué'})"
            )
    finally:
        proc.terminate()
        proc.wait(10)
    engine.dispose()
    if not args.garder:
        psql(f"DROP DATABASE IF EXISTS {args.base} WITH (FORCE)")


if __name__ == "__main__":
    main()
