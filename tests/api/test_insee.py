"""A French tiers filled from INSEE's Sirene, through a local server of our own that answers
as API Sirene 3.11 documents it (its JSON, its 404, its 429 with Retry-After, a key in
X-INSEE-Api-Key-Integration); never a mock object, never INSEE itself."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from wisebook.observability import metrics
from wisebook.services.tiers import sirene

KEY = "cle-de-test-insee"
UNIT = {  # GET /siren/732829320, as Sirene 3.11 answers (the fields a tiers takes, and others)
    "header": {"statut": 200, "message": "OK"},
    "uniteLegale": {
        "siren": "732829320",
        "statutDiffusionUniteLegale": "O",
        "dateCreationUniteLegale": "1973-01-01",
        "prenom1UniteLegale": None,
        "periodesUniteLegale": [
            {
                "dateFin": None,
                "dateDebut": "2021-06-01",
                "etatAdministratifUniteLegale": "A",
                "nomUniteLegale": None,
                "denominationUniteLegale": "SOCIETE DE NEGOCE AFRIQUE FRANCE",
                "categorieJuridiqueUniteLegale": "5710",
                "activitePrincipaleUniteLegale": "46.90Z",
                "nicSiegeUniteLegale": "00074",
            },
            {
                "dateFin": "2021-05-31",
                "denominationUniteLegale": "ANCIEN NOM",
                "etatAdministratifUniteLegale": "A",
            },
        ],
    },
}
OFFICE = {
    "header": {"statut": 200, "message": "OK"},
    "etablissement": {
        "siret": "73282932000074",
        "adresseEtablissement": {
            "numeroVoieEtablissement": "12",
            "typeVoieEtablissement": "RUE",
            "libelleVoieEtablissement": "DU HAVRE",
            "codePostalEtablissement": "75009",
            "libelleCommuneEtablissement": "PARIS 9",
        },
    },
}
CEASED = {
    "header": {"statut": 200, "message": "OK"},
    "uniteLegale": {
        "siren": "542065479",
        "prenom1UniteLegale": "AMINATA",
        "periodesUniteLegale": [
            {
                "dateFin": None,
                "etatAdministratifUniteLegale": "C",
                "nomUniteLegale": "DIALLO",
                "nicSiegeUniteLegale": None,
            }
        ],
    },
}


class Sirene(BaseHTTPRequestHandler):
    """API Sirene 3.11 as documented: a key, JSON answers, 404, 429 with Retry-After."""

    calls: ClassVar[list[str]] = []
    flaky: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        Sirene.calls.append(self.path)
        if self.headers.get("X-INSEE-Api-Key-Integration") != KEY:
            return self._answer(401, {"header": {"statut": 401, "message": "Jeton invalide"}})
        siren = self.path.rsplit("/", 1)[-1][:9]
        if self.path == "/api-sirene/3.11/siren/732829320":
            return self._answer(200, UNIT)
        if self.path == "/api-sirene/3.11/siret/73282932000074":
            return self._answer(200, OFFICE)
        if siren == "542065479":
            return self._answer(200, CEASED)
        if siren == "443061841":  # the quota: 30 calls a minute
            return self._answer(429, {"header": {"statut": 429, "message": "Too Many Requests"}}, retry="30")
        if siren == "652014051":  # INSEE slower than our patience
            time.sleep(1.0)
            return self._answer(200, UNIT)
        if siren == "383474814":  # a 503, then the answer: tried again
            Sirene.flaky[siren] = Sirene.flaky.get(siren, 0) + 1
            if Sirene.flaky[siren] == 1:
                return self._answer(503, {"header": {"statut": 503, "message": "Service Unavailable"}})
            return self._answer(200, {**UNIT, "uniteLegale": {**UNIT["uniteLegale"], "siren": siren}})
        return self._answer(
            404, {"header": {"statut": 404, "message": f"Aucun élément trouvé pour le siren {siren}"}}
        )

    def _answer(self, status: int, body: dict[str, Any], retry: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if retry:
            self.send_header("Retry-After", retry)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def insee(app, monkeypatch) -> Iterator[str]:
    """The local Sirene, and the installation's settings pointing at it with its key."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sirene)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api-sirene/3.11"
    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(settings, insee_url=url, insee_api_key=KEY)
    monkeypatch.setattr(sirene, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(sirene, "PAUSE_SECONDS", 0.01)
    Sirene.calls.clear()
    yield url
    app.registry.wisebook_settings = settings
    server.shutdown()
    server.server_close()


def failures() -> float:
    return metrics.EXTERNAL.labels("insee", "erreur")._value.get()


def test_a_french_company_is_found_with_its_head_office_and_counted(api, insee):
    before = metrics.EXTERNAL.labels("insee", "ok")._value.get()
    found = api.get("/api/v1/tiers/insee/732 829 320/").json
    assert found == {
        "siren": "732829320",
        "nom": "SOCIETE DE NEGOCE AFRIQUE FRANCE",  # the current period's, not the old name
        "forme_juridique": "5710",
        "naf": "46.90Z",
        "actif": True,
        "siret_siege": "73282932000074",
        "adresse": "12 RUE DU HAVRE, 75009 PARIS 9",
        "pays": "FR",
    }
    assert metrics.EXTERNAL.labels("insee", "ok")._value.get() == before + 2  # the unit, its office
    person = api.get("/api/v1/tiers/insee/542065479/").json
    assert (person["nom"], person["actif"], person["adresse"]) == ("AMINATA DIALLO", False, None)


def test_sirene_s_refusals_and_silences_are_clear_problems(api, insee):
    before = failures()
    unknown = api.get("/api/v1/tiers/insee/552100554/", status=404).json
    assert unknown["detail"] == "Aucune entreprise de ce numéro dans le répertoire Sirene."
    quota = api.get("/api/v1/tiers/insee/443061841/", status=429).json
    assert quota["detail"] == "L'INSEE limite les appels (30 par minute) : réessayez dans 30 s."
    silent = api.get("/api/v1/tiers/insee/652014051/", status=503).json
    assert "ne répond pas (après 3 essais" in silent["detail"]
    assert Sirene.calls.count("/api-sirene/3.11/siren/652014051") == 3  # a lookup is safe to repeat
    assert failures() == before + 5  # the 404, the 429, three timeouts
    flaky = api.get("/api/v1/tiers/insee/383474814/").json  # a 503, then the answer
    assert flaky["siren"] == "383474814"
    api.get("/api/v1/tiers/insee/123456789/", status=422)  # its key is wrong: INSEE is not asked
    assert not any("123456789" in call for call in Sirene.calls)


def test_without_a_key_or_with_a_refused_one_the_administrator_is_told_what_to_do(api, app, insee):
    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(settings, insee_api_key=None)
    missing = api.get("/api/v1/tiers/insee/732829320/", status=503).json
    assert "INSEE_API_KEY" in missing["detail"] and "n'est pas configurée" in missing["detail"]
    app.registry.wisebook_settings = dataclasses.replace(settings, insee_api_key="une-autre-cle")
    refused = api.get("/api/v1/tiers/insee/732829320/", status=503).json
    assert "refuse la clé" in refused["detail"]
    assert "une-autre-cle" not in json.dumps(refused)


def test_the_tiers_form_is_filled_from_its_siren_and_a_failure_is_said_next_to_the_number(
    testapp, books, insee
):
    from tests.api.test_entry_pages import browser

    csrf = browser(testapp)
    typed = {"csrf": csrf, "code": "FR01", "nom": "", "type": "client", "numero_fiscal": "732 829 320 00074"}
    filled = testapp.post("/tiers/", {**typed, "action": "siren"}, status=200)
    assert 'value="SOCIETE DE NEGOCE AFRIQUE FRANCE"' in filled.text and 'value="FR"' in filled.text
    assert 'value="12 RUE DU HAVRE, 75009 PARIS 9"' in filled.text and 'value="732829320"' in filled.text
    assert "forme juridique 5710, code NAF 46.90Z, en activité" in filled.text
    unknown = testapp.post("/tiers/", {**typed, "numero_fiscal": "552100554", "action": "siren"}, status=404)
    assert (
        'id="numero_fiscal-erreur">Aucune entreprise de ce numéro dans le répertoire Sirene.' in unknown.text
    )
    silent = testapp.post("/tiers/", {**typed, "numero_fiscal": "652014051", "action": "siren"}, status=422)
    assert "ne répond pas" in silent.text  # INSEE silent: said, the page still answers
    assert testapp.get("/api/v1/tiers/FR01/", status=404)  # filling registers nothing
