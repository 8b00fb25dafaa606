#!/usr/bin/env python3
"""Posting throughput through the real HTTP server (waitress) on PostgreSQL.

Starts a scratch PostgreSQL database, sets the books up, starts the web processes as the
appliance does (two waitress processes; the clients share themselves between them as nginx
would), then N concurrent clients post 3-line entries (VAT sales) for a fixed count. Prints
entries/s and p50/p95/p99 latency, and the machine's pgbench TPS measured in the same run.

    .venv/bin/python bench/post_entries.py [--clients 50] [--entries 5000] [--processes 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import CTL, PASSWORD, ROOT, fresh_database, psql, server_env, start_server
from common import login as log_in

DB_NAME = "wisebook_bench"


def pgbench_tps(clients: int, seconds: int) -> float:
    """TPC-B-like TPS of this machine's PostgreSQL, as a baseline for the figures above."""
    psql("DROP DATABASE IF EXISTS wisebook_pgbench WITH (FORCE)")
    psql("CREATE DATABASE wisebook_pgbench")
    try:
        subprocess.run(
            ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "10", "-q", "wisebook_pgbench"],
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [
                "pgbench",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "wisebook_pgbench",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in out.splitlines():
            if line.startswith("tps ="):
                return float(line.split()[2])
        raise SystemExit("pgbench printed no tps line:\n" + out)
    finally:
        psql("DROP DATABASE IF EXISTS wisebook_pgbench WITH (FORCE)")


def entry_body(journal: str, i: int) -> dict[str, object]:
    """A realistic 3-line entry for a journal: VAT sale, VAT purchase, bank or cash movement."""
    amount = 1180 * (i % 997 + 1)
    net, vat = amount * 100 // 118, amount - amount * 100 // 118
    lines = {
        "VTE": [("4111", amount, 0, f"C{i % 50:03d}"), ("7011", 0, net, None), ("4431", 0, vat, None)],
        "ACH": [("6011", net, 0, None), ("4452", vat, 0, None), ("4011", 0, amount, f"F{i % 30:03d}")],
        "BQ": [
            ("5211", amount - 500, 0, None),
            ("6318", 500, 0, None),
            ("4111", 0, amount, f"C{i % 50:03d}"),
        ],
        "CAI": [("5711", amount, 0, None), ("7011", 0, net, None), ("4431", 0, vat, None)],
        "OD": [("6611", amount, 0, None), ("422", 0, net, None), ("4311", 0, vat, None)],
    }[journal]
    return {
        "journal": journal,
        "date_comptable": f"2026-{i % 12 + 1:02d}-15",
        "libelle": f"Pièce {i}",
        "piece": f"{journal}-{i:06d}",
        "valider": True,
        "lignes": [{"compte": c, "debit": str(d), "credit": str(k), "tiers": t} for c, d, k, t in lines],
    }


WRK_SCRIPT = """
local bodies = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/ecritures/", {
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"
  }, bodies[(counter %% #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %%d %%d %%d %%.3f %%.3f %%.3f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def run_wrk(ports: list[int], token: str, journals: list[str], clients: int, seconds: int):
    """One wrk per web process (as nginx would share them); returns rate, p50/p95/p99 ms, counts."""
    bodies = ", ".join(
        "[==[" + json.dumps(entry_body(journals[i % len(journals)], i)) + "]==]" for i in range(60)
    )
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % (bodies, token))
    per = max(1, clients // len(ports))
    procs = [
        subprocess.Popen(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(per),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        line = next(x for x in out.splitlines() if x.startswith("WRK "))
        results.append([float(v) for v in line.split()[1:]])
    script.unlink()
    count = sum(r[0] for r in results)
    duration = max(r[1] for r in results) / 1e6
    weights = [r[0] / count for r in results]
    p50, p95, p99 = (sum(w * r[k] for w, r in zip(weights, results, strict=True)) for k in (3, 4, 5))
    return count / duration, p50, p95, p99, int(count), int(sum(r[2] for r in results))


def print_baseline(clients: int, seconds: int) -> None:
    """The machine's pgbench TPS, measured now, beside the figures above."""
    if shutil.which("pgbench"):
        print(
            f"pgbench baseline: {pgbench_tps(clients, seconds):.0f} tps "
            f"(TPC-B-like, {clients} clients, {seconds}s, scale 10)"
        )
    else:
        print(
            "pgbench baseline: pgbench not installed (Debian package postgresql-contrib / postgresql-client)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--entries", type=int, default=5000, help="entries to post in all")
    parser.add_argument("--processes", type=int, default=2, help="waitress processes (the appliance runs 2)")
    parser.add_argument(
        "--threads", type=int, default=2, help="waitress threads per process (2 measured best on 2 cores)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument(
        "--driver",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator: wrk (C, leaves the cores to the server) or Python threads",
    )
    parser.add_argument("--seconds", type=int, default=20, help="duration of a wrk run")
    parser.add_argument(
        "--journals",
        default="VTE,ACH,BQ,CAI,OD",
        help="journals the clients post into, shared among them (VTE alone: one journal)",
    )
    args = parser.parse_args()

    env = server_env(fresh_database(DB_NAME), args.threads)
    ctl = CTL
    subprocess.run(
        [
            *ctl,
            "setup",
            "--societe",
            "Banc d'essai SA",
            "--pays",
            "CI",
            "--exercice",
            "2026",
            "--admin-email",
            "bench@exemple.ci",
            "--admin-password-stdin",
        ],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    servers, ports = [], []
    try:
        for _ in range(args.processes):
            server, port = start_server(env, args.threads)
            servers.append(server)
            ports.append(port)
        token = log_in(ports[0])

        latencies: list[float] = []
        failures: list[str] = []
        counter = iter(range(args.entries))
        lock = threading.Lock()

        journals = args.journals.split(",")
        if args.driver == "wrk":
            rate, p50, p95, p99, count, failed = run_wrk(ports, token, journals, args.clients, args.seconds)
            check = subprocess.run([*ctl, "verify"], env=env, cwd=ROOT, capture_output=True, text=True)
            print(
                f"driver=wrk journals={args.journals} clients={args.clients} "
                f"processes={args.processes}x{args.threads} threads entries={count} failures={failed}"
            )
            print(f"posting: {rate:.0f} entries/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")
            print(f"verify after the run: exit {check.returncode} ({(check.stdout or check.stderr).strip()})")
            print_baseline(args.clients, args.pgbench_seconds)
            return

        def client(n: int) -> None:
            port = ports[n % len(ports)]
            journal = journals[n % len(journals)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            mine: list[float] = []
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                body = json.dumps(entry_body(journal, i))
                started = time.perf_counter()
                conn.request("POST", "/api/v1/ecritures/", body, headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status != 201:
                    failures.append(str(response.status))
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        check = subprocess.run([*ctl, "verify"], env=env, cwd=ROOT, capture_output=True, text=True)
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            s.wait(timeout=30)

    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    print(
        f"journals={args.journals} clients={args.clients} processes={args.processes}x{args.threads} threads entries={len(latencies)} "
        f"failures={len(failures)}"
    )
    print(
        f"posting: {len(latencies) / elapsed:.0f} entries/s, p50 {q[49] * 1000:.1f} ms, "
        f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms"
    )
    print(f"verify after the run: exit {check.returncode} ({(check.stdout or check.stderr).strip()})")
    print_baseline(args.clients, args.pgbench_seconds)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    shutil.rmtree(env["WISEBOOK_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
