"""The setup wizard: only with the install's one-time code, every field checked with its
message next to it and nothing written, the books opened and the admin signed in, never twice."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services import setup


def companies(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Company)))


def answers(code: str, **changes: str) -> dict[str, str]:
    return {
        "code": code,
        "societe": "Négoce Dakar SARL",
        "pays": "SN",
        "devise": "",
        "rccm": "SN-DKR-2026-B-12345",
        "identifiant_fiscal": "0123456 2G3",
        "exercice": "2026",
        "email": "gerant@negoce.sn",
        "mot_de_passe": "un mot de passe solide",
        "confirmation": "un mot de passe solide",
        **changes,
    }


def test_the_wizard_opens_the_books_only_with_the_install_code_and_only_once(
    testapp, engine, backend_settings
):
    form = testapp.get("/assistant/", status=200)
    assert 'name="code"' in form.text
    code = setup.setup_code(backend_settings.data_dir)
    assert (backend_settings.data_dir / setup.CODE_FILE).stat().st_mode & 0o777 == 0o600

    wrong = testapp.post("/assistant/", answers("AAAA-BBBB-CCCC-DDDD"), status=422)
    assert 'id="code-erreur">Code d&#39;installation incorrect' in wrong.text
    assert 'value="Négoce Dakar SARL"' in wrong.text  # kept
    mismatch = testapp.post("/assistant/", answers(code, confirmation="autre chose"), status=422)
    assert 'id="confirmation-erreur">Les deux mots de passe diffèrent.' in mismatch.text
    short = testapp.post("/assistant/", answers(code, mot_de_passe="court", confirmation="court"), status=422)
    assert 'id="mot_de_passe-erreur">Le mot de passe compte au moins' in short.text
    bad = testapp.post("/assistant/", answers(code, pays="FR", exercice="26", societe=""), status=422)
    for field in ("pays", "exercice", "societe"):
        assert f'id="{field}-erreur"' in bad.text
    assert companies(engine) == 0

    done = testapp.post("/assistant/", answers(code.lower().replace("-", " ")), status=303)
    assert done.location == "http://localhost/"
    dashboard = testapp.get("/", status=200)  # signed in as the new administrator
    assert "Négoce Dakar SARL" in dashboard.text
    with Session(engine) as s:
        company = s.scalars(select(models.Company)).one()
        assert (company.country, company.currency) == ("SN", "XOF")  # the country's currency
        ids = s.get(models.CompanyIdentifiers, company.id)
        assert (ids.rccm, ids.tax_number) == ("SN-DKR-2026-B-12345", "0123456 2G3")
        assert s.scalar(select(func.count()).select_from(models.Account)) > 1000
    assert not (backend_settings.data_dir / setup.CODE_FILE).exists()  # it served

    testapp.reset()
    again = testapp.post("/assistant/", answers(code, societe="Autre SARL"), status=409)
    assert "déjà servi" in again.text
    assert companies(engine) == 1


def test_guessing_the_code_is_cut_short(testapp, engine, backend_settings):
    setup.setup_code(backend_settings.data_dir)
    for _ in range(5):
        testapp.post("/assistant/", answers("XXXX"), status=422)
    blocked = testapp.post("/assistant/", answers(setup.setup_code(backend_settings.data_dir)), status=429)
    assert "Trop de codes erronés" in blocked.text
    assert companies(engine) == 0
