"""Mail through a real local SMTP server (aiosmtpd): reset, invitation, lockout notice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login
from wisebook.db import models
from wisebook.services.access import members, users
from wisebook.services.books import companies


def test_password_reset_by_mail_spends_its_link(testapp, books, inbox):
    for email in (ADMIN_EMAIL, "personne@exemple.ci"):
        answer = testapp.post_json("/api/v1/auth/reinitialisation/", {"email": email}, status=202)
        assert "courriel" in answer.json["detail"]  # the same answer: no enumeration
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == [ADMIN_EMAIL] and "réinitialisation" in message["Subject"]
    assert "https://compta.exemple.ci/reinitialisation/?jeton=" in message.get_content()
    token = inbox.token()
    old = Api(testapp, login(testapp))
    confirm = "/api/v1/auth/reinitialisation/confirmation/"
    testapp.post_json(confirm, {"jeton": token, "nouveau": "court"}, status=422)
    testapp.post_json(confirm, {"jeton": token, "nouveau": "le-nouveau-mot-de-passe"}, status=204)
    again = testapp.post_json(confirm, {"jeton": token, "nouveau": "encore-un-autre-2029"}, status=422)
    assert again.json["erreurs"][0]["champ"] == "jeton"  # spent by the change
    old.get("/api/v1/comptes/", status=401)  # tokens revoked
    login(testapp, ADMIN_EMAIL, "le-nouveau-mot-de-passe")


def test_an_invitation_creates_the_user_who_chooses_a_password(api, testapp, inbox):
    answer = api.post("/api/v1/invitations/", {"email": "Aissata@Cabinet.ci", "role": "auditeur"}, status=201)
    assert (answer.json["email"], answer.json["role"], answer.json["etat"]) == (
        "aissata@cabinet.ci",
        "auditeur",
        "en_attente",
    )
    recipients, message = inbox.messages[-1]
    assert recipients == ["aissata@cabinet.ci"] and "Société Test SARL" in message["Subject"]
    testapp.post_json(
        "/api/v1/auth/login/", {"email": "aissata@cabinet.ci", "password": "nimporte-quoi-1"}, status=401
    )
    testapp.post_json(
        "/api/v1/invitations/acceptation/",
        {"jeton": inbox.token(), "password": "mon-mot-de-passe-2026"},
        status=204,
    )
    auditor = Api(testapp, login(testapp, "aissata@cabinet.ci", "mon-mot-de-passe-2026"))
    auditor.get("/api/v1/journal-audit/", status=200)
    auditor.post("/api/v1/journaux/", {"code": "X1", "libelle": "X", "type": "divers"}, status=403)
    api.post(
        "/api/v1/invitations/", {"email": "aissata@cabinet.ci", "role": "lecteur"}, status=409
    )  # a member


def test_inviting_an_existing_account_grants_nothing_until_its_owner_accepts(api, testapp, engine, inbox):
    """The answer and the mail are the same whether the address has an account; the owner
    of an existing account accepts with its own password."""
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Autre Société SA", "SN", None)
        owner = users.create_user(s, "kone@ailleurs.sn", "le-mot-de-passe-de-kone")
        members.add_member(s, other.id, owner.id, "admin")
    existing = api.post(
        "/api/v1/invitations/", {"email": "kone@ailleurs.sn", "role": "comptable"}, status=201
    )
    new = api.post("/api/v1/invitations/", {"email": "nouveau@ailleurs.sn", "role": "comptable"}, status=201)
    shape = lambda body: {k: v for k, v in body.items() if k not in ("email", "expire_le")}  # noqa: E731
    assert shape(existing.json) == shape(new.json) and set(existing.json) == set(new.json)
    first, second = (m.get_content() for _to, m in inbox.messages[-2:])
    assert first.replace("kone@ailleurs.sn", "X").split("jeton=")[0] == second.split("jeton=")[0]
    token = inbox.token(-2)
    with Session(engine) as s:
        memberships = s.scalars(select(models.Membership).where(models.Membership.user_id == owner_id(s)))
        assert len(memberships.all()) == 1  # only their own company so far
    wrong = testapp.post_json(
        "/api/v1/invitations/acceptation/",
        {"jeton": token, "password": "pas-le-bon-mot-de-passe"},
        status=422,
    )
    assert wrong.json["erreurs"][0]["champ"] == "password"
    testapp.post_json(
        "/api/v1/invitations/acceptation/",
        {"jeton": token, "password": "le-mot-de-passe-de-kone"},
        status=204,
    )
    with Session(engine) as s:
        assert (
            len(s.scalars(select(models.Membership).where(models.Membership.user_id == owner_id(s))).all())
            == 2
        )
    testapp.post_json(
        "/api/v1/invitations/acceptation/",
        {"jeton": token, "password": "le-mot-de-passe-de-kone"},
        status=422,
    )  # spent


def owner_id(s) -> int:
    return s.scalars(select(models.User.id).where(models.User.email == "kone@ailleurs.sn")).one()


def test_no_mail_leaves_for_a_write_that_failed(api, inbox):
    api.post("/api/v1/invitations/", {"email": "pas-un-email", "role": "lecteur"}, status=422)
    api.post("/api/v1/invitations/", {"email": "x@exemple.ci", "role": "patron"}, status=422)
    assert inbox.messages == []


def test_the_fifth_failure_tells_the_owner(testapp, books, inbox):
    for n in range(5):
        testapp.post_json(
            "/api/v1/auth/login/",
            {"email": ADMIN_EMAIL, "password": f"faux-{n}"},
            extra_environ={"REMOTE_ADDR": f"203.0.113.{n}"},
            status=401,
        )
    assert [m["Subject"] for _, m in inbox.messages] == ["WiseBook : connexions bloquées sur votre compte"]
    assert "203.0.113.4" in inbox.messages[0][1].get_content()
    assert ADMIN_PASSWORD not in inbox.messages[0][1].get_content()
