"""The accountant's first pages, without script: log in (errors next to their field, the input
kept, nothing opened), the dashboard in French figures, log out."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login, page_login, sale
from wisebook.db import models


def open_sessions(engine) -> int:
    with Session(engine) as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(models.BrowserSession)
                .where(models.BrowserSession.revoked_at.is_(None))
            )
        )


def test_a_refused_login_says_why_next_to_the_field_and_keeps_the_email(testapp, books, engine):
    empty = page_login(testapp, {"email": "", "password": ""}, status=422)
    assert 'id="email-erreur">Saisissez votre adresse e-mail.' in empty.text
    assert 'id="password-erreur">Saisissez votre mot de passe.' in empty.text
    wrong = page_login(testapp, {"email": ADMIN_EMAIL, "password": "pas le bon"}, status=401)
    assert "Adresse e-mail ou mot de passe incorrect." in wrong.text
    assert f'value="{ADMIN_EMAIL}"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    hostile = page_login(testapp, {"email": '"><script>alert(1)</script>', "password": "x"}, status=401)
    assert "<script>alert(1)</script>" not in hostile.text
    assert open_sessions(engine) == 0


def test_logging_in_opens_the_dashboard_in_french_figures_and_logging_out_ends_it(testapp, books, engine):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)
    api.post("/api/v1/auth/logout/", status=204)
    testapp.reset()
    before = open_sessions(engine)  # the API's login opened one too; its cookie is gone
    sent = testapp.get("/", status=303)
    assert sent.location.endswith("/connexion/?suite=%2F")
    done = page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "suite": "/"}, status=303)
    assert done.location == "http://localhost/"
    page = testapp.get("/", status=200)
    assert "Société Test SARL" in page.text
    assert "Trésorerie" in page.text
    amount = int(sale()["lignes"][1]["credit"])
    assert f"{amount:,}".replace(",", "\u202f") in page.text  # 1 000 000 as French readers read it
    assert open_sessions(engine) == before + 1
    csrf = testapp.cookies["wisebook_csrf"]
    refused = testapp.post("/deconnexion/", {"csrf": "faux"}, status=403)  # not from our page
    assert refused.content_type == "text/html"
    assert open_sessions(engine) == before + 1
    out = testapp.post("/deconnexion/", {"csrf": csrf}, status=303)
    assert out.location.endswith("/connexion/")
    assert open_sessions(engine) == before


def test_the_page_to_come_back_to_stays_on_this_site(testapp, books):
    for target in ("//ailleurs.example/", "https://ailleurs.example/", "/\\ailleurs.example"):
        done = page_login(
            testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "suite": target}, status=303
        )
        assert done.location == "http://localhost/"
        testapp.reset()
    done = page_login(
        testapp,
        {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "suite": "/admin/taches/"},
        path="/admin/login/",
    )
    assert done.location == "http://localhost/admin/taches/"


def test_the_dashboard_draws_its_charts_without_script_each_bar_titled_with_its_amount(testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
    page = testapp.get("/")
    assert page.text.count('<svg class="graphique"') == 4
    scripts = re.findall(r"<script[^>]*>", page.text)  # the charts need none: only the header's shortcuts
    assert scripts == ['<script src="http://localhost/static/raccourcis.js" defer>']
    assert "Chiffre d&#39;affaires · janv : 100\u202f000</title>" in page.text  # January's sales bar
    assert ">janv</text>" in page.text and ">100\xa0k</text>" in page.text  # the axes, short
    english = testapp.get("/", headers={"Accept-Language": "en"})
    assert "Jan : 100,000</title>" in english.text and ">100K</text>" in english.text


def test_a_login_form_posted_from_elsewhere_signs_nobody_in(testapp, books, engine):
    before = open_sessions(engine)
    forged = testapp.post("/connexion/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=403)
    assert "ne vient pas de WiseBook" in forged.text and 'value="comptable@exemple.ci"' in forged.text
    testapp.get("/connexion/")
    testapp.post(
        "/connexion/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf": "x" * 32}, status=403
    )
    assert open_sessions(engine) == before
    assert "HttpOnly" in testapp.get("/admin/login/").headers["Set-Cookie"]
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, path="/admin/login/")
    assert open_sessions(engine) == before + 1


def test_an_empty_dashboard_says_where_to_start_and_gives_way_to_the_figures(testapp, books):
    page_login(testapp, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
    empty = testapp.get("/")
    steps = empty.html.select_one("#premiers-pas")
    assert steps is not None and "Par où commencer" in steps.text
    assert {a["href"] for a in steps.select("a")} >= {
        "/comptes/",
        "/imports/",
        "/ecritures/nouvelle/",
        "/admin/utilisateurs/",
    }
    assert '<svg class="graphique"' not in empty.text  # no empty axes
    Api(testapp, login(testapp)).post("/api/v1/ecritures/", sale(), status=201)
    assert 'id="premiers-pas"' not in testapp.get("/").text
