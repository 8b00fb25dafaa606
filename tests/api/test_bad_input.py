"""Every bad input named by the foundation issue: a clear 4xx problem, and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import sale
from wisebook.db import models


@pytest.fixture
def counts(engine):
    def read():
        with engine.connect() as conn:
            return tuple(
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (models.Entry, models.Line, models.AccountBalance, models.IdempotencyKey)
            )

    return read


def assert_problem(response, status, field=None, words=""):
    assert response.status_int == status
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["type"]
    text = body["detail"] + " ".join(e["message"] for e in body["erreurs"])
    assert words in text, text
    if field is not None:
        assert field in [e["champ"] for e in body["erreurs"]], body["erreurs"]
    return body


def with_lines(*lines, **extra):
    body = sale(**extra)
    body["lignes"] = list(lines)
    return body


BAD_ENTRIES = {
    "missing field": ({k: v for k, v in sale().items() if k != "libelle"}, "libelle", "obligatoire"),
    "wrong type": (sale(lignes="beaucoup"), "lignes", "Type invalide"),
    "unknown field": (sale(montant_total="1"), "montant_total", "inconnu"),
    "unknown journal": (sale(journal="XYZ"), "journal", "Journal inconnu"),
    "unknown account": (
        with_lines({"compte": "4999", "debit": "10"}, {"compte": "7011", "credit": "10"}),
        "lignes[0].compte",
        "Compte inconnu",
    ),
    "class-only account": (
        with_lines({"compte": "41", "debit": "10"}, {"compte": "7011", "credit": "10"}),
        "lignes[0].compte",
        "regroupement",
    ),
    "heading account": (
        with_lines({"compte": "411", "debit": "10"}, {"compte": "7011", "credit": "10"}),
        "lignes[0].compte",
        "regroupement",
    ),
    "unbalanced": (
        with_lines({"compte": "4111", "debit": "100"}, {"compte": "7011", "credit": "90"}),
        "lignes",
        "déséquilibrée",
    ),
    "one line": (with_lines({"compte": "4111", "debit": "100"}), "lignes", "au moins deux lignes"),
    "debit and credit": (
        with_lines({"compte": "4111", "debit": "100", "credit": "100"}, {"compte": "7011", "credit": "0"}),
        "lignes[0]",
        "pas les deux",
    ),
    "negative amount": (
        with_lines({"compte": "4111", "debit": "-100"}, {"compte": "7011", "credit": "-100"}),
        "lignes[0].debit",
        "Montant invalide",
    ),
    "negative number": (
        with_lines({"compte": "4111", "debit": -100}, {"compte": "7011", "credit": -100}),
        "lignes[0].debit",
        "Montant invalide",
    ),
    "zero amount": (
        with_lines({"compte": "4111", "debit": "0"}, {"compte": "7011", "credit": "0"}),
        "lignes[0]",
        "non nul",
    ),
    "too many decimals": (
        with_lines({"compte": "4111", "debit": "100.5"}, {"compte": "7011", "credit": "100.5"}),
        "lignes[0].debit",
        "Trop de décimales",
    ),
    "too many decimals as a number": (
        with_lines({"compte": "4111", "debit": 100.5}, {"compte": "7011", "credit": 100.5}),
        "lignes[0].debit",
        "Trop de décimales",
    ),
    "date outside any fiscal year": (sale(day="2030-01-15"), "date_comptable", "Aucun exercice"),
    "impossible date": (sale(day="2026-02-30"), "date_comptable", "Date invalide"),
    "injection in the account": (
        with_lines({"compte": "4111' OR '1'='1", "debit": "1"}, {"compte": "7011", "credit": "1"}),
        "lignes[0].compte",
        "Format invalide",
    ),
    "injection in the journal": (sale(journal="VTE';--"), "journal", ""),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_bad_entry_is_refused_and_nothing_written(api, counts, case):
    body, field, words = BAD_ENTRIES[case]
    before = counts()
    response = api.post("/api/v1/ecritures/", body, status="*")
    assert 400 <= response.status_int < 500
    assert_problem(response, 422, field, words)
    assert counts() == before


def test_malformed_json_is_a_400(api, counts):
    before = counts()
    response = api.post_raw("/api/v1/ecritures/", b'{"journal": "VTE",')
    assert_problem(response, 400, words="JSON mal formé")
    assert counts() == before


def test_non_json_content_type_is_a_415(api):
    assert_problem(
        api.post_raw("/api/v1/ecritures/", b"journal=VTE", "application/x-www-form-urlencoded"), 415
    )


def test_nan_is_not_an_amount(api):
    response = api.post_raw(
        "/api/v1/ecritures/",
        b'{"journal":"VTE","date_comptable":"2026-01-15","libelle":"x",'
        b'"lignes":[{"compte":"4111","debit":NaN},{"compte":"7011","credit":1}]}',
    )
    assert_problem(response, 400)


def test_oversized_body_is_a_413(api, counts):
    before = counts()
    body = sale()
    body["libelle"] = "x" * (70 * 1024)
    response = api.post("/api/v1/ecritures/", body)
    assert_problem(response, 413)
    assert counts() == before


def test_date_in_a_locked_period_is_refused(api, engine, books, counts):
    with engine.begin() as conn:
        conn.execute(models.Period.__table__.update().where(models.Period.number == 1).values(locked=True))
    before = counts()
    assert_problem(
        api.post("/api/v1/ecritures/", sale(day="2026-01-15")), 422, "date_comptable", "verrouillée"
    )
    assert counts() == before


def test_date_in_a_closed_fiscal_year_is_refused(api, engine, counts):
    with engine.begin() as conn:
        conn.execute(models.FiscalYear.__table__.update().values(status="cloture"))
    before = counts()
    assert_problem(api.post("/api/v1/ecritures/", sale()), 422, "date_comptable", "clôturé")
    assert counts() == before


def test_posting_an_already_posted_entry_is_a_409(api, counts):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    before = counts()
    assert_problem(api.post(f"/api/v1/ecritures/{entry['id']}/validation/"), 409, words="déjà validée")
    assert counts() == before


def test_deleting_a_posted_entry_is_a_409(api, counts):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    before = counts()
    assert_problem(api.delete(f"/api/v1/ecritures/{entry['id']}/"), 409, words="extourne")
    assert counts() == before
    assert api.get(f"/api/v1/ecritures/{entry['id']}/").json["numero"] == "VTE-2026-000001"


def test_changing_a_posted_entry_is_not_possible(api):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    for method in ("put", "patch"):
        response = getattr(api.testapp, method + "_json")(
            f"/api/v1/ecritures/{entry['id']}/", {"libelle": "changé"}, headers=api.headers(), status="*"
        )
        assert response.status_int in (404, 405, 409)
        assert response.content_type == "application/problem+json"
    assert api.get(f"/api/v1/ecritures/{entry['id']}/").json["libelle"] == "Facture client"


def test_reversing_twice_is_a_409(api):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    api.post(f"/api/v1/ecritures/{entry['id']}/extourne/", status=201)
    assert_problem(api.post(f"/api/v1/ecritures/{entry['id']}/extourne/"), 409, words="déjà extournée")


def test_reversing_a_draft_is_a_409(api):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json
    assert_problem(api.post(f"/api/v1/ecritures/{draft['id']}/extourne/"), 409)


def test_unknown_entry_is_a_404(api):
    assert_problem(api.get("/api/v1/ecritures/999999/", status=404), 404)


def test_unknown_path_is_a_problem_404(api):
    assert_problem(api.get("/api/v1/nulle-part/", status=404), 404)


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "TRACE", "OPTIONS"])
def test_a_method_the_route_does_not_take_is_a_405_naming_those_it_takes(api, testapp, method):
    response = testapp.request(
        "/api/v1/journaux/", method=method, headers=api.headers(), status="*", expect_errors=True
    )
    assert_problem(response, 405, words=method)
    assert response.headers["Allow"] == "GET, HEAD, POST"
    login = testapp.request("/api/v1/auth/logout/", method=method, status="*", expect_errors=True)
    assert login.status_int == 405 and login.headers["Allow"] == "POST"


def test_a_page_answers_a_method_it_does_not_take_with_a_405_page(testapp, books):
    response = testapp.request(
        "/connexion/", method="PUT", headers={"Accept": "text/html"}, status="*", expect_errors=True
    )
    assert response.status_int == 405 and "GET" in response.headers["Allow"]
    assert response.content_type == "text/html"


def test_bad_query_parameters_are_422(api):
    assert_problem(api.get("/api/v1/ecritures/", status=422, du="hier"), 422, "du")
    assert_problem(api.get("/api/v1/ecritures/", status=422, limite="0"), 422, "limite")
    assert_problem(api.get("/api/v1/ecritures/", status=422, apres="!!!"), 422, "apres")
    assert_problem(api.get("/api/v1/rapports/balance/", status=404, exercice="1999"), 404, "exercice")
    assert_problem(api.get("/api/v1/rapports/balance/", status=422, du="2025-12-01"), 422, "du")


def test_without_a_token_the_api_answers_401(testapp, books):
    response = testapp.get("/api/v1/ecritures/", status=401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == "application/problem+json"
    testapp.get("/api/v1/ecritures/", headers={"Authorization": "Bearer abc.def.ghi"}, status=401)


def test_wrong_password_is_a_401_without_saying_which_part_was_wrong(testapp, books):
    wrong_password = testapp.post_json(
        "/api/v1/auth/login/", {"email": books.admin_email, "password": "nope"}, status=401
    )
    unknown_user = testapp.post_json(
        "/api/v1/auth/login/", {"email": "x@y.ci", "password": "nope"}, status=401
    )
    assert wrong_password.json["detail"] == unknown_user.json["detail"]


def test_an_entry_id_past_64_bits_is_not_found_not_an_overflow(api):
    for path in ("", "validation/", "extourne/"):
        url = f"/api/v1/ecritures/4040396723867924847034/{path}"
        response = api.post(url, status=404) if path else api.get(url, status=404)
        assert response.content_type == "application/problem+json"
    api.delete("/api/v1/ecritures/999999999999999999/", status=404)


def test_text_no_database_can_store_is_refused_not_a_500(api):
    """NUL and lone UTF-16 surrogates: PostgreSQL refuses them in text, so the API does first."""
    body = {"code": "J9", "libelle": "avec\u0000nul", "type": "divers"}
    response = api.post("/api/v1/journaux/", body, status=422)
    assert response.json["erreurs"][0]["champ"] == "libelle"
    raw = b'{"code": "J8", "libelle": "\\ud968 seul", "type": "divers"}'
    assert api.post_raw("/api/v1/journaux/", raw, status=422).json["erreurs"][0]["champ"] == "libelle"
    assert api.testapp.get("/api/v1/comptes/?q=a%00b", headers=api.headers(), status=400).content_type == (
        "application/problem+json"
    )
    in_path = api.testapp.get("/api/v1/ecritures/1%00/", headers=api.headers(), status=400)
    assert in_path.json["detail"] == "Caractère nul refusé dans l'adresse."
    broken_utf8 = api.testapp.get("/api/v1/comptes/?q=%F4%86%9A", headers=api.headers(), status="*")
    assert broken_utf8.status_int in (200, 400), broken_utf8.status
    listed = api.get("/api/v1/journaux/").json["resultats"]
    assert not [j for j in listed if j["code"] in ("J9", "J8")]


def test_an_array_past_its_bound_is_refused_without_reading_its_items(api):
    """A hostile body of many items costs a bound check, not one error per item."""
    body = {**sale(post=False), "lignes": [1] * 20_000}
    refused = api.post("/api/v1/ecritures/", body, status=422).json
    assert refused["erreurs"] == [{"champ": "lignes", "message": refused["erreurs"][0]["message"]}]
    assert "1000" in refused["erreurs"][0]["message"]
    many = {**sale(post=False), "lignes": [1] * 900}  # within the bound: each item is wrong
    answered = api.post("/api/v1/ecritures/", many, status=422).json
    assert 1 <= len(answered["erreurs"]) <= 50  # reported up to a cap


def test_malformed_requests_that_once_raised_500_get_a_clear_4xx(api, testapp):
    entry = api.post("/api/v1/ecritures/", sale(post=False), status=201).json["id"]
    for url in (f"/api/v1/ecritures/{entry}/pieces/", "/api/v1/imports/ecritures/"):
        answer = api.post_raw(url, b"--x\r\n\r\n", content_type="multipart/form-data")  # no boundary
        assert 400 <= answer.status_int < 500 and answer.content_type == "application/problem+json", url
    for path in ("/langue/fr/?suite=/%0a/x", "/connexion/?suite=/%E3%80%82/x", "/langue/en/?suite=/%09/y"):
        answer = testapp.get(path, status="*")
        assert answer.status_int < 500, path
        assert "\n" not in answer.headers.get("Location", "") and "。" not in answer.headers.get(
            "Location", ""
        )
    answer = api.testapp.get("/api/v1/journaux/", headers=api.headers({"X-Societe": "1" * 23}), status=404)
    assert answer.json["erreurs"][0]["champ"] == "X-Societe"


@pytest.mark.sqlite
def test_a_write_that_cannot_get_sqlite_s_lock_is_a_503_with_retry_after(books, backend_settings):
    """The embedded profile: while another writer holds the lock, a write gives up with a
    clear 503 problem and Retry-After, never waitress's bare 500; nothing is written."""
    import dataclasses
    import sqlite3

    import webtest

    from tests.conftest import login, settings_overrides
    from wisebook import make_config
    from wisebook.db import make_engine

    impatient = dataclasses.replace(backend_settings, sqlite_busy_ms=300)
    engine = make_engine(impatient)
    app = make_config(settings_overrides(backend_settings, wisebook_sqlite_busy_ms=300), engine=engine)
    client = webtest.TestApp(app.make_wsgi_app())
    headers = {"Authorization": f"Bearer {login(client)}"}
    holder = sqlite3.connect(backend_settings.database_url.removeprefix("sqlite:///"), timeout=1)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        refused = client.post_json("/api/v1/ecritures/", sale(), headers=headers, status=503)
        assert refused.content_type == "application/problem+json"
        assert refused.headers["Retry-After"] == "5" and "occupée" in refused.json["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/api/v1/ecritures/", headers=headers).json["resultats"] == []
    client.post_json("/api/v1/ecritures/", sale(), headers=headers, status=201)  # the lock is free
    engine.dispose()


