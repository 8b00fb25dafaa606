"""A bank's account-information API (Berlin Group NextGenPSD2) through a sandbox of our own that
answers as the specification says — OAuth client credentials, a consent and its authorisation
link, the accounts, booked transactions page after page, an expired consent, a 429 — never a
mock object, never a bank."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from sqlalchemy.orm import Session

from tests.api.test_banking import BANKS, IBAN, bank
from wisebook.ledger.errors import Conflict
from wisebook.observability import metrics
from wisebook.services.banking import psd2

CLIENT, SECRET = "wisebook-ci", "secret-de-test-psd2"


def booked(n: int, day: str, amount: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "transactionId": f"TX{n}",
        "bookingDate": day,
        "valueDate": day,
        "transactionAmount": {"currency": "XOF", "amount": amount},
        "remittanceInformationUnstructured": text,
        **extra,
    }


PAGES = [
    [
        booked(1, "2026-03-05", "-150000", "LOYER MARS 2026", creditorName="SCI PLATEAU"),
        booked(
            2,
            "2026-03-10",
            "236000",
            "FACTURE FA-2026-007",
            debtorName="KOUASSI ET FILS",
            debtorAccount={"iban": "CI12CI0010101010101010101010"},
        ),
    ],
    [booked(3, "2026-03-31", "-2500", "FRAIS TENUE DE COMPTE")],
]


class Sandbox(BaseHTTPRequestHandler):
    """NextGenPSD2 as specified: a bearer token from the client-credentials grant, a consent
    (201, scaRedirect), the accounts and booked transactions under Consent-ID, pages linked
    by _links.next, tppMessages on errors."""

    calls: ClassVar[list[str]] = []
    busy: ClassVar[int] = 0  # how many reads answer 429 first

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str) -> None:
        self._answer(status, {"tppMessages": [{"category": "ERROR", "code": code, "text": code.lower()}]})

    def do_POST(self) -> None:
        Sandbox.calls.append(f"POST {self.path}")
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/oauth/token":
            expected = "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
            form = urllib.parse.parse_qs(body.decode())
            if self.headers.get("Authorization") != expected or form.get("grant_type") != [
                "client_credentials"
            ]:
                return self._answer(401, {"error": "invalid_client"})
            return self._answer(
                200, {"access_token": "jeton-ais", "token_type": "Bearer", "expires_in": 3600}
            )
        if self.headers.get("Authorization") != "Bearer jeton-ais" or not self.headers.get("X-Request-ID"):
            return self._error(401, "TOKEN_INVALID")
        if self.path == "/v1/consents":
            asked = json.loads(body)
            assert asked["access"]["transactions"] == [{"iban": IBAN}] and asked["recurringIndicator"] is True
            return self._answer(
                201,
                {
                    "consentStatus": "received",
                    "consentId": "CONS-1",
                    "_links": {
                        "scaRedirect": {"href": "https://banque.exemple/sca/CONS-1"},
                        "status": {"href": "/v1/consents/CONS-1/status"},
                    },
                },
            )
        return self._error(404, "RESOURCE_UNKNOWN")

    def do_GET(self) -> None:
        Sandbox.calls.append(f"GET {self.path}")
        if self.headers.get("Authorization") != "Bearer jeton-ais":
            return self._error(401, "TOKEN_INVALID")
        consent = self.headers.get("Consent-ID")
        if consent == "CONS-OLD":
            return self._error(401, "CONSENT_EXPIRED")
        if consent != "CONS-1":
            return self._error(401, "CONSENT_UNKNOWN")
        if Sandbox.busy:
            Sandbox.busy -= 1
            return self._error(429, "ACCESS_EXCEEDED")
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/v1/accounts":
            return self._answer(200, {"accounts": [{"resourceId": "ACC-1", "iban": IBAN, "currency": "XOF"}]})
        if url.path == "/v1/accounts/ACC-1/transactions" and query.get("bookingStatus") == ["booked"]:
            page = int(query.get("page", ["1"])[0])
            block: dict[str, Any] = {"booked": PAGES[page - 1], "pending": []}
            if page < len(PAGES):
                block["_links"] = {
                    "next": {
                        "href": f"{url.path}?bookingStatus=booked&dateFrom={query['dateFrom'][0]}&page={page + 1}"
                    }
                }
            return self._answer(200, {"account": {"iban": IBAN}, "transactions": block})
        return self._error(404, "RESOURCE_UNKNOWN")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sandbox(app, monkeypatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sandbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings, queue = app.registry.wisebook_settings, app.registry.wisebook_queue
    queued = queue.settings  # the worker reads the installation's settings too
    app.registry.wisebook_settings = queue.settings = dataclasses.replace(
        settings, psd2_url=url, psd2_client_id=CLIENT, psd2_client_secret=SECRET
    )
    monkeypatch.setattr(psd2, "PAUSE_SECONDS", 0.01)
    Sandbox.calls.clear()
    Sandbox.busy = 0
    yield url
    app.registry.wisebook_settings, queue.settings = settings, queued
    server.shutdown()
    server.server_close()


def test_without_the_bank_api_configured_the_administrator_is_told_what_to_set(api):
    bank_id = bank(api)
    refused = api.post(f"{BANKS}{bank_id}/psd2/consentement/", status=503).json
    assert "PSD2_CLIENT_ID" in refused["detail"] and "WISEBOOK_PSD2_URL" in refused["detail"]
    api.post(f"{BANKS}{bank_id}/psd2/synchronisation/", status=422)  # no consent yet


def test_a_consent_then_every_page_of_booked_transactions_read_once_as_statement_lines(
    api, app, engine, books, sandbox
):
    bank_id = bank(api)
    consent = api.post(f"{BANKS}{bank_id}/psd2/consentement/", status=201).json
    assert consent == {
        "consentement": "CONS-1",
        "statut": "received",
        "lien_autorisation": "https://banque.exemple/sca/CONS-1",
    }
    before = metrics.EXTERNAL.labels("psd2", "erreur")._value.get()
    Sandbox.busy = 1  # the bank's quota, once: the read is tried again
    run = api.post(f"{BANKS}{bank_id}/psd2/synchronisation/", status=202).json
    app.registry.wisebook_queue.execute(run["id"])
    done = api.get(f"/api/v1/taches/{run['id']}/").json
    assert done["etat"] == "reussie", done
    assert (done["resultat"]["format"], done["resultat"]["lignes_importees"]) == ("psd2", 3)
    assert metrics.EXTERNAL.labels("psd2", "erreur")._value.get() == before + 1
    lines = api.get(f"{BANKS}{bank_id}/lignes/").json["resultats"]
    assert [(ln["date"], ln["montant"], ln["identifiant_banque"]) for ln in lines] == [
        ("2026-03-05", "-150000", "TX1"),
        ("2026-03-10", "236000", "TX2"),
        ("2026-03-31", "-2500", "TX3"),
    ]
    assert (lines[1]["contrepartie"], lines[1]["iban_contrepartie"]) == (
        "KOUASSI ET FILS",
        "CI12CI0010101010101010101010",
    )
    assert any("page=2" in call for call in Sandbox.calls)
    again = api.post(f"{BANKS}{bank_id}/psd2/synchronisation/", status=202).json
    app.registry.wisebook_queue.execute(again["id"])
    assert api.get(f"/api/v1/taches/{again['id']}/").json["resultat"]["lignes_importees"] == 0
    assert len(api.get(f"{BANKS}{bank_id}/lignes/").json["resultats"]) == 3


def test_an_expired_consent_and_refused_credentials_are_said(api, app, engine, books, sandbox):
    bank_id = bank(api)
    settings = app.registry.wisebook_settings
    client = psd2.Client(settings.psd2_url, CLIENT, SECRET)
    api.post(f"{BANKS}{bank_id}/psd2/consentement/", status=201)
    import datetime as dt

    from wisebook.db import models

    with Session(engine) as s, s.begin():
        s.get(models.BankAccount, bank_id).psd2_consent_id = "CONS-OLD"
    with Session(engine) as s, pytest.raises(Conflict) as expired:
        psd2.synchronise(s, books.company_id, bank_id, client, dt.date(2026, 4, 1))
    assert "a expiré ou a été révoqué" in expired.value.message
    wrong = psd2.Client(settings.psd2_url, CLIENT, "autre-secret")
    with pytest.raises(psd2.Psd2Unavailable) as refused:
        wrong.token()
    assert "PSD2_CLIENT_ID" in refused.value.message and "autre-secret" not in refused.value.message
