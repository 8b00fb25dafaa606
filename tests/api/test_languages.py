"""French by default, English on demand: the switch, the catalogue complete, numbers grouped
the reader's way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_of_the_pages_has_its_english_translation(tmp_path):
    template = tmp_path / "wisebook.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_",
         "-k", "translate:2", "-o", str(template), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "wisebook/locale/en/LC_MESSAGES/wisebook.po").open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(m for m in wanted if not english.get(m))
    assert missing == [], "run pybabel update and translate: " + " | ".join(missing)


def test_the_switch_turns_the_pages_english_and_back(testapp, books):
    page = testapp.get("/connexion/")
    assert '<html lang="fr">' in page.text and "Se connecter" in page.text
    switched = testapp.get("/langue/en/", {"suite": "/connexion/"}, status=303)
    assert switched.location == "http://localhost/connexion/"
    page = switched.follow()
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    refused = testapp.post("/connexion/", {"email": ADMIN_EMAIL, "password": "faux"}, status=401)
    assert "Wrong email address or password." in refused.text
    testapp.post("/connexion/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
    dashboard = testapp.get("/")
    assert "Dashboard" in dashboard.text and "Revenue" in dashboard.text
    assert "Fiscal year 2026, 01/01/2026 to 31/12/2026" in dashboard.text
    testapp.get("/langue/fr/", {"suite": "//ailleurs.example/"}, status=303)
    assert "Tableau de bord" in testapp.get("/").text


def test_the_browser_language_is_followed_until_one_is_chosen(testapp, books):
    page = testapp.get("/connexion/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Sign in" in page.text
    page = testapp.get("/connexion/", headers={"Accept-Language": "de-DE"})
    assert "Se connecter" in page.text
