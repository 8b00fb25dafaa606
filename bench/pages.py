#!/usr/bin/env python3
"""Server time of the accountant's pages on large books: each page asked many times through
HTTP from one web process (waitress, as the appliance runs it), p50 and p95 printed.

    .venv/bin/python bench/generate.py --lignes 1000000 --base wisebook_pages
    .venv/bin/python bench/pages.py --base wisebook_pages [--repetitions 50]

Pages: the entries list (first page, by journal, by account and by class, from a date, twenty
pages on by its keyset cursor), one entry, the entry form, the dashboard, the balance, the grand
livre, a month of a journal, the Bilan and compte de résultat, a class of the chart, one
account, the entries searched by label and by amount, the lettrage of 4111 (its tiers, then one
tiers' lines and proposals), the aged balance (at a month's end and on the 15th), the years
and their locks, the closing prepared, the imports, the integrity check, the audit log, the
password page.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import time

from common import database_url, login, server_env, start_server

GOAL_MS = 200


def timed(conn: http.client.HTTPConnection, token: str, path: str) -> tuple[float, str]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": "text/html"})
    response = conn.getresponse()
    body = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
    return elapsed, body


def show(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    verdict = "atteint" if p95 <= GOAL_MS else "manqué"
    print(
        f"{name:<46} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   (≤ {GOAL_MS} ms : {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="wisebook_pages", help="database loaded by bench/generate.py")
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()
    server, port = start_server(server_env(database_url(args.base), pool_size=2), threads=2)
    try:
        token = login(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        n = args.repetitions

        def measure(path: str) -> list[float]:
            timed(conn, token, path)  # warm once
            return [timed(conn, token, path)[0] for _ in range(n)]

        show("écritures, première page", measure("/ecritures/"))
        show("écritures du journal VTE", measure("/ecritures/?journal=VTE"))
        show("écritures touchant le compte 4111", measure("/ecritures/?compte=4111"))
        show("écritures touchant la classe 4", measure("/ecritures/?compte=4"))
        show(
            "écritures VTE touchant 4111 en juin",
            measure("/ecritures/?compte=4111&journal=VTE&du=01/06/2026"),
        )
        show("écritures à partir du 01/06/2026", measure("/ecritures/?du=01/06/2026"))
        path, pages = "/ecritures/?journal=ACH", []
        for _ in range(20):  # twenty pages on, as someone reading through the journal
            elapsed, body = timed(conn, token, path)
            pages.append(elapsed)
            found = re.search(r'href="(/ecritures/\?[^"]*apres=[^"]+)"', body)
            if not found:
                break
            path = found.group(1).replace("&amp;", "&")
        show("écritures ACH, vingt pages de suite", pages)
        entry = re.search(r'href="/ecritures/(\d+)/"', timed(conn, token, "/ecritures/")[1])
        assert entry is not None
        show("une écriture", measure(f"/ecritures/{entry.group(1)}/"))
        show("formulaire de saisie (plan comptable en liste)", measure("/ecritures/nouvelle/"))
        show("tableau de bord", measure("/"))
        show("balance de l'exercice 2026", measure("/rapports/balance/?exercice=2026"))
        show(
            "grand livre du 4111, première page", measure("/rapports/grand-livre/?exercice=2026&compte=4111")
        )
        show(
            "journal VTE de juin",
            measure("/rapports/journal/?exercice=2026&journal=VTE&du=01/06/2026&au=30/06/2026"),
        )
        show("bilan 2026", measure("/rapports/bilan/?exercice=2026"))
        show("compte de résultat 2026", measure("/rapports/compte-de-resultat/?exercice=2026"))
        show("plan comptable, classe 4", measure("/comptes/?classe=4"))
        show("un compte (4111)", measure("/comptes/4111/"))
        show("écritures cherchées par libellé", measure("/ecritures/?q=C0042"))
        show("écritures cherchées par montant", measure("/ecritures/?montant=118000"))
        show("lettrage du 4111 (ses tiers)", measure("/lettrage/?compte=4111"))
        show("lettrage du 4111, un tiers", measure("/lettrage/?compte=4111&tiers=C0042"))
        show("balance âgée 411", measure("/rapports/balance-agee/?comptes=411&au=31/12/2026"))
        show(  # the age bounds cut four months: their lines are read
            "balance âgée 411 au 15 du mois", measure("/rapports/balance-agee/?comptes=411&au=15/12/2026")
        )
        show("exercices et verrous", measure("/exercices/"))
        show("clôture 2026 préparée", measure("/exercices/2026/cloture/"))
        show("imports", measure("/imports/"))
        show("vérification", measure("/controle/verification/"))
        show("journal d'audit", measure("/controle/journal-audit/"))
        show("mot de passe", measure("/mot-de-passe/"))
    finally:
        server.kill()
        server.wait(10)


if __name__ == "__main__":
    main()
