"""A bank's account-information API, as the Berlin Group's NextGenPSD2 specifies it: the
installation's OAuth client credentials (``PSD2_CLIENT_ID``/``PSD2_CLIENT_SECRET``) give a
token; a consent names the account (its IBAN) and is authorised by the company at its bank
(the ``scaRedirect`` link); with it, ``GET /v1/accounts`` finds the account's ``resourceId`` and
``GET /v1/accounts/{id}/transactions?bookingStatus=booked&dateFrom=`` gives the booked
transactions, page after page (``_links.next``). Each becomes a statement line under its
``transactionId``, so a period read twice adds nothing twice.

Each call has a timeout; a read is tried again on a timeout, a 429 or a 5xx; every call is
counted in ``/metrics`` under the service ``psd2``; an expired or revoked consent, a refused
client or a silent bank is a problem the user can read.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from wisebook.ledger.banking import LABEL_LENGTH, REFERENCE_LENGTH, Statement, StatementLine
from wisebook.ledger.errors import Conflict, InvalidInput, LedgerError
from wisebook.ledger.money import exponent, minor_from_number
from wisebook.observability import metrics

TIMEOUT_SECONDS = 10
ATTEMPTS = 3
PAUSE_SECONDS = 1.0
PAGES = 200  # at most, per synchronisation


class Psd2Unavailable(LedgerError):
    """The bank's API could not be asked, or did not answer (503): nothing was read."""

    status = 503
    title = "Banque indisponible"
    code = "banque-indisponible"


class ConsentExpired(Conflict):
    """The consent is no longer valid (expired, revoked, or not yet authorised)."""


