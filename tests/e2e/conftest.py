"""End-to-end tests in a real headless Chromium (Debian's ``chromium``), driven by Playwright
through ``executable_path`` (no browser download), against ``wisebook-ctl serve`` on loopback (the suite's ``server`` fixture).

Each test's screenshots go to ``tests/.artifacts/captures/`` (emptied once per run) to be looked
at. Without Chromium the tests are skipped on a workstation and fail under CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

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
    CAPTURES.mkdir(parents=True, exist_ok=True)  # xdist workers each start a session
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


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, locale="fr-FR", viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Any, server: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Sign in on the login page with the keyboard, as a person does; the dashboard opens."""
    page.goto("/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
