"""The accountant's path through the pages, in Chromium: signed out to the login page, a wrong
password said next to its field, the dashboard in French figures, the task monitor, log out."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login, sale


@pytest.mark.postgresql  # the appliance's database
def test_log_in_see_the_dashboard_and_log_out(page, server, captures, testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)

    page.goto("/")
    assert re.search(r"/connexion/\?suite=%2F$", page.url)
    page.screenshot(path=captures / "01-connexion.png", full_page=True)

    page.get_by_label("Adresse e-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.keyboard.press("Enter")
    error = page.locator("#password-erreur")
    error.wait_for()
    assert error.inner_text() == "Adresse e-mail ou mot de passe incorrect."
    assert page.get_by_label("Adresse e-mail").input_value() == ADMIN_EMAIL  # kept
    assert page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"
    page.screenshot(path=captures / "02-connexion-refusee.png", full_page=True)

    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    assert page.locator("h1").inner_text() == "Société Test SARL"
    cards = page.locator(".carte")
    assert cards.count() == 6
    revenue = int(sale()["lignes"][1]["credit"])
    assert f"{revenue:,}".replace(",", "\u202f") in page.locator("main").inner_text()  # French grouping
    page.screenshot(path=captures / "03-tableau-de-bord.png", full_page=True)

    page.get_by_role("link", name="Tâches").click()
    page.wait_for_url(f"{server}/admin/taches/")
    page.screenshot(path=captures / "04-taches.png", full_page=True)

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/connexion/$"))
    page.goto("/")
    assert "/connexion/" in page.url  # the session is over
