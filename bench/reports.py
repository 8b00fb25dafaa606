#!/usr/bin/env python3
"""Time every report through HTTP on books loaded by bench/generate.py, beside a raw GROUP BY.

Starts one web process (waitress, as the appliance runs it) on the loaded database, then
asks each report several times and prints the median and worst time. The CSV export of the
whole grand livre is timed in lines per second, with the web process's peak memory before
and after it. The baseline is what PostgreSQL takes to sum the year's lines per account
with a plain GROUP BY, measured in the same run.

    .venv/bin/python bench/generate.py --lignes 1000000 --base wisebook_reports_1m
    .venv/bin/python bench/reports.py --base wisebook_reports_1m
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from pathlib import Path

import psycopg2
from common import database_url, login, server_env, start_server


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(conn: http.client.HTTPConnection, token: str, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
    return elapsed, body


def measure(conn: http.client.HTTPConnection, token: str, path: str, repeat: int) -> list[float]:
    timed(conn, token, path)  # warm the caches once, as a second reader would find them
    return [timed(conn, token, path)[0] for _ in range(repeat)]


def show(name: str, times: list[float], goal: float | None = None) -> None:
    median = statistics.median(times)
    verdict = (
        "" if goal is None else f"  (objectif ≤ {goal:.0f} ms: {'atteint' if median <= goal else 'manqué'})"
    )
    print(f"{name:<52} médiane {median:8.1f} ms   pire {max(times):8.1f} ms{verdict}")


def baseline(url: str, year: str, repeat: int) -> list[float]:
    """A plain GROUP BY of the year's posted lines per account, in PostgreSQL alone."""
    times = []
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM fiscal_years WHERE code = %s", (year,))
        fy_id = cur.fetchone()[0]
        query = (
            "SELECT l.account_id, sum(l.debit), sum(l.credit) FROM lines l JOIN entries e ON e.id = l.entry_id "
            "WHERE e.fiscal_year_id = %s AND e.status = 'validee' GROUP BY l.account_id"
        )
        cur.execute(query, (fy_id,))
        for _ in range(repeat):
            started = time.perf_counter()
            cur.execute(query, (fy_id,))
            cur.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        cur.execute("SELECT count(*) FROM lines")
        print(f"lignes dans la base: {cur.fetchone()[0]:,}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="wisebook_reports", help="database loaded by bench/generate.py")
    parser.add_argument("--exercice", default="2026")
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    url = database_url(args.base)
    env = server_env(url, pool_size=2)
    server, port = start_server(env, threads=2)
    try:
        token = login(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        fy, n = args.exercice, args.repetitions
        raw = baseline(url, fy, n)
        show("référence: GROUP BY brut des lignes de l'exercice", raw)
        api = "/api/v1/rapports"
        show("balance de l'exercice", measure(conn, token, f"{api}/balance/?exercice={fy}", n), 50)
        show(
            "balance du 15/03 au 20/09 (mois coupés lus aux lignes)",
            measure(conn, token, f"{api}/balance/?exercice={fy}&du={fy}-03-15&au={fy}-09-20", n),
            100,
        )
        show(
            "grand livre 4111 (clients), première page",
            measure(conn, token, f"{api}/grand-livre/?exercice={fy}&comptes=4111&limite=100", n),
            100,
        )
        show(
            "grand livre tous comptes, première page",
            measure(conn, token, f"{api}/grand-livre/?exercice={fy}&limite=100", n),
            100,
        )
        statements = []
        for kind in ("bilan", "compte-de-resultat", "flux-de-tresorerie"):
            times = measure(conn, token, f"{api}/{kind}/?exercice={fy}", n)
            show(kind, times)
            statements.append(times)
        show("Bilan + CR + TFT", [sum(t) for t in zip(*statements, strict=True)], 300)
        for kind in ("bilan", "compte-de-resultat", "flux-de-tresorerie"):
            checks = json.loads(timed(conn, token, f"{api}/{kind}/?exercice={fy}")[1])["controles"]
            print(
                f"   contrôles {kind}: "
                + "; ".join(f"{c['nom']}: {'ok' if c['ok'] else c['ecart']}" for c in checks)
            )
        show("tableau de bord (N et N-1)", measure(conn, token, f"/api/v1/dashboard/?exercice={fy}", n))
        show("bilan en PDF", measure(conn, token, f"{api}/bilan/?exercice={fy}&format=pdf", 3))

        before = peak_rss_mib(server.pid)
        elapsed, body = timed(conn, token, f"{api}/grand-livre/?exercice={fy}&format=csv")
        rows = body.count(b"\n") - 1
        after = peak_rss_mib(server.pid)
        print(
            f"{'export CSV du grand livre de l exercice':<52} {rows:,} lignes en {elapsed / 1000:.1f} s = "
            f"{rows / (elapsed / 1000):,.0f} lignes/s (objectif ≥ 100 000); "
            f"mémoire de pointe du serveur {before:.0f} → {after:.0f} MiB"
        )
        elapsed, body = timed(conn, token, f"{api}/journal/?exercice={fy}&format=csv")
        rows = body.count(b"\n") - 1
        print(
            f"{'export CSV des journaux de l exercice':<52} {rows:,} lignes = {rows / (elapsed / 1000):,.0f} lignes/s"
        )
        elapsed, _ = timed(conn, token, f"{api}/grand-livre/?exercice={fy}&comptes=4111&format=xlsx")
        print(
            f"{'export XLSX du grand livre 4111':<52} {elapsed / 1000:.1f} s; pointe {peak_rss_mib(server.pid):.0f} MiB"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
