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
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "wisebook_bench"
PASSWORD = "bench-mot-de-passe-2026"


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-q", "-c", sql], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def pgbench_tps(clients: int, seconds: int) -> float:
    """TPC-B-like TPS of this machine's PostgreSQL, as a baseline for the figures above."""
    psql("DROP DATABASE IF EXISTS wisebook_pgbench WITH (FORCE)")
    psql("CREATE DATABASE wisebook_pgbench")
    try:
        subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-i", "-s", "10", "-q", "wisebook_pgbench"],
                       check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-c", str(clients), "-j", "2", "-T", str(seconds),
             "wisebook_pgbench"], check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("tps ="):
                return float(line.split()[2])
        raise SystemExit("pgbench printed no tps line:\n" + out)
    finally:
        psql("DROP DATABASE IF EXISTS wisebook_pgbench WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--entries", type=int, default=5000, help="entries to post in all")
    parser.add_argument("--processes", type=int, default=2, help="waitress processes (the appliance runs 2)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per process")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    data_dir = Path(tempfile.mkdtemp(prefix="wisebook-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}",
        "WISEBOOK_DATA_DIR": str(data_dir),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "JWT_SECRET_KEY": secrets.token_urlsafe(40),
        "WEBHOOK_SECRET": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
        "WISEBOOK_DB_POOL_SIZE": str(args.threads),
    }
    ctl = [sys.executable, "-m", "wisebook.cli"]
    subprocess.run([*ctl, "setup", "--societe", "Banc d'essai SA", "--pays", "CI", "--exercice", "2026",
                    "--admin-email", "bench@exemple.ci", "--admin-password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True, cwd=ROOT)
    ports = [free_port() for _ in range(args.processes)]
    servers = [
        subprocess.Popen([*ctl, "serve", "--port", str(p), "--threads", str(args.threads)], env=env, cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for p in ports
    ]
    try:
        for p in ports:
            wait_ready(p)
        conn = http.client.HTTPConnection("127.0.0.1", ports[0])
        conn.request("POST", "/api/v1/auth/login/", json.dumps({"email": "bench@exemple.ci", "password": PASSWORD}),
                     {"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["token"]

        latencies: list[float] = []
        failures: list[str] = []
        counter = iter(range(args.entries))
        lock = threading.Lock()

        def client(n: int) -> None:
            port = ports[n % len(ports)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            mine: list[float] = []
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                amount = 1180 * (i % 997 + 1)
                body = json.dumps({
                    "journal": "VTE", "date_comptable": f"2026-{i % 12 + 1:02d}-15", "libelle": f"Facture {i}",
                    "piece": f"FA-{i:06d}", "valider": True,
                    "lignes": [
                        {"compte": "4111", "debit": str(amount), "tiers": f"C{i % 50:03d}"},
                        {"compte": "7011", "credit": str(amount * 100 // 118)},
                        {"compte": "4431", "credit": str(amount - amount * 100 // 118)},
                    ],
                })
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
    print(f"clients={args.clients} processes={args.processes}x{args.threads} threads entries={len(latencies)} "
          f"failures={len(failures)}")
    print(f"posting: {len(latencies) / elapsed:.0f} entries/s, p50 {q[49] * 1000:.1f} ms, "
          f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
    print(f"verify after the run: exit {check.returncode} ({(check.stdout or check.stderr).strip()})")
    if shutil.which("pgbench"):
        print(f"pgbench baseline: {pgbench_tps(args.clients, args.pgbench_seconds):.0f} tps "
              f"(TPC-B-like, {args.clients} clients, {args.pgbench_seconds}s, scale 10)")
    else:
        print("pgbench baseline: pgbench not installed (Debian package postgresql-contrib / postgresql-client)")
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
