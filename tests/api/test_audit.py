"""The audit log: every successful write, who and from where, one company's only, append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.conftest import Api, login, register_usual_tiers, sale
from wisebook.services.access import members, users
from wisebook.services.books import companies, years

AUDIT = "/api/v1/journal-audit/"
PASSWORD = "un mot de passe assez long"


def member(engine, testapp, company_id, email, role):
    with Session(engine) as s, s.begin():
        user = users.create_user(s, email, PASSWORD)
        members.add_member(s, company_id, user.id, role)
    return Api(testapp, login(testapp, email, PASSWORD))


def test_every_successful_write_is_recorded_and_nothing_else(engine, testapp, books):
    testapp.extra_environ = {"REMOTE_ADDR": "192.0.2.10"}
    api = Api(testapp, login(testapp))
    entry = api.post("/api/v1/ecritures/", sale(post=False), status=201, headers={}).json["id"]
    api.post(f"/api/v1/ecritures/{entry}/validation/", status=200)
    api.post("/api/v1/ecritures/", {"journal": "VTE", "lignes": []}, status=422)  # refused: not a write
    api.post("/api/v1/journaux/", {"code": "BQ2", "libelle": "Banque 2", "type": "tresorerie"}, status=201)
    api.get("/api/v1/comptes/", status=200)  # a read: not recorded
    rows = api.get(AUDIT).json["resultats"]
    assert [(r["methode"], r["action"], r["statut"]) for r in rows] == [
        ("POST", "journals", 201),
        ("POST", "entry_post", 200),
        ("POST", "entries", 201),
        ("POST", "login", 200),
    ]
    assert rows[1]["cible"] == str(entry) and rows[1]["chemin"] == f"/api/v1/ecritures/{entry}/validation/"
    assert {r["email"] for r in rows} == {books.admin_email}
    assert {r["adresse"] for r in rows} == {"192.0.2.10"} and all(r["le"] for r in rows)


def test_a_refused_write_leaves_no_audit_row_and_the_log_pages(api):
    for n in range(5):
        api.post("/api/v1/journaux/", {"code": f"JX{n}", "libelle": "J", "type": "divers"}, status=201)
    api.post("/api/v1/journaux/", {"code": "JX0", "libelle": "J", "type": "divers"}, status=409)
    first = api.get(AUDIT, limite="3").json
    second = api.get(AUDIT, limite="3", apres=first["suivant"]).json
    ids = [r["id"] for r in first["resultats"] + second["resultats"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6  # 5 journals and the login
    assert second["suivant"] is None


def test_only_admin_and_auditeur_read_it_and_only_their_company(api, engine, testapp, books):
    auditor = member(engine, testapp, books.company_id, "audit@cabinet.ci", "auditeur")
    reader = member(engine, testapp, books.company_id, "lecteur@cabinet.ci", "lecteur")
    accountant = member(engine, testapp, books.company_id, "compta@cabinet.ci", "comptable")
    accountant.post("/api/v1/ecritures/", sale(), status=201)
    assert any(r["email"] == "compta@cabinet.ci" for r in auditor.get(AUDIT).json["resultats"])
    reader.get(AUDIT, status=403)
    accountant.get(AUDIT, status=403)
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Autre SARL", "CI", None)
        years.create_fiscal_year(s, other.id, 2026)
        register_usual_tiers(s, other.id)
        other_id = other.id
    outsider = member(engine, testapp, other_id, "autre@exemple.ci", "admin")
    outsider.post("/api/v1/ecritures/", sale(), status=201)
    mine = api.get(AUDIT, limite="500").json["resultats"]
    assert "autre@exemple.ci" not in {r["email"] for r in mine}
    theirs = outsider.get(AUDIT).json["resultats"]
    assert {r["email"] for r in theirs} == {"autre@exemple.ci"}


@pytest.mark.postgresql
def test_postgresql_refuses_to_change_or_delete_the_audit_log(api, engine):
    api.post("/api/v1/ecritures/", sale(), status=201)
    for statement in ("UPDATE audit_log SET path = '/'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="audit"), engine.begin() as conn:
            conn.execute(text(statement))
