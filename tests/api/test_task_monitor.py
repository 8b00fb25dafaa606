"""The task monitor page: administrators see the queue and every run with its error and
traceback (escaped), retry and revoke with the page's buttons; others are turned away."""

from __future__ import annotations

import webtest
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from wisebook.db import models
from wisebook.services.access import members, users
from wisebook.services.books import companies
from wisebook.services.platform import taskruns

HOSTILE = "<script>alert('x')</script>"


def browser_login(testapp: webtest.TestApp, email: str, password: str) -> None:
    """Log in as a browser does: the session cookie stays in the client's cookie jar."""
    testapp.post_json("/api/v1/auth/login/", {"email": email, "password": password}, status=200)
    testapp.authorization = None


def make_runs(engine, company_id: int) -> dict[str, str]:
    with Session(engine) as s, s.begin():
        failed = taskruns.create(s, "verification", company_id=company_id)
        failed.state, failed.attempts = taskruns.RUNNING, 1
        s.flush()
        taskruns.fail(s, failed.id, f"ValueError: {HOSTILE}", f"Traceback: {HOSTILE}", again=False)
        queued = taskruns.create(s, "verification", company_id=company_id)
        system = taskruns.create(s, "sauvegarde", {"etiquette": "manuelle"})  # no company: the operator
        return {"failed": failed.id, "queued": queued.id, "system": system.id}


def test_anonymous_browsers_are_asked_to_log_in(testapp, books):
    sent = testapp.get("/admin/taches/?etat=echec", headers={"Accept": "text/html"}, status=303)
    assert sent.headers["Location"] == "http://localhost/connexion/?suite=%2Fadmin%2Ftaches%2F%3Fetat%3Dechec"
    page = sent.follow()
    assert page.content_type == "text/html"
    assert 'name="suite" value="/admin/taches/?etat=echec"' in page.text


def test_the_administrator_sees_runs_errors_and_tracebacks_escaped(testapp, books, engine, app):
    ids = make_runs(engine, books.company_id)
    browser_login(testapp, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = testapp.get("/admin/taches/", status=200)
    assert page.content_type == "text/html"
    assert "Tâches de fond" in page.text
    assert ids["failed"][:8] in page.text and ids["queued"][:8] in page.text
    assert ids["system"][:8] not in page.text  # the installation's runs are the operator's
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text  # message and traceback
    assert page.text.count("&lt;script&gt;") == 2
    assert "Sauvegarde de la base" in page.text and "chaque jour à 02:00" in page.text
    failed_only = testapp.get("/admin/taches/", {"etat": "echec"}, status=200)
    assert ids["failed"][:8] in failed_only.text and ids["queued"][:8] not in failed_only.text
    testapp.get("/admin/taches/", {"etat": "perdue"}, status=400)


def test_retry_and_revoke_from_the_page_buttons(testapp, books, engine, app):
    ids = make_runs(engine, books.company_id)
    queue = app.registry.wisebook_queue
    browser_login(testapp, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = testapp.get("/admin/taches/", {"etat": "echec"}, status=200)
    retry = next(f for f in page.forms.values() if f.action.endswith(f"/{ids['failed']}/relance/"))
    retry.submit(status=303)
    with Session(engine) as s:
        assert s.get(models.TaskRun, ids["failed"]).state == "en_attente"
    assert queue.pending_count() == 1  # its message went once the retry committed

    page = testapp.get("/admin/taches/", {"etat": "en_attente"}, status=200)
    revoke = next(f for f in page.forms.values() if f.action.endswith(f"/{ids['queued']}/annulation/"))
    revoke.submit(status=303)
    with Session(engine) as s:
        assert s.get(models.TaskRun, ids["queued"]).state == "annulee"


def test_a_form_without_the_session_csrf_token_is_refused(testapp, books, engine):
    ids = make_runs(engine, books.company_id)
    browser_login(testapp, ADMIN_EMAIL, ADMIN_PASSWORD)
    testapp.post(f"/admin/taches/{ids['failed']}/relance/", {"csrf": "faux"}, status=403)  # forged form
    testapp.post(f"/admin/taches/{ids['failed']}/relance/", status=403)  # no token at all
    with Session(engine) as s:
        assert s.get(models.TaskRun, ids["failed"]).state == "echec"


def test_other_roles_are_turned_away_and_see_no_other_company(testapp, books, engine):
    ids = make_runs(engine, books.company_id)
    with Session(engine) as s, s.begin():
        reader = users.create_user(s, "lecteur@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, reader.id, "lecteur")
        other = companies.create_company(s, "Autre Société SA", "SN", None)
        outsider = users.create_user(s, "admin@autre.sn", "un mot de passe assez long")
        members.add_member(s, other.id, outsider.id, "admin")
    browser_login(testapp, "lecteur@cabinet.ci", "un mot de passe assez long")
    page = testapp.get("/admin/taches/", headers={"Accept": "text/html"}, status=403)
    assert "réservée aux administrateurs" in page.text

    other_admin = webtest.TestApp(testapp.app)
    browser_login(other_admin, "admin@autre.sn", "un mot de passe assez long")
    page = other_admin.get("/admin/taches/", status=200)
    assert all(run_id[:8] not in page.text for run_id in ids.values())
    assert "Aucune tâche" in page.text
