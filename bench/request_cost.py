#!/usr/bin/env python3
"""The fixed cost of a request: one client, one request at a time, against one web process of
the appliance profile (``wisebook-ctl web`` on PostgreSQL + Redis, 4 threads), beside a
hello-world WSGI app served by the same waitress in the same run.

For each route: requests/s, p50/p95 as the client sees them, the server's own time (the mean of
``wisebook_http_request_duration_seconds`` from /metrics, read before and after), and the
ratio of its requests/s to the hello-world's.

    .venv/bin/python bench/request_cost.py [--seconds 5] [--entries 3000] [--redis redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import CTL, ROOT, free_port, fresh_books, login, server_env, wait_ready
from post_entries import entry_body

DB_NAME = "wisebook_bench_cost"
HELLO = """
import sys, waitress
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
    return [b'{"ok":true}']
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=4, _quiet=True)
"""
ROUTES = (
    ("journaux", "/api/v1/journaux/"),
    ("dashboard", "/api/v1/dashboard/"),
    ("comptes", "/api/v1/comptes/"),
    ("health", "/health/"),
)
METRIC = re.compile(
    r'^wisebook_http_request_duration_seconds_(sum|count)\{[^}]*route="([^"]+)"[^}]*\} (\S+)$', re.M
)


def post_entries(port: int, token: str, count: int) -> None:
    """``count`` posted entries over the five journals, so that the dashboard reads real books."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(count):
        body = entry_body(("VTE", "ACH", "BQ", "CAI", "OD")[i % 5], i)
        conn.request(
            "POST",
            "/api/v1/ecritures/",
            json.dumps(body),
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            raise SystemExit(f"posting refused ({answer.status})")


def server_times(port: int) -> dict[str, tuple[float, float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    found: dict[str, list[float]] = {}
    for kind, route, value in METRIC.findall(text):
        pair = found.setdefault(route, [0.0, 0.0])
        pair[0 if kind == "sum" else 1] += float(value)  # float-ok: seconds, a benchmark's figure
    return {route: (s, c) for route, (s, c) in found.items()}


def hammer(port: int, path: str, token: str | None, seconds: float) -> list[float]:
    """Sequential requests on one kept-alive connection for ``seconds``: each one's latency."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"{path}: {answer.status}")
        latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()

    engine, _company = fresh_books(DB_NAME, 2026)
    engine.dispose()
    env = server_env(str(engine.url.render_as_string(hide_password=False)), pool_size=4)
    env["REDIS_URL"] = args.redis
    subprocess.run(["redis-cli", "-u", args.redis, "FLUSHDB"], check=True, capture_output=True)
    port, hello_port = free_port(), free_port()
    web = subprocess.Popen(
        [*CTL, "web", "--port", str(port), "--threads", "4"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    hello = subprocess.Popen([sys.executable, "-c", HELLO, str(hello_port)])
    try:
        wait_ready(port)
        token = login(port)
        post_entries(port, token, args.entries)
        for _path in ("/", *[p for _, p in ROUTES]):  # warm both up
            hammer(hello_port if _path == "/" else port, _path, token, 0.5)
        rows = []
        base = hammer(hello_port, "/", None, args.seconds)
        rows.append(("hello-world (waitress)", base, None))
        for name, path in ROUTES:
            before = server_times(port)
            latencies = hammer(port, path, token, args.seconds)
            after = server_times(port)
            route = next((r for r in after if after[r][1] - before.get(r, (0, 0))[1] == len(latencies)), None)
            server = None
            if route is not None:
                spent = after[route][0] - before.get(route, (0, 0))[0]
                server = spent / len(latencies) * 1000
            rows.append((f"GET {path} ({name})", latencies, server))
        base_rps = len(base) / args.seconds
        print(f"entries={args.entries} seconds={args.seconds} one client, sequential, keep-alive")
        print(f"{'route':45} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'server ms':>10} {'ratio':>7}")
        for label, latencies, server in rows:
            rps = len(latencies) / args.seconds
            cuts = statistics.quantiles(latencies, n=100)
            shown = f"{server:10.2f}" if server is not None else f"{'-':>10}"
            print(
                f"{label:45} {rps:8.0f} {cuts[49] * 1000:8.2f} {cuts[94] * 1000:8.2f} {shown} "
                f"{rps / base_rps:7.1%}"
            )
    finally:
        for proc in (web, hello):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
