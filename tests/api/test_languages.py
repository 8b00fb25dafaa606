"""French by default, English on demand: the switch, the catalogue complete, numbers grouped
the reader's way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, page_login

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
    refused = page_login(testapp, {"email": ADMIN_EMAIL, "password": "faux"}, status=401)
    assert "Wrong email address or password." in refused.text
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
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


def _raised_shapes() -> set[str]:
    """Every message the code writes into an error, its variable parts made ``${}``."""
    import ast
    import re

    found = set()
    for path in (ROOT / "wisebook").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "${}" for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            found.add(re.sub(r"\$\{\w*\}", "${}", text))
    return found


def test_every_shape_of_the_ledger_s_messages_is_a_message_the_code_raises():
    import re

    from wisebook.web.messages import SHAPES

    raised = {s.rstrip(".").lower() for s in _raised_shapes()}
    unknown = [
        str(shape)
        for shape in SHAPES
        if re.sub(r"\$\{\w*\}", "${}", str(shape)).rstrip(".").lower() not in raised
    ]
    assert unknown == []


def test_a_refused_entry_is_explained_in_english_with_its_figures_kept(testapp, books):
    from tests.api.test_entry_pages import browser, form

    csrf = browser(testapp)
    testapp.get("/langue/en/", {"suite": "/"})
    page = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118 000", ""), ("9999", "", "", "100000"), ("4431", "", "", "18000")]),
        status=422,
    )
    assert "Unknown account: 9999." in page.text and "The entry breaks the entry rules." in page.text
    decimals = testapp.post(
        "/ecritures/nouvelle/", form(csrf, [("4111", "", "1", ""), ("4431", "", "", "18,5")]), status=422
    )
    assert "Too many decimals in “18,5”: the currency allows 0." in decimals.text
    unbalanced = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118000", ""), ("7011", "", "", "100000")]),
        status=422,
    )
    assert "Unbalanced entry: debit 118,000, credit 100,000 (difference 18,000)." in unbalanced.text
    chart = testapp.post("/comptes/", {"csrf": csrf, "numero": "4111", "libelle": "x"}, status=422)
    assert "Account 4111 already exists." in chart.text
    missing = testapp.get("/ecritures/999999/", headers={"Accept": "text/html"}, status=404)
    assert "Entry not found: 999999." in missing.text and "Back to the dashboard" in missing.text
