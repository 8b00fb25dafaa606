"""API keys: shown once, hashed at rest, one company and one role, revocable."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Api, login, sale
from wisebook.db import models
from wisebook.services.access import members, users
from wisebook.services.books import companies

KEYS = "/api/v1/cles-api/"


def with_key(testapp, key, method="get", url="/api/v1/comptes/", status=200, **kw):
    headers = {"Authorization": f"Bearer {key}", **kw.pop("headers", {})}
    if method == "get":
        return testapp.get(url, headers=headers, status=status)
    return testapp.post_json(url, kw.pop("body", {}), headers=headers, status=status)


def test_a_key_acts_with_its_role_in_its_company_only(api, testapp, engine):
    created = api.post(KEYS, {"nom": "Logiciel de caisse", "role": "assistant"}, status=201).json
    key = created["cle"]
    assert key.startswith("wbk_") and created["prefixe"] in key
    with Session(engine) as s:
        stored = s.scalars(select(models.ApiKey.key_hash)).one()
    assert (
        key.split("_", 2)[2] not in stored
        and hashlib.sha256(key.split("_", 2)[2].encode()).hexdigest() == stored
    )
    assert "cle" not in api.get(KEYS).json["resultats"][0]  # never shown again
    with_key(testapp, key)  # reads
    with_key(testapp, key, "post", "/api/v1/ecritures/", status=201, body=sale(post=False))  # drafts
    with_key(testapp, key, "post", "/api/v1/ecritures/", status=403, body=sale())  # cannot post
    with_key(testapp, key, "get", KEYS, status=403)  # nor manage keys
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Autre SA", "CI", None)
        other_id = other.id
    with_key(testapp, key, headers={"X-Societe": str(other_id)}, status=404)
    with_key(
        testapp, key, "post", "/api/v1/auth/mot-de-passe/", status=403, body={"ancien": "x", "nouveau": "y"}
    )


def test_a_revoked_or_wrong_key_is_nobody(api, testapp):
    created = api.post(KEYS, {"nom": "Export", "role": "lecteur"}, status=201).json
    key = created["cle"]
    with_key(testapp, key[:-1] + ("A" if key[-1] != "A" else "B"), status=401)
    with_key(testapp, "wbk_inconnu_secret", status=401)
    api.delete(f"{KEYS}{created['id']}/", status=204)
    with_key(testapp, key, status=401)
    assert api.get(KEYS).json["resultats"][0]["revoquee_le"]


def test_keys_are_never_admin_and_another_company_s_key_is_not_found(api):
    refused = api.post(KEYS, {"nom": "Tout", "role": "admin"}, status=422)
    assert refused.json["erreurs"][0]["champ"] == "role"
    api.delete(f"{KEYS}999999/", status=404)


def test_a_key_is_its_own_principal_and_ends_with_its_creator_s_access(api, testapp, engine, books):
    """The audit log names the key; the key can never do more than its creator can now."""
    with Session(engine) as s, s.begin():
        creator = users.create_user(s, "integrateur@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, creator.id, "admin")
        creator_id = creator.id
    integrator = Api(testapp, login(testapp, "integrateur@cabinet.ci", "un mot de passe assez long"))
    made = integrator.post(KEYS, {"nom": "Caisse enregistreuse", "role": "comptable"}, status=201).json
    key = made["cle"]
    with_key(testapp, key, "post", "/api/v1/ecritures/", status=201, body=sale())
    logged = api.get("/api/v1/journal-audit/").json["resultats"][0]
    assert logged["action"] == "entries"
    assert logged["cle_api"] == {"id": made["id"], "nom": "Caisse enregistreuse"}
    assert logged["utilisateur"] is None and logged["email"] is None  # not the creator's doing
    with Session(engine) as s, s.begin():  # the creator becomes a reader: so does the key
        members.change_role(s, books.company_id, creator_id, "lecteur", 0)
    with_key(testapp, key, "post", "/api/v1/ecritures/", status=403, body=sale())
    with_key(testapp, key)  # still reads
    with Session(engine) as s, s.begin():  # the creator leaves the company: the key is nobody
        members.remove_member(s, books.company_id, creator_id, 0)
    with_key(testapp, key, status=401)
    with_key(testapp, key, "post", "/api/v1/ecritures/", status=401, body=sale())
