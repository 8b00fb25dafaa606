"""/health/ and wisebook-ctl health follow the real servers: a private Redis and a private
PostgreSQL cluster (the machine's own are shared with the rest of the suite) are stopped and
started again under a running application."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from sqlalchemy import create_engine, text

from wisebook import make_config
from wisebook import settings as settings_module
from wisebook.db import make_engine, migrate
from wisebook.ops import backups
from wisebook.settings import SECRET_NAMES

PG_BIN = Path(os.environ.get("WISEBOOK_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_port(port: int, up: bool, timeout: float = 30.0) -> None:  # float-ok: seconds
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise AssertionError(f"port {port} toujours {'fermé' if up else 'ouvert'}")


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        wait_port(self.port, up=False)


class PrivatePostgres:
    """A throw-away cluster, run as the postgres user as an init would (initdb refuses root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wisebook-pg-"))
        self.port = free_port()
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.prefix = as_postgres
        if as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            PG_BIN / "initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def _run(self, *args: Any) -> None:
        subprocess.run([*self.prefix, *map(str, args)], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            PG_BIN / "pg_ctl", "-D", self.dir / "data", "-o", options, "-l", self.dir / "log", "-w", "start"
        )
        wait_port(self.port, up=True)

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop")
        wait_port(self.port, up=False)

    def remove(self) -> None:
        subprocess.run(
            [*self.prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/wisebook"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[PrivateRedis, PrivatePostgres]]:
    redis_server, cluster = PrivateRedis(), PrivatePostgres()
    redis_server.start()
    cluster.start()
    admin = create_engine(cluster.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE wisebook"))
    admin.dispose()
    yield redis_server, cluster
    redis_server.stop()
    cluster.remove()


def status_of(testapp: webtest.TestApp) -> tuple[int, dict[str, Any]]:
    answer = testapp.get("/health/", status="*")
    return answer.status_int, answer.json


@pytest.mark.postgresql
def test_health_goes_degraded_and_down_with_redis_and_the_database_and_back(servers, tmp_path):
    redis_server, cluster = servers
    overrides = {
        "database_url": cluster.url,
        "redis_url": f"redis://127.0.0.1:{redis_server.port}/0",
        "wisebook_data_dir": str(tmp_path),
        "wisebook_queue_name": f"sante-{uuid.uuid4().hex[:8]}",
        **{name.lower(): "s" * 40 + name for name in SECRET_NAMES},
    }
    settings = settings_module.load(overrides, environ={})
    engine = make_engine(settings)
    migrate.upgrade(engine)
    app = make_config(overrides, engine=engine).make_wsgi_app()
    testapp = webtest.TestApp(app)
    queue = app.registry.wisebook_queue

    def alive() -> None:  # what the worker and the scheduler do every 15 s
        queue.beat("worker", time.time())
        queue.beat("scheduler", time.time())

    alive()
    backups.create(settings, engine)
    code, body = status_of(testapp)
    assert (code, body["status"]) == (200, "ok"), body
    assert set(body["checks"]) == {"database", "redis", "worker", "scheduler", "queue", "disk", "backup"}

    redis_server.stop()
    code, body = status_of(testapp)
    assert (code, body["status"]) == (200, "degraded")
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["worker"]["detail"].startswith("inconnu")

    redis_server.start()  # Redis comes back empty (no persistence): the processes beat again
    alive()
    code, body = status_of(testapp)
    assert (code, body["status"]) == (200, "ok"), body

    cluster.stop()
    code, body = status_of(testapp)
    assert (code, body["status"]) == (503, "down")
    assert body["checks"]["database"]["status"] == "down"
    ctl = subprocess.run(
        [sys.executable, "-m", "wisebook.cli", "health"],
        env={**os.environ, **{k.upper(): v for k, v in overrides.items()}},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ctl.returncode == 1
    assert "état : down" in ctl.stdout

    cluster.start()
    code, body = status_of(testapp)
    assert (code, body["status"]) == (200, "ok"), body
    engine.dispose()


def test_a_silent_worker_and_an_old_backup_degrade_health(app, testapp, books, backend_settings, engine):
    queue = app.registry.wisebook_queue
    queue.beat("worker", time.time())
    queue.beat("scheduler", time.time())
    made = backups.create(backend_settings, engine)
    try:
        body = testapp.get("/health/", status=200).json
        assert body["status"] == "ok", body
        queue.huey.put("wisebook:process:worker", {"worker": "hote:1", "beat": time.time() - 120, "since": 0})
        old = dict(made.manifest, cree_le="2026-01-01T02:00:00+00:00")
        old["signature"] = backups.sign(old, backend_settings.backup_signing_key)
        made.manifest_path.write_text(json.dumps(old))
        body = testapp.get("/health/", status=200).json
        assert body["status"] == "degraded"
        assert body["checks"]["worker"]["status"] == "degraded"
        assert "silencieux depuis" in body["checks"]["worker"]["detail"]
        assert body["checks"]["backup"]["status"] == "degraded"
        assert body["checks"]["scheduler"]["status"] == "ok"
    finally:
        made.path.unlink()
        made.manifest_path.unlink()
