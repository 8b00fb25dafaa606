#!/usr/bin/env python3
"""The deployment guide's load test: locust's scenario (bench/locustfile.py) against the
appliance profile — two ``wisebook-ctl web`` processes (4 threads each) on PostgreSQL + Redis —
on books made by bench/generate.py (1 M lines by default), 50 users for 60 s.

Prints requests/s and p50/p95/p99 per route, the failures, and the web processes' resident
memory (the highest sample, and the last, once a second under load).

    .venv/bin/python bench/generate.py --lignes 1000000 --base wisebook_load
    .venv/bin/python bench/load.py [--base wisebook_load] [--users 50] [--seconds 60] [--spawn-rate 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psutil
from common import ADMIN_EMAIL, CTL, PASSWORD, ROOT, database_url, free_port, server_env, wait_ready

HERE = Path(__file__).resolve().parent


def sample_rss(pids: list[int], stop: threading.Event, seen: list[list[float]]) -> None:
    processes = [psutil.Process(pid) for pid in pids]
    while not stop.wait(1):
        seen.append([p.memory_info().rss / 2**20 for p in processes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="wisebook_load", help="a database made by generate.py")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--spawn-rate",
        type=float,
        help="users started per second (default: all at once, every login in the same second)",
    )
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    env = server_env(database_url(args.base), pool_size=4)
    env["REDIS_URL"] = args.redis
    env["WISEBOOK_LOGIN_REQUESTS_PER_MINUTE"] = str(args.users * 10)  # the users share one address
    subprocess.run(["redis-cli", "-u", args.redis, "FLUSHDB"], check=True, capture_output=True)
    ports = [free_port() for _ in range(args.processes)]
    command = [*CTL, "web", "--threads", "4", "--port"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    webs = [subprocess.Popen([*command, str(port)], env=env, cwd=ROOT, **quiet) for port in ports]
    stop, seen = threading.Event(), []
    try:
        for port in ports:
            wait_ready(port)
        sampler = threading.Thread(target=sample_rss, args=([w.pid for w in webs], stop, seen), daemon=True)
        sampler.start()
        out = Path(tempfile.mkdtemp(prefix="wisebook-load-")) / "load"
        locust_env = {
            **os.environ,
            "WISEBOOK_LOAD_PORTS": ",".join(map(str, ports)),
            "WISEBOOK_LOAD_EMAIL": ADMIN_EMAIL,
            "WISEBOOK_LOAD_PASSWORD": PASSWORD,
        }
        subprocess.run(
            [str(Path(sys.executable).with_name("locust")), "-f", str(HERE / "locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate or args.users), "--run-time", f"{args.seconds}s",
             "--csv", str(out), "--only-summary", "--loglevel", "WARNING"],
            env=locust_env, check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        stop.set()
        with open(f"{out}_stats.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        print(
            f"base={args.base} users={args.users} spawn rate={args.spawn_rate or args.users}/s "
            f"seconds={args.seconds} "
            f"web processes={args.processes}x4 threads (PostgreSQL + Redis)"
        )
        print(f"{'route':34} {'requests':>9} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} (ms)")
        for row in rows:
            label = row["Name"] if row["Name"] != "Aggregated" else "all"
            print(
                f"{label:34} {row['Request Count']:>9} {row['Failure Count']:>6} "
                f"{float(row['Requests/s']):7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            )
        with open(f"{out}_failures.csv", newline="") as f:
            for failure in csv.DictReader(f):
                print(f"failure: {failure['Name']}: {failure['Error']} ×{failure['Occurrences']}")
        if seen:
            highest = max(max(s) for s in seen)
            print(
                f"web RSS: highest {highest:.0f} MB, at the end {', '.join(f'{v:.0f}' for v in seen[-1])} MB"
            )
    finally:
        stop.set()
        for web in webs:
            web.terminate()
            web.wait(10)


if __name__ == "__main__":
    main()