QUERY_BREACHES = {
    "empty date": ("/api/v1/ecritures/?du=", "du"),
    "limit past the page's bound": ("/api/v1/journal-audit/?limite=501", "limite"),
    "class outside 1–9": ("/api/v1/comptes/?classe=0", "classe"),
    "a chart page past 500 accounts": ("/api/v1/comptes/?limite=501", "limite"),
    "a chart cursor that is no account number": ("/api/v1/comptes/?apres=4111%27--", "apres"),
    "state not among the states": ("/api/v1/taches/?etat=en_cours,perdue", "etat"),
    "a format no report is written in": ("/api/v1/rapports/centralisateur/?format=ods", "format"),
    "integer in other digits": ("/api/v1/journal-audit/?utilisateur=%C2%B3", "utilisateur"),
}


@pytest.mark.parametrize("case", QUERY_BREACHES.values(), ids=list(QUERY_BREACHES))
def test_a_query_outside_the_contract_is_a_422_naming_the_parameter(api, case):
    url, field = case
    assert_problem(api.get(url, status=422), 422, field)


def test_what_the_contract_allows_in_a_query_is_taken(api):
    assert api.get("/api/v1/journal-audit/?limite=500&utilisateur=527806849032331").json["resultats"] == []
    assert api.get("/api/v1/taches/?etat=en_cours,echec").json["resultats"] == []
    assert api.get("/api/v1/comptes/?classe=9").json