class Client:
    """One bank's NextGenPSD2 API for one installation."""

    def __init__(self, url: str | None, client_id: str | None, secret: str | None) -> None:
        if not url or not client_id or not secret:
            raise Psd2Unavailable(
                "L'accès bancaire PSD2 n'est pas configuré sur cette installation : l'administrateur renseigne "
                "WISEBOOK_PSD2_URL, PSD2_CLIENT_ID et PSD2_CLIENT_SECRET."
            )
        if not url.startswith(("https://", "http://")):
            raise Psd2Unavailable(
                "L'adresse de l'API bancaire (WISEBOOK_PSD2_URL) doit commencer par https://."
            )
        self.url, self.client_id, self.secret = url.rstrip("/"), client_id, secret
        self._token: str | None = None

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One call; a read (GET) tried again on a timeout, a 429 or a 5xx."""
        target = path if path.startswith("http") else self.url + path
        data = None
        sent = {"Accept": "application/json", "X-Request-ID": str(uuid.uuid4()), **(headers or {})}
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, sent["Content-Type"] = (
                urllib.parse.urlencode(form).encode(),
                "application/x-www-form-urlencoded",
            )
        attempts = ATTEMPTS if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(target, data=data, headers=sent, method=method)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - operator's URL
                    found = json.loads(answer.read() or b"{}")
                metrics.external("psd2", True)
                return dict(found)
            except urllib.error.HTTPError as exc:
                metrics.external("psd2", False)
                codes = _codes(exc)
                if exc.code == 401 and codes & {"CONSENT_EXPIRED", "CONSENT_INVALID", "CONSENT_UNKNOWN"}:
                    raise ConsentExpired(
                        "Le consentement de la banque a expiré ou a été révoqué : renouvelez-le, puis faites-le "
                        "autoriser par la société à sa banque.",
                        field="consentement",
                    ) from exc
                if exc.code in (401, 403):
                    raise Psd2Unavailable(
                        "La banque refuse les identifiants de l'installation (PSD2_CLIENT_ID) : l'administrateur les vérifie."
                    ) from exc
                if exc.code == 429 or exc.code >= 500:
                    if attempt < attempts:
                        time.sleep(PAUSE_SECONDS)
                        continue
                    raise Psd2Unavailable(
                        "La banque limite les appels (429) : réessayez plus tard."
                        if exc.code == 429
                        else f"La banque répond par une erreur ({exc.code}) : réessayez plus tard."
                    ) from exc
                raise InvalidInput(
                    f"La banque refuse la demande ({exc.code} {', '.join(sorted(codes)) or ''}).".replace(
                        " )", ")"
                    ),
                    field="banque",
                ) from exc
            except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
                metrics.external("psd2", False)
                if attempt == attempts:
                    raise Psd2Unavailable(
                        f"La banque ne répond pas (après {attempts} essai(s) de {TIMEOUT_SECONDS} s) : réessayez plus tard."
                    ) from exc
            time.sleep(PAUSE_SECONDS)
        raise AssertionError("unreachable")  # pragma: no cover

    def token(self) -> str:
        """An access token by the client-credentials grant (kept for this client's calls)."""
        if self._token is None:
            basic = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
            found = self._call(
                "POST",
                "/oauth/token",
                headers={"Authorization": f"Basic {basic}"},
                form={"grant_type": "client_credentials", "scope": "AIS"},
            )
            if not found.get("access_token"):
                raise Psd2Unavailable("La banque n'a pas donné de jeton d'accès.")
            self._token = str(found["access_token"])
        return self._token

    def _auth(self, consent: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        if consent:
            headers["Consent-ID"] = consent
        return headers

    def create_consent(self, iban: str, until: dt.date) -> dict[str, Any]:
        """A consent to read the account's balances and transactions until ``until``, four
        times a day: its id, status and the link where the company authorises it."""
        body = {
            "access": {
                "accounts": [{"iban": iban}],
                "balances": [{"iban": iban}],
                "transactions": [{"iban": iban}],
            },
            "recurringIndicator": True,
            "validUntil": until.isoformat(),
            "frequencyPerDay": 4,
            "combinedServiceIndicator": False,
        }
        return self._call("POST", "/v1/consents", body=body, headers=self._auth())

    def account_id(self, consent: str, iban: str) -> str:
        """The bank's resource id of the account with this IBAN."""
        found = self._call("GET", "/v1/accounts", headers=self._auth(consent))
        for account in found.get("accounts") or []:
            if "".join(str(account.get("iban", "")).split()).upper() == iban:
                return str(account["resourceId"])
        raise InvalidInput(f"Le consentement ne donne pas accès au compte {iban}.", field="banque")

    def transactions(self, consent: str, account: str, since: dt.date) -> list[dict[str, Any]]:
        """The account's booked transactions since ``since``, every page."""
        path = f"/v1/accounts/{urllib.parse.quote(account)}/transactions?bookingStatus=booked&dateFrom={since.isoformat()}"
        found: list[dict[str, Any]] = []
        for _ in range(PAGES):
            page = self._call("GET", path, headers=self._auth(consent))
            block = page.get("transactions") or {}
            found.extend(block.get("booked") or [])
            following = ((block.get("_links") or {}).get("next") or {}).get("href")
            if not following:
                return found
            path = following
        raise Psd2Unavailable(f"La banque donne plus de {PAGES} pages : réduisez la période.")


def statement_of(transactions: list[dict[str, Any]], currency: str) -> Statement:
    """The booked transactions as a statement (no balances: the API's balances are the
    account's now, not a period's)."""
    statement = Statement("psd2", currency=currency)
    for n, item in enumerate(transactions, start=1):
        money = item.get("transactionAmount") or {}
        if str(money.get("currency", currency)).upper() != currency:
            raise InvalidInput(
                f"Transaction {n} en {money.get('currency')} : le compte est tenu en {currency}.",
                field="banque",
            )
        try:
            value = Decimal(str(money.get("amount")))
            units = minor_from_number(abs(value), exponent(currency))
            day = dt.date.fromisoformat(str(item.get("bookingDate")))
        except (InvalidOperation, ValueError) as exc:
            raise InvalidInput(f"Transaction {n} illisible : {exc}.", field="banque") from exc
        incoming = value > 0
        name = item.get("debtorName") if incoming else item.get("creditorName")
        party = (item.get("debtorAccount") if incoming else item.get("creditorAccount")) or {}
        label = (
            item.get("remittanceInformationUnstructured") or item.get("additionalInformation") or name or ""
        )
        statement.lines.append(
            StatementLine(
                line=n,
                date=day,
                amount=units if incoming else -units,
                label=" ".join(str(label).split())[:LABEL_LENGTH],
                value_date=dt.date.fromisoformat(item["valueDate"]) if item.get("valueDate") else None,
                reference=(str(item["endToEndId"])[:REFERENCE_LENGTH] if item.get("endToEndId") else None),
                counterparty=(str(name)[:200] if name else None),
                counterparty_iban=(str(party.get("iban"))[:34] if party.get("iban") else None),
                bank_id=str(item.get("transactionId") or item.get("entryReference") or "")[:100] or None,
            )
        )
    return statement


def _codes(exc: urllib.error.HTTPError) -> set[str]:
    try:
        body = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return set()
    return {str(m.get("code")) for m in body.get("tppMessages") or [] if isinstance(m, dict)}


#: How long a consent is asked for (NextGenPSD2 banks grant up to 180 days).
CONSENT_DAYS = 90
#: Days read again at each synchronisation (late bookings); the ids keep them once.
OVERLAP_DAYS = 3


def connect(
    session: Any, company_id: int, bank_account_id: int, client: Client, today: dt.date
) -> dict[str, Any]:
    """Ask the bank for a consent on the account (its IBAN); the link where the company
    authorises it."""
    from wisebook.services.banking.accounts import get_bank_account

    bank = get_bank_account(session, company_id, bank_account_id)
    if not bank.iban:
        raise InvalidInput(
            "Le compte bancaire n'a pas d'IBAN : la banque ne saurait de quel compte il s'agit.", field="iban"
        )
    found = client.create_consent(bank.iban, today + dt.timedelta(days=CONSENT_DAYS))
    consent = str(found.get("consentId") or "")
    if not consent:
        raise Psd2Unavailable("La banque n'a pas donné d'identifiant de consentement.")
    bank.psd2_consent_id, bank.psd2_resource_id = consent[:100], None
    session.flush()
    link = ((found.get("_links") or {}).get("scaRedirect") or {}).get("href")
    return {"consentement": consent, "statut": found.get("consentStatus"), "lien_autorisation": link}


def synchronise(
    session: Any,
    company_id: int,
    bank_account_id: int,
    client: Client,
    today: dt.date,
    *,
    user_id: int | None = None,
    task_run_id: str | None = None,
) -> dict[str, Any]:
    """Read the account's booked transactions since the last synchronisation (less a few days;
    90 days the first time) into its statement lines; the report."""
    import hashlib

    from sqlalchemy import select

    from wisebook.db import models
    from wisebook.ledger.banking import fingerprints
    from wisebook.services.banking.accounts import get_bank_account
    from wisebook.services.banking.statements import write_statement

    bank = get_bank_account(session, company_id, bank_account_id)
    if not bank.psd2_consent_id or not bank.iban:
        raise InvalidInput(
            "Aucun consentement bancaire pour ce compte : demandez-le d'abord.", field="consentement"
        )
    if not bank.psd2_resource_id:
        bank.psd2_resource_id = client.account_id(bank.psd2_consent_id, bank.iban)[:100]
    since = (
        (bank.psd2_synced_on - dt.timedelta(days=OVERLAP_DAYS))
        if bank.psd2_synced_on
        else today - dt.timedelta(days=CONSENT_DAYS)
    )
    found = statement_of(
        client.transactions(bank.psd2_consent_id, bank.psd2_resource_id, since), bank.currency
    )
    bank.psd2_synced_on = today
    if not found.lines:
        session.flush()
        return {
            "statut": "importe",
            "lignes_lues": 0,
            "lignes_importees": 0,
            "doublons": 0,
            "message": "Aucune transaction nouvelle.",
        }
    digest = hashlib.sha256(f"psd2:{bank.id}:{','.join(fingerprints(found.lines))}".encode()).hexdigest()
    st = models.BankStatement
    if session.scalar(select(st.id).where(st.bank_account_id == bank.id, st.sha256 == digest)) is not None:
        session.flush()  # the same transactions as a synchronisation already read
        return {
            "statut": "importe",
            "lignes_lues": len(found.lines),
            "lignes_importees": 0,
            "doublons": len(found.lines),
            "message": "Aucune transaction nouvelle.",
        }
    return write_statement(
        session,
        bank,
        found,
        filename=f"psd2-{since}-{today}",
        sha256=digest,
        user_id=user_id,
        task_run_id=task_run_id,
    )
