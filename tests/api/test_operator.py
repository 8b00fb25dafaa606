"""The installation's operator and the companies' administrators are two roles: setup makes a
company's administrator, never the operator; runs, backups and companies across two
companies (an accounting firm keeping one dossier per client on one appliance)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, Api, login
from tests.db.test_verify import run_ctl
from wisebook.db import models
from wisebook.services.access import members, users
from wisebook.services.books import companies, years

PASSWORD = "un mot de passe assez long"


def operator(testapp, engine) -> Api:
    with Session(engine) as s, s.begin():
        users.create_user(s, "exploitant@cabinet.ci", PASSWORD, superuser=True)
    return Api(testapp, login(testapp, "exploitant@cabinet.ci", PASSWORD))


def second_company(testapp, engine) -> tuple[int, Api]:
    """Company B with its own administrator."""
    with Session(engine) as s, s.begin():
        company = companies.create_company(s, "Client B SARL", "SN", None)
        years.create_fiscal_year(s, company.id, 2026)
        user = users.create_user(s, "admin@client-b.sn", PASSWORD)
        members.add_member(s, company.id, user.id, "admin")
        company_id = company.id
    return company_id, Api(testapp, login(testapp, "admin@client-b.sn", PASSWORD))


def test_setup_makes_the_company_s_administrator_not_the_installation_s_operator(api, engine):
    with Session(engine) as s:
        admin = s.scalars(select(models.User).where(models.User.email == ADMIN_EMAIL)).one()
        assert admin.is_superuser is False
    api.post("/api/v1/sauvegardes/", status=403)
    api.get("/api/v1/societes/", status=403)
    refused = api.post(
        "/api/v1/societes/", {"nom": "X SA", "pays": "CI", "exercice": 2026, "admin_email": "a@b.ci"}
    )
    assert refused.status_int == 403 and "exploitant" in refused.json["detail"]


def test_runs_backups_and_verification_stay_inside_their_company(api, testapp, engine, books):
    _other_id, admin_b = second_company(testapp, engine)
    boss = operator(testapp, engine)
    run_a = api.post("/api/v1/verification/", status=202).json["id"]
    run_b = admin_b.post("/api/v1/verification/", status=202).json["id"]
    for mine, theirs, client in ((run_a, run_b, api), (run_b, run_a, admin_b)):
        client.get(f"/api/v1/taches/{mine}/", status=200)
        client.get(f"/api/v1/taches/{theirs}/", status=404)
        client.post(f"/api/v1/taches/{theirs}/annulation/", status=404)
        client.post(f"/api/v1/taches/{theirs}/relance/", status=404)
        assert [r["id"] for r in client.get("/api/v1/taches/").json["resultats"]] == [mine]
        client.post("/api/v1/sauvegardes/", status=403)
        page = client.testapp.post(
            f"/admin/taches/{theirs}/annulation/", headers=client.headers(), status="*"
        )
        assert page.status_int == 404
    # Naming the other company does not open it either.
    admin_b.testapp.get(
        f"/api/v1/taches/{run_a}/", headers=admin_b.headers({"X-Societe": str(books.company_id)}), status=404
    )
    # The operator sees both, steers both, and backs up the installation.
    assert {r["id"] for r in boss.get("/api/v1/taches/").json["resultats"]} == {run_a, run_b}
    boss.get(f"/api/v1/taches/{run_a}/", status=200)
    assert boss.post(f"/api/v1/taches/{run_b}/annulation/", status=200).json["etat"] == "annulee"
    backup = boss.post("/api/v1/sauvegardes/", status=202).json["id"]
    boss.get(f"/api/v1/taches/{backup}/", status=200)
    api.get(f"/api/v1/taches/{backup}/", status=404)  # the installation's run: no company's
    admin_b.get(f"/api/v1/taches/{backup}/", status=404)
    # The operator reads no company's books.
    boss.get("/api/v1/ecritures/", status=403)
    boss.testapp.get(
        "/api/v1/ecritures/", headers=boss.headers({"X-Societe": str(books.company_id)}), status=404
    )


def test_the_operator_creates_a_company_whose_administrator_accepts_and_administers_it_only(
    api, testapp, engine, books, inbox
):
    boss = operator(testapp, engine)
    bad = boss.post(
        "/api/v1/societes/", {"nom": "Client C SA", "pays": "FR", "exercice": 2026, "admin_email": "x@c.ci"}
    )
    assert bad.status_int == 422 and bad.json["erreurs"][0]["champ"] == "pays"
    assert inbox.messages == []
    made = boss.post(
        "/api/v1/societes/",
        {"nom": "Client C SA", "pays": "CM", "exercice": 2026, "admin_email": "Gerant@Client-C.cm"},
        status=201,
    ).json
    assert (made["nom"], made["pays"], made["devise"], made["exercice"]) == (
        "Client C SA",
        "CM",
        "XAF",
        "2026",
    )
    assert made["invitation"]["email"] == "gerant@client-c.cm" and made["invitation"]["etat"] == "en_attente"
    listed = {c["nom"]: c for c in boss.get("/api/v1/societes/").json["resultats"]}
    assert listed["Client C SA"]["membres"] == 0 and listed["Société Test SARL"]["membres"] == 1
    boss.post(
        "/api/v1/societes/",
        {"nom": "Client C SA", "pays": "CM", "exercice": 2026, "admin_email": "autre@client-c.cm"},
        status=409,
    )
    testapp.post_json(
        "/api/v1/invitations/acceptation/",
        {"jeton": inbox.token(), "password": "gerant-client-c-2026"},
        status=204,
    )
    gerant = Api(testapp, login(testapp, "gerant@client-c.cm", "gerant-client-c-2026"))
    assert gerant.get("/api/v1/journaux/").status_int == 200
    gerant.post("/api/v1/invitations/", {"email": "comptable@client-c.cm", "role": "comptable"}, status=201)
    gerant.post("/api/v1/sauvegardes/", status=403)
    gerant.post(
        "/api/v1/societes/",
        {"nom": "Client D", "pays": "CI", "exercice": 2026, "admin_email": "d@d.ci"},
        status=403,
    )
    gerant.testapp.get(
        "/api/v1/journaux/", headers=gerant.headers({"X-Societe": str(books.company_id)}), status=404
    )


def test_the_operator_s_page_lists_and_creates_companies(testapp, engine, books, inbox):
    with Session(engine) as s, s.begin():
        users.create_user(s, "exploitant@cabinet.ci", PASSWORD, superuser=True)
    testapp.post_json(
        "/api/v1/auth/login/", {"email": "exploitant@cabinet.ci", "password": PASSWORD}, status=200
    )
    csrf = testapp.cookies["wisebook_csrf"]
    sent = testapp.get("/", headers={"Accept": "text/html"}, status=303)  # a member of no company
    assert sent.location.endswith("/admin/societes/")
    page = testapp.get("/admin/societes/")
    assert "Société Test SARL" in page.text and 'href="/admin/societes/"' in page.text.split("</nav>")[0]
    refused = testapp.post(
        "/admin/societes/",
        {"csrf": csrf, "societe": "Client E", "pays": "CI", "exercice": "2026", "email": "pas-une-adresse"},
        status=422,
    )
    assert 'id="email-erreur"' in refused.text and 'value="Client E"' in refused.text
    with Session(engine) as s:
        assert s.scalars(select(models.Company).where(models.Company.name == "Client E")).first() is None
    done = testapp.post(
        "/admin/societes/",
        {"csrf": csrf, "societe": "Client E", "pays": "BF", "exercice": "2026", "email": "e@client-e.bf"},
        status=303,
    ).follow()
    assert "Société « Client E » créée" in done.text
    assert inbox.messages[-1][0] == ["e@client-e.bf"]


def test_wisebook_ctl_societe_creates_a_company_and_its_administrator_s_invitation(
    books, engine, backend_settings
):
    args = (
        "societe",
        "--nom",
        "Client F SA",
        "--pays",
        "ML",
        "--exercice",
        "2026",
        "--admin-email",
        "f@client-f.ml",
    )
    done = run_ctl(backend_settings, *args)
    assert done.returncode == 0, done.stderr
    assert "société « Client F SA » créée" in done.stdout and "/invitation/?jeton=" in done.stdout
    with Session(engine) as s:
        company = s.scalars(select(models.Company).where(models.Company.name == "Client F SA")).one()
        assert company.currency == "XOF"
        invited = s.scalars(select(models.Invitation).where(models.Invitation.company_id == company.id)).one()
        assert (invited.email, invited.role) == ("f@client-f.ml", "admin")
    again = run_ctl(backend_settings, *args)
    assert again.returncode == 1 and "existe déjà" in again.stderr
