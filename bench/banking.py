#!/usr/bin/env python3
"""Bank reconciliation on large books: a month's statement of 10 000 lines imported (camt.053)
and matched automatically against a bank account holding 100 000 ledger lines, then the
rapprochement's page of proposals through HTTP from one web process — against their goals
(10 s, 200 ms); beside, as a baseline of the same run, PostgreSQL's own join of the statement's
lines to the ledger lines of the same amount.

    .venv/bin/python bench/banking.py [--base wisebook_banking] [--repetitions 20]

The books are written by the entries import (100 000 two-line entries on 5211, a pièce each);
the statement takes 10 000 of them — same amounts, booked zero to two days later, the pièce
in the remittance text — and 50 lines the books do not hold (fees).
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
from wisebook.services.banking import accounts as banks
from wisebook.services.banking import matching, statements
from wisebook.services.books import companies
from wisebook.services.imports import pipeline as imports

GOALS = {"import et rapprochement automatique": 10_000, "page de propositions": 200}
HEADER = "ecriture;journal;date;piece;libelle;compte;libelle_ligne;debit;credit;tiers\n"


def ledger_file(path: Path, count: int, rng: random.Random) -> list[tuple[dt.date, int, str]]:
    """``count`` bank entries over 2026 (receipts and payments); each one's date, signed
    amount and pièce."""
    made = []
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(360))
            amount = rng.randrange(1_000, 5_000_000)
            piece = f"P{n:06d}"
            head = f"E{n};BQ;{day:%d/%m/%Y};{piece};Opération {n}"
            if rng.random() < 0.5:  # money in: a customer pays
                out.write(f"{head};5211;;{amount};;\n{head};7011;;;{amount};\n")
                made.append((day, amount, piece))
            else:
                out.write(f"{head};6011;;{amount};;\n{head};5211;;;{amount};\n")
                made.append((day, -amount, piece))
    return made


def statement_file(chosen: list[tuple[dt.date, int, str]], rng: random.Random, iban: str) -> bytes:
    """A camt.053 of the chosen movements (booked 0–2 days later) and 50 fees."""
    entries = [
        (day + dt.timedelta(days=rng.randrange(3)), amount, f"VIR {piece}") for day, amount, piece in chosen
    ]
    entries += [
        (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(360)), -2_500, "FRAIS") for _ in range(50)
    ]
    entries.sort(key=lambda e: e[0])
    moved = sum(e[1] for e in entries)
    body = "".join(
        f'<Ntry><Amt Ccy="XOF">{abs(a)}</Amt><CdtDbtInd>{"CRDT" if a > 0 else "DBIT"}</CdtDbtInd>'
        f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{d.isoformat()}</Dt></BookgDt><AcctSvcrRef>B{n}</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        for n, (d, a, text) in enumerate(entries)
    )

    def balance(code: str, amount: int, day: str) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="XOF">{abs(amount)}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>'
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>XOF</Ccy></Acct>"
        f"{balance('OPBD', 0, '2026-01-01')}{balance('CLBD', moved, '2026-12-31')}\n{body}"
        "</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


def baseline(url: str, bank_account_id: int, account_id: int) -> float:
    """PostgreSQL alone: each statement line joined to the ledger lines of its amount."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            cur.execute(
                "SELECT b.id, l.id FROM bank_lines b JOIN lines l ON l.account_id = %s "
                "AND l.debit - l.credit = b.amount AND abs(l.entry_date - b.line_date) <= 10 "
                "WHERE b.bank_account_id = %s",
                (account_id, bank_account_id),
            )
            cur.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="wisebook_banking")
    parser.add_argument("--ecritures", type=int, default=100_000)
    parser.add_argument("--releve", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--garder", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    rng = random.Random(args.graine)
    engine, company_id = fresh_books(args.base, 2026)
    url = engine.url.render_as_string(hide_password=False)
    with Session(engine) as s:
        user_id = s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
    with tempfile.TemporaryDirectory(prefix="wisebook-banque-") as folder:
        path = Path(folder) / "ecritures.csv"
        movements = ledger_file(path, args.ecritures, rng)
        with Session(engine) as s, s.begin():
            company = companies.company_for_user(s, user_id, company_id)
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            done = imports.run(s, company, path, filename=path.name, sha256=sha, user_id=user_id)
        print(
            f"comptabilité : {done['lignes_importees']:_} lignes, {args.ecritures:_} sur le 5211".replace(
                "_", " "
            )
        )
    iban = "CI93CI0080111301134291200589"
    with Session(engine) as s, s.begin():
        bank = banks.create_bank_account(
            s,
            company_id,
            banks.BankDetails(name="BICICI", iban=iban, account="5211", given=frozenset({"iban"})),
        )
        bank_id, account_id = bank.id, bank.account_id
    data = statement_file(rng.sample(movements, args.releve), rng, iban)
    started = time.perf_counter()
    with Session(engine) as s, s.begin():
        report = statements.import_statement(
            s,
            company_id,
            bank_id,
            data,
            filename="releve.xml",
            sha256=hashlib.sha256(data).hexdigest(),
            user_id=user_id,
        )
    imported = time.perf_counter() - started
    print(
        f"relevé : {report['lignes_importees']:_} lignes lues et écrites en {imported:.1f} s".replace(
            "_", " "
        )
    )
    print(
        f"référence : jointure des lignes du relevé aux lignes de même montant par PostgreSQL seul, médiane {baseline(url, bank_id, account_id):.0f} ms"
    )
    proc, port = start_server(server_env(url))
    try:
        token = login(port)
        times = []
        for _ in range(args.repetitions):
            conn = http.client.HTTPConnection("127.0.0.1", port)
            began = time.perf_counter()
            conn.request(
                "GET",
                f"/api/v1/banques/{bank_id}/propositions/",
                headers={"Authorization": f"Bearer {token}"},
            )
            answer = conn.getresponse()
            answer.read()
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status == 200, answer.status
    finally:
        proc.terminate()
        proc.wait(10)
    times.sort()
    p50, p95 = statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]
    goal = GOALS["page de propositions"]
    print(
        f"page de propositions (7 jours)   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (≤ {goal} ms : {'atteint' if p95 <= goal else 'manqué'})"
    )
    started = time.perf_counter()
    with Session(engine) as s, s.begin():
        counts = matching.automatic(s, company_id, bank_id, user_id=user_id)
    matched = time.perf_counter() - started
    total = imported + matched
    goal = GOALS["import et rapprochement automatique"] / 1000
    print(
        f"rapprochement automatique : {counts['rapprochements']:_} rapprochements, {counts['lignes_releve_ouvertes']:_} "
        f"lignes restent ouvertes, en {matched:.1f} s".replace("_", " ")
    )
    print(
        f"import et rapprochement automatique : {total:.1f} s (≤ {goal:.0f} s : {'atteint' if total <= goal else 'manqué'})"
    )
    engine.dispose()
    if not args.garder:
        psql(f"DROP DATABASE IF EXISTS {args.base} WITH (FORCE)")


if __name__ == "__main__":
    main()
