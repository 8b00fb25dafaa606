"""End-to-end tests in a real headless Chromium (Debian's ``chromium``), driven by Playwright
through ``executable_path`` (no browser download), against ``wisebook-ctl serve`` on loopback.

Each test's screenshots go to ``tests/.artifacts/captures/`` (emptied once per run) to be looked
at. Without Chromium the tests are skipped on a workstation and fail under CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import settings_environ

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / ".artifacts" / "captures"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Chromium without its calls home: this machine's network is closed.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def captures() -> Path:
    shutil.rmtree(CAPTURES, ignore_errors=True)
    CAPTURES.mkdir(parents=True)
    return CAPTURES


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium manquant : tests/services.sh l'installe (paquet Debian chromium)")
        pytest.skip("Chromium absent : apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(backend_settings: Any, engine: Any) -> Iterator[str]:
    """WiseBook served by its own command on the test database; its base URL (what it prints
    goes to ``serve-<port>.log`` in the data dir)."""
    port = _free_port()
    env = {
        **os.environ,
        **settings_environ(backend_settings),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    log = backend_settings.data_dir / f"serve-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wisebook.cli",
                "serve",
                "--port",
                str(port),
                "--threads",
                "4",
                "--sans-taches",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=2):  # noqa: S310 - loopback
                break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"le serveur s'est arrêté : {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    else:
        raise AssertionError("le serveur ne répond pas")
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, locale="fr-FR", viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()
