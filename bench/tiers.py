#!/usr/bin/env python3
"""The tiers on large books: the balance auxiliaire of every tiers and the register's search
as one types, through HTTP from one web process, p50 and p95 against their goals; beside,
as a baseline of the same run, PostgreSQL's plain GROUP BY of the year's tiers lines.

    .venv/bin/python bench/generate.py --lignes 1000000 --clients 4800 --base wisebook_tiers
    .venv/bin/python bench/tiers.py --base wisebook_tiers [--repetitions 50]

Every code the lines carry is registered first (as migration 0018 does for existing books),
so the register holds some 5 000 tiers.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time

import psycopg2
from common import database_url, login, server_env, start_server

GOALS = {"balance auxiliaire 2026 (tous les tiers)": 100, "recherche de tiers": 50}


def register_codes(url: str) -> int:
    """Each code of the lines as a tiers, named « Tiers <code> Dépôt … » (accents to fold)."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """
            INSERT INTO partners (company_id, code, name, kind, account_id, country, bank_accounts,
                                  payment_days, archived, search, created_at)
            SELECT DISTINCT ON (e.company_id, l.partner) e.company_id, l.partner,
                   'Tiers ' || l.partner || ' Dépôt', CASE WHEN a.code LIKE '40%%' THEN 'fournisseur' ELSE 'client' END,
                   l.account_id, 'CI', '[]', 30, false, lower('tiers ' || l.partner || ' depot'), now()
            FROM lines l JOIN entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id
            WHERE l.partner IS NOT NULL
            ORDER BY e.company_id, l.partner, l.account_id
            ON CONFLICT DO NOTHING
            """
        )
        cur.execute("ANALYZE partners")
        cur.execute("SELECT count(*) FROM partners")
        return int(cur.fetchone()[0])


def baseline(url: str) -> float:
    """PostgreSQL alone: the 2026 lines summed per account and tiers, no join to their year."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            cur.execute(
                "SELECT account_id, partner, sum(debit), sum(credit) FROM lines "
                "WHERE partner IS NOT NULL AND entry_date BETWEEN '2026-01-01' AND '2026-12-31' GROUP BY 1, 2"
            )
            cur.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="wisebook_tiers")
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()
    url = database_url(args.base)
    print(f"tiers enregistrés : {register_codes(url)}")
    print(
        f"référence : GROUP BY des lignes de tiers de 2026 par PostgreSQL seul, médiane {baseline(url):.1f} ms"
    )
    server, port = start_server(server_env(url, pool_size=2), threads=2)
    try:
        token = login(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def timed(path: str) -> float:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
            return (time.perf_counter() - started) * 1000

        words = ["depot", "c0042", "tiers c12", "f0007", "dep"]
        for name, paths in (
            (
                "balance auxiliaire 2026 (tous les tiers)",
                ["/api/v1/rapports/balance/?exercice=2026&par=tiers"],
            ),
            ("recherche de tiers", [f"/api/v1/tiers/?q={w.replace(' ', '+')}&limite=20" for w in words]),
        ):
            for path in paths:
                timed(path)  # warm
            times = sorted(timed(paths[n % len(paths)]) for n in range(args.repetitions))
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            goal = GOALS[name]
            print(
                f"{name:<42} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
                f"(≤ {goal} ms : {'atteint' if p95 <= goal else 'manqué'})"
            )
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
