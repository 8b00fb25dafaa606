"""The long-running programs stop when asked — SIGINT (Ctrl+C, so ``make run``) and SIGTERM
(supervisor's stop) end ``serve``, ``web``, ``worker`` and ``scheduler`` within 10 s — and
``serve`` refuses an oversized body before receiving it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

LIMIT = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict[str, str]:
    """An embedded profile's environment (SQLite, Huey on SQLite), migrated once."""
    data = tmp_path_factory.mktemp("stopping")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["WISEBOOK_DATA_DIR"] = str(data)
    subprocess.run([sys.executable, "-m", "wisebook.cli", "migrate"], env=env, check=True, timeout=120)
    return env


def started(env: dict[str, str], *args: str, port: int | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "wisebook.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # up: answering (a server) or past its start-up
        assert process.poll() is None, process.stderr.read()
        if port is None:
            time.sleep(3)
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                break
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP answer (503 while degraded): it serves
                break
            time.sleep(0.2)
    return process


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("program", ["serve", "web", "worker", "scheduler"])
def test_the_program_stops_when_asked(embedded, program, sig):
    port = free_port() if program in ("serve", "web") else None
    args = (program, "--port", str(port)) if port else (program,)
    process = started(embedded, *args, port=port)
    asked = time.monotonic()
    process.send_signal(sig)
    try:
        process.wait(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"{program} still running {LIMIT} s after {sig.name}")
    assert time.monotonic() - asked < LIMIT
    assert process.returncode == 0, process.stderr.read()[-2000:]  # its own clean stop


def test_serve_refuses_a_body_past_the_bound_at_its_content_length(embedded):
    """A 300 MB body is refused when its length is read, not after it was received."""
    port = free_port()
    env = {**embedded, "WISEBOOK_MAX_IMPORT_BYTES": str(1024 * 1024), "WISEBOOK_MAX_BODY_BYTES": "65536"}
    process = started(env, "serve", "--port", str(port), "--sans-taches", port=port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(
                b"POST /api/v1/ecritures/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: 314572800\r\n\r\n"
            )
            answer = conn.recv(100)  # nothing of the body was sent
        assert answer.startswith(b"HTTP/1.1 413"), answer
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:  # chunked, endless
            conn.sendall(
                b"POST /api/v1/ecritures/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            refused = b""
            try:
                for _ in range(64):  # 4 MB at most, four times the bound
                    conn.sendall(chunk)
            except OSError:  # the server closed the connection at the bound
                pass
            refused = conn.recv(100)
        assert refused.startswith(b"HTTP/1.1 413"), refused
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=LIMIT)