def test_digits_that_are_not_ascii_are_no_id_and_no_500(api, testapp, books):
    """'³' passes str.isdigit() and int() refuses it: every input path reads ids the same way."""
    assert_problem(api.get("/api/v1/dashboard/?exercice=%C2%B3", status=404), 404, "exercice")
    assert_problem(api.get("/api/v1/rapports/balance/?exercice=%D9%A3", status=404), 404, "exercice")
    token = api.token
    other = testapp.get(
        "/api/v1/journaux/", headers={"Authorization": f"Bearer {token}", "X-Societe": "\u00b3"}, status="*"
    )
    assert other.status_int in (400, 404) and other.content_type == "application/problem+json"


def test_bodies_keep_the_rules_the_contract_now_states(api):
    both = api.post(
        "/api/v1/exercices/2026/verrouillage/", {"periode": 1, "jusqu_au": "2026-01-31"}, status=422
    )
    assert "periode" in both.json["erreurs"][0]["message"]
    assert_problem(api.post("/api/v1/lettrages/", {"lignes": [7, 7]}, status=422), 422, "lignes")
    assert_problem(
        api.post("/api/v1/comptes/", {"numero": "0123", "libelle": "x"}, status=422), 422, "numero"
    )


def test_an_entry_s_faults_come_back_together_in_one_problem(api, books):
    body = sale(journal="ZZ", day="2031-01-15")
    body["lignes"][0]["compte"] = "9999"
    problem = api.post("/api/v1/ecritures/", body, status=422).json
    fields = {e["champ"]: e["message"] for e in problem["erreurs"]}
    assert fields == {
        "journal": "Journal inconnu : ZZ.",
        "lignes[0].compte": "Compte inconnu : 9999.",
        "date_comptable": "Aucun exercice ne couvre le 15/01/2031.",
    }
    assert problem["detail"] == "L'écriture ne respecte pas les règles de saisie."
