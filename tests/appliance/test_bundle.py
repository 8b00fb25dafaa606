"""The frozen bundle's smoke test (the appliance runs nothing else): every view of the contract
is registered, the templates and catalogues render, the migrations run, a background task
makes the round trip — on the embedded profile and on PostgreSQL with Redis and a separate
worker, as under supervisor."""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.appliance.conftest import frozen_env
from tests.conftest import PG_ADMIN_URL, stop
from wisebook import settings as settings_module

PASSWORD = "un-mot-de-passe-solide"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """HTTP on loopback to a frozen web process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.token = ""

    def call(
        self, method: str, path: str, body: Any = None, **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        answer = conn.getresponse()
        found = (answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        conn.close()
        return found

    def json(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        code, _headers, raw = self.call(method, path, body)
        assert code == status, (method, path, code, raw[:300])
        return json.loads(raw) if raw else None


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        stop(proc, wait=15)


def wait_for(client: Client, log: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.call("GET", "/health/")[0] in (200, 503):
                return
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(log.read_text()[-3000:]) from None
            time.sleep(0.2)
    raise AssertionError("the frozen server does not answer: " + log.read_text()[-3000:])


def ctl(bundle: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(bundle), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def the_books_work(bundle: Path, env: dict[str, str], client: Client) -> None:
    """What a fresh installation must do through the frozen program alone."""
    assert client.call("GET", "/")[0] == 303  # to the wizard
    code, _h, page = client.call("GET", "/assistant/", **{"Accept-Language": "en"})
    assert code == 200 and b"<h1>Welcome to WiseBook</h1>" in page  # templates and catalogues
    assert client.call("GET", "/static/wisebook.css")[0] == 200
    ctl(bundle, env, "setup", "--societe", "Gel SARL", "--pays", "SN", "--exercice", "2026",
        "--admin-email", "gerant@gel.sn", "--admin-password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    contract = client.json("GET", "/api/v1/openapi.json")
    plain = [
        path for path, operations in contract["paths"].items() if "get" in operations and "{" not in path
    ]
    unregistered = [path for path in plain if client.call("GET", path)[0] == 404]
    assert len(contract["paths"]) > 40 and unregistered == []  # every view is registered
    client.token = client.json(
        "POST", "/api/v1/auth/login/", {"email": "gerant@gel.sn", "password": PASSWORD}
    )["token"]
    sale = {
        "journal": "VTE", "date_comptable": "2026-01-15", "libelle": "Facture FA-001", "valider": True,
        "lignes": [{"compte": "4111", "debit": "118000"}, {"compte": "7011", "credit": "100000"},
                   {"compte": "4431", "credit": "18000"}],
    }  # fmt: skip
    assert client.json("POST", "/api/v1/ecritures/", sale, status=201)["numero"] == "VTE-2026-000001"
    code, _headers, pdf = client.call("GET", "/api/v1/rapports/bilan/?format=pdf")
    assert code == 200 and pdf.startswith(b"%PDF")  # fpdf2 and its fonts are in the bundle
    run = client.json("POST", "/api/v1/verification/", status=202)
    deadline = time.monotonic() + 60
    while (state := client.json("GET", f"/api/v1/taches/{run['id']}/"))["etat"] in ("en_attente", "en_cours"):
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    assert state["etat"] == "reussie" and state["resultat"]["conforme"] is True  # the task's round trip
    assert "conforme" in ctl(bundle, env, "verify")


def test_the_frozen_bundle_serves_the_embedded_profile_on_its_own(bundle, tmp_path):
    env = frozen_env(WISEBOOK_DATA_DIR=str(tmp_path))
    assert "révision" in ctl(bundle, env, "migrate")
    port = free_port()
    client = Client(port)
    log = tmp_path / "serve.log"
    with running([str(bundle), "serve", "--port", str(port)], env, log) as proc:
        wait_for(client, log, proc)
        the_books_work(bundle, env, client)


@pytest.mark.postgresql
def test_the_frozen_bundle_runs_web_and_worker_apart_on_postgresql_and_redis(bundle, tmp_path):
    name = f"wisebook_gel_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    env = frozen_env(
        WISEBOOK_DATA_DIR=str(tmp_path),
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        WISEBOOK_QUEUE_NAME=name,
        **{secret: secrets.token_urlsafe(32) for secret in settings_module.SECRET_NAMES},
    )
    try:
        ctl(bundle, env, "migrate")
        port = free_port()
        client = Client(port)
        with (
            running([str(bundle), "worker"], env, tmp_path / "worker.log"),
            running(
                [str(bundle), "serve", "--port", str(port), "--sans-taches"], env, tmp_path / "web.log"
            ) as web,
        ):
            wait_for(client, tmp_path / "web.log", web)
            the_books_work(bundle, env, client)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
