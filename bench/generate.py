#!/usr/bin/env python3
"""Load a realistic synthetic history into a scratch PostgreSQL database, fast and right.

Five fiscal years of a trading SARL in Côte d'Ivoire (XOF, TVA 18 %): sales to 500 customers,
purchases from 200 suppliers, bank collections and payments, payroll; three lines per entry
on SYSCOHADA accounts. Entries are numbered per journal and year in date order, sealed in
their journal's hash chain exactly as posting seals them, and the balance tables are built from
the same lines, so `wisebook-ctl verify` passes on the result.

The fastest honest path: COPY of entries, lines and balances in one transaction with the
row triggers paused (session_replication_role = replica; the database's own CHECK and
NOT NULL constraints still hold), then ANALYZE. `--verifier` runs verify afterwards.

    .venv/bin/python bench/generate.py --lignes 1000000 [--base wisebook_reports] [--verifier]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import time
from collections import defaultdict

from common import fresh_books
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.chain import GENESIS, ChainLine
from wisebook.ledger.numbering import format_number
from wisebook.services.books import years
from wisebook.services.entries import sealing
from wisebook.services.entries.balances import rebuild_partner_balances
from wisebook.services.verify import verify_company

FIRST_YEAR = 2022
SALES = ["7011", "7012", "7061"]
PURCHASES = ["6011", "6041", "6051", "6052", "6222", "6241", "6281", "633"]
CUSTOMERS = [f"C{i:04d}" for i in range(1, 501)]
SUPPLIERS = [f"F{i:04d}" for i in range(1, 201)]
# journal, share of the entries
MIX = [("VTE", 0.35), ("ACH", 0.30), ("BQ", 0.25), ("OD", 0.10)]


def entry_lines(journal: str, rng: random.Random) -> tuple[str, list[tuple[str, str, int, int, str | None]]]:
    """A label and three balanced lines (account, label, debit, credit, tiers)."""
    amount = rng.randrange(5_000, 5_000_000, 5)
    if journal == "VTE":
        customer = rng.choice(CUSTOMERS)
        net = amount * 100 // 118
        return f"Facture {customer}", [
            ("4111", f"Client {customer}", amount, 0, customer),
            (rng.choice(SALES), "Ventes", 0, net, None),
            ("4431", "TVA facturée 18 %", 0, amount - net, None),
        ]
    if journal == "ACH":
        supplier = rng.choice(SUPPLIERS)
        net = amount * 100 // 118
        return f"Facture {supplier}", [
            (rng.choice(PURCHASES), "Achats", net, 0, None),
            ("4452", "TVA récupérable 18 %", amount - net, 0, None),
            ("4011", f"Fournisseur {supplier}", 0, amount, supplier),
        ]
    if journal == "BQ":
        if rng.random() < 0.55:
            customer = rng.choice(CUSTOMERS)
            fee = min(2_500, amount // 100)
            return f"Encaissement {customer}", [
                ("5211", "Banque", amount - fee, 0, None),
                ("6318", "Frais bancaires", fee, 0, None),
                ("4111", f"Client {customer}", 0, amount, customer),
            ]
        supplier = rng.choice(SUPPLIERS)
        first = amount // 3
        return f"Règlement {supplier}", [
            ("4011", f"Fournisseur {supplier}", first, 0, supplier),
            ("4011", f"Fournisseur {supplier}", amount - first, 0, supplier),
            ("5211", "Banque", 0, amount, None),
        ]
    social = amount * 16 // 100
    return "Paie du mois", [
        ("6611", "Salaires bruts", amount, 0, None),
        ("422", "Net à payer", 0, amount - social, None),
        ("4311", "CNPS", 0, social, None),
    ]


def copy(cursor, table: str, columns: list[str], buffer: io.StringIO) -> None:  # type: ignore[no-untyped-def]
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    buffer.seek(0)
    buffer.truncate()


def clean(text_value: str) -> str:
    return text_value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lignes", type=int, required=True, help="lines to load in all (3 per entry)")
    parser.add_argument("--base", default="wisebook_reports", help="scratch database (dropped and created)")
    parser.add_argument("--annees", type=int, default=5)
    parser.add_argument("--graine", type=int, default=2026, help="random seed (same seed, same books)")
    parser.add_argument("--verifier", action="store_true", help="run verify after loading")
    parser.add_argument("--clients", type=int, default=500, help="customers the sales go to")
    args = parser.parse_args()
    CUSTOMERS[:] = [f"C{i:04d}" for i in range(1, args.clients + 1)]
    rng = random.Random(args.graine)
    started = time.perf_counter()

    engine, company_id = fresh_books(args.base, FIRST_YEAR)
    with Session(engine) as s, s.begin():
        for year in range(FIRST_YEAR + 1, FIRST_YEAR + args.annees):
            years.create_fiscal_year(s, company_id, year)
    with Session(engine) as s:
        accounts = {
            a.code: a.id
            for a in s.scalars(select(models.Account).where(models.Account.company_id == company_id))
        }
        journals = {
            j.code: j.id
            for j in s.scalars(select(models.Journal).where(models.Journal.company_id == company_id))
        }
        made = list(s.scalars(select(models.FiscalYear).order_by(models.FiscalYear.start_date)))
        periods = {(p.fiscal_year_id, p.start_date.month): p.id for p in s.scalars(select(models.Period))}

    entries_total = args.lignes // 3
    per_month = entries_total // (12 * args.annees)
    extra = entries_total - per_month * 12 * args.annees
    entry_cols = [
        "id", "company_id", "journal_id", "fiscal_year_id", "period_id", "entry_date", "label", "reference",
        "status", "sequence", "number", "hash", "total", "created_at", "posted_at",
    ]  # fmt: skip
    line_cols = [
        "id",
        "entry_id",
        "line_no",
        "account_id",
        "label",
        "debit",
        "credit",
        "partner",
        "entry_date",
    ]
    balances: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    heads: dict[tuple[int, int], tuple[int, str]] = {}
    entry_id = line_id = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET session_replication_role = replica")
        entry_buf, line_buf = io.StringIO(), io.StringIO()
        journal_weights = [w for _, w in MIX]
        journal_codes = [j for j, _ in MIX]
        for fy in made:
            for month in range(1, 13):
                count = per_month + (1 if extra > 0 else 0)
                extra -= 1 if extra > 0 else 0
                first = dt.date(fy.start_date.year, month, 1)
                days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
                drawn = sorted(
                    (
                        first + dt.timedelta(days=rng.randrange(days)),
                        rng.choices(journal_codes, journal_weights)[0],
                    )
                    for _ in range(count)
                )
                period_id = periods[(fy.id, month)]
                stamp = dt.datetime.combine(first, dt.time(12), dt.UTC).isoformat()
                for day, journal in drawn:
                    label, lines = entry_lines(journal, rng)
                    journal_id = journals[journal]
                    sequence, previous = heads.get((journal_id, fy.id), (0, GENESIS))
                    sequence += 1
                    number = format_number(journal, fy.code, sequence)
                    reference = f"{journal}{sequence:07d}"
                    sealed = sealing.seal(
                        previous,
                        company_id=company_id,
                        currency="XOF",
                        journal=journal,
                        number=number,
                        day=day,
                        label=label,
                        reference=reference,
                        lines=(ChainLine(a, lbl, d, c, p) for a, lbl, d, c, p in lines),
                    )
                    heads[(journal_id, fy.id)] = (sequence, sealed)
                    entry_id += 1
                    total = sum(d for _, _, d, _, _ in lines)
                    entry_buf.write(
                        f"{entry_id}\t{company_id}\t{journal_id}\t{fy.id}\t{period_id}\t{day}\t{clean(label)}\t"
                        f"{reference}\tvalidee\t{sequence}\t{number}\t{sealed}\t{total}\t{stamp}\t{stamp}\n"
                    )
                    for no, (account, lbl, debit, credit, partner) in enumerate(lines, start=1):
                        line_id += 1
                        account_id = accounts[account]
                        line_buf.write(
                            f"{line_id}\t{entry_id}\t{no}\t{account_id}\t{clean(lbl)}\t{debit}\t{credit}\t"
                            f"{partner if partner else chr(92) + 'N'}\t{day}\n"
                        )
                        cell = balances[(account_id, period_id, journal_id)]
                        cell[0] += debit
                        cell[1] += credit
                copy(cursor, "entries", entry_cols, entry_buf)
                copy(cursor, "lines", line_cols, line_buf)
            print(
                f"  {fy.code}: {entry_id} écritures, {line_id} lignes ({time.perf_counter() - started:.0f} s)"
            )
        fy_of_period = {pid: fy_id for (fy_id, _), pid in periods.items()}
        for (account_id, period_id, journal_id), (debit, credit) in balances.items():
            entry_buf.write(
                f"{account_id}\t{period_id}\t{journal_id}\t{company_id}\t{fy_of_period[period_id]}\t{debit}\t{credit}\n"
            )
        copy(
            cursor,
            "account_balances",
            ["account_id", "period_id", "journal_id", "company_id", "fiscal_year_id", "debit", "credit"],
            entry_buf,
        )
        for (journal_id, fy_id), (sequence, head) in heads.items():
            cursor.execute(
                "UPDATE journal_counters SET last_number = %s, last_hash = %s "
                "WHERE journal_id = %s AND fiscal_year_id = %s",
                (sequence, head, journal_id, fy_id),
            )
        cursor.execute("SELECT setval(pg_get_serial_sequence('entries', 'id'), %s)", (entry_id,))
        cursor.execute("SELECT setval(pg_get_serial_sequence('lines', 'id'), %s)", (line_id,))
        cursor.execute("SET session_replication_role = origin")
        raw.commit()
    finally:
        raw.close()
    with Session(engine) as s:  # the sub-ledger's balances, from the lines just loaded
        rebuild_partner_balances(s, company_id)
        s.commit()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    loaded = time.perf_counter() - started
    print(
        f"chargé: {entry_id} écritures, {line_id} lignes, {len(balances)} soldes, "
        f"{args.annees} exercices en {loaded:.0f} s ({line_id / loaded:,.0f} lignes/s) dans {args.base}"
    )
    if args.verifier:
        with Session(engine) as s:
            t0 = time.perf_counter()
            problems = verify_company(s, company_id)
            print(
                f"verify: {'conforme' if not problems else problems[:5]} ({time.perf_counter() - t0:.0f} s)"
            )
            if problems:
                raise SystemExit(1)
    engine.dispose()


if __name__ == "__main__":
    main()
