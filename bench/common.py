"""What the benchmarks share: a scratch PostgreSQL database, the web server, HTTP helpers."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import wisebook
from wisebook.settings import SECRET_NAMES

ROOT = Path(__file__).resolve().parents[1]
#: The tree whose code is measured: this one, or a baseline checkout named by PYTHONPATH
#: (``PYTHONPATH=/tmp/baseline python bench/x.py``); the server starts in it, so that
#: ``python -m wisebook.cli`` imports that tree's code and not this one's.
CODE = Path(wisebook.__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-mot-de-passe-2026"
ADMIN_EMAIL = "bench@exemple.ci"
CTL = [sys.executable, "-m", "wisebook.cli"]


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-q", "-c", sql], check=True)


def database_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def fresh_database(name: str) -> str:
    """Drop and create a scratch database; its URL."""
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    return database_url(name)


def server_env(url: str, pool_size: int = 2) -> dict[str, str]:
    """The environment the web processes run with, as the appliance would give it."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "WISEBOOK_DATA_DIR": tempfile.mkdtemp(prefix="wisebook-bench-"),
        **{name: secrets.token_urlsafe(40) for name in SECRET_NAMES},
        "LOG_LEVEL": "WARNING",
        "WISEBOOK_DB_POOL_SIZE": str(pool_size),
    }


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


def start_server(env: dict[str, str], threads: int = 2) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [*CTL, "serve", "--port", str(port), "--threads", str(threads)],
        env=env,
        cwd=CODE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(port)
    return proc, port


def login(port: int, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request(
        "POST",
        "/api/v1/auth/login/",
        json.dumps({"email": email, "password": password}),
        {"Content-Type": "application/json"},
    )
    return str(json.loads(conn.getresponse().read())["token"])


def fresh_books(name: str, fiscal_year: int) -> tuple[Any, int]:
    """A scratch database, migrated, with a company set up as the wizard does (CI, XOF, the
    SYSCOHADA chart, ``fiscal_year``, the bench's administrator): its engine and company id."""
    from sqlalchemy.orm import Session

    from wisebook import settings as settings_module
    from wisebook.db import make_engine, migrate
    from wisebook.services import setup

    url = fresh_database(name)
    secrets_ = {key: secrets.token_urlsafe(32) for key in SECRET_NAMES}
    config = settings_module.load({"database_url": url, "wisebook_data_dir": "/tmp", **secrets_}, environ={})
    engine = make_engine(config)
    migrate.upgrade(engine)
    with Session(engine) as s, s.begin():
        company_id = setup.setup(
            s,
            company_name="Négoce Abidjan SARL",
            country="CI",
            currency="XOF",
            fiscal_year=fiscal_year,
            admin_email=ADMIN_EMAIL,
            admin_password=PASSWORD,
        ).company_id
    return engine, company_id
