"""French companies looked up in INSEE's Sirene register (API Sirene 3.11), to fill a tiers.

``GET {INSEE_URL}/siren/{siren}`` with the key in ``X-INSEE-Api-Key-Integration`` gives the
legal unit: its periods (the current one has no ``dateFin``) carry its name
(``denominationUniteLegale``, or a person's ``nomUniteLegale`` and ``prenom1UniteLegale``),
legal form (``categorieJuridiqueUniteLegale``), NAF code (``activitePrincipaleUniteLegale``),
state (``etatAdministratifUniteLegale``: A active, C ceased) and head office's NIC
(``nicSiegeUniteLegale``); ``GET /siret/{siren}{nic}`` gives that office's address
(``adresseEtablissement``). 404 is an unknown SIREN, 429 the quota (30 calls a minute), 401
or 403 a refused key.

Each call has a timeout; a timeout, a 429 or a 5xx is tried again (a lookup is safe to
repeat) a few times with a short pause; every call is counted in ``/metrics`` under the
service ``insee``; every failure becomes a problem the user can read.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from stdnum.exceptions import ValidationError
from stdnum.fr import siren as siren_number

from wisebook.ledger.errors import InvalidInput, LedgerError, NotFound
from wisebook.observability import metrics

TIMEOUT_SECONDS = 5
ATTEMPTS = 3
PAUSE_SECONDS = 0.5  # before a new attempt; a 429's Retry-After when it is short


class SireneUnavailable(LedgerError):
    """Sirene could not be asked, or did not answer (503): nothing was filled."""

    status = 503
    title = "Service INSEE indisponible"
    code = "insee-indisponible"


class SireneQuota(LedgerError):
    """INSEE's quota of calls is used up for now (429)."""

    status = 429
    title = "Quota INSEE atteint"
    code = "insee-quota"


@dataclass(frozen=True)
class LegalUnit:
    """What Sirene says of a company, as a tiers takes it."""

    siren: str
    name: str
    legal_form: str | None
    naf: str | None
    active: bool
    head_office: str | None  # its SIRET
    address: str | None


def _get(url: str, key: str, path: str) -> dict[str, Any]:
    """One document of Sirene, tried again on a timeout, a 429 or a 5xx."""
    if not url.startswith(("https://", "http://")):
        raise SireneUnavailable("L'adresse de l'API Sirene (WISEBOOK_INSEE_URL) doit commencer par https://.")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url.rstrip("/") + path, headers={"X-INSEE-Api-Key-Integration": key, "Accept": "application/json"}
    )
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - the operator's URL
                found = json.loads(answer.read())
            metrics.external("insee", True)
            return dict(found)
        except urllib.error.HTTPError as exc:
            metrics.external("insee", False)
            if exc.code == 404:
                raise NotFound(
                    "Aucune entreprise de ce numéro dans le répertoire Sirene.", field="siren"
                ) from exc
            if exc.code in (401, 403):
                raise SireneUnavailable(
                    "L'INSEE refuse la clé de l'installation (INSEE_API_KEY) : l'administrateur la vérifie."
                ) from exc
            if exc.code == 429:
                wait = _retry_after(exc.headers.get("Retry-After"))
                if attempt < ATTEMPTS and wait <= 2:
                    time.sleep(wait or PAUSE_SECONDS)
                    continue
                raise SireneQuota(
                    f"L'INSEE limite les appels (30 par minute) : réessayez dans {max(wait, 1)} s."
                ) from exc
            if exc.code < 500 or attempt == ATTEMPTS:
                raise SireneUnavailable(
                    f"L'INSEE répond par une erreur ({exc.code}) : réessayez plus tard."
                ) from exc
        except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
            metrics.external("insee", False)
            if attempt == ATTEMPTS:
                raise SireneUnavailable(
                    f"L'INSEE ne répond pas (après {ATTEMPTS} essais de {TIMEOUT_SECONDS} s) : réessayez plus tard."
                ) from exc
        time.sleep(PAUSE_SECONDS)
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(value: str | None) -> int:
    try:
        return max(0, int(value or "0"))
    except ValueError:
        return 60


def lookup(url: str, key: str | None, siren: str) -> LegalUnit:
    """The company of ``siren`` (its Luhn check first), with its head office's address."""
    try:
        siren = siren_number.validate(siren)
    except ValidationError as exc:
        raise InvalidInput(
            "SIREN invalide : neuf chiffres dont le dernier est une clé (732 829 320).", field="siren"
        ) from exc
    if not key:
        raise SireneUnavailable(
            "La recherche INSEE n'est pas configurée sur cette installation : "
            "l'administrateur renseigne INSEE_API_KEY (portail-api.insee.fr)."
        )
    unit = _get(url, key, f"/siren/{siren}").get("uniteLegale") or {}
    periods = unit.get("periodesUniteLegale") or [{}]
    current = next((p for p in periods if not p.get("dateFin")), periods[0])
    name = current.get("denominationUniteLegale") or " ".join(
        filter(None, (unit.get("prenom1UniteLegale"), current.get("nomUniteLegale")))
    )
    nic = current.get("nicSiegeUniteLegale")
    head_office = f"{siren}{nic}" if nic else None
    address = None
    if head_office:
        try:
            office = _get(url, key, f"/siret/{head_office}").get("etablissement") or {}
            address = _address(office.get("adresseEtablissement") or {})
        except LedgerError:
            address = None  # the unit is known; its address can be typed
    return LegalUnit(
        siren,
        name or siren,
        current.get("categorieJuridiqueUniteLegale"),
        current.get("activitePrincipaleUniteLegale"),
        current.get("etatAdministratifUniteLegale") != "C",
        head_office,
        address,
    )


def _address(parts: dict[str, Any]) -> str | None:
    street = " ".join(
        filter(
            None,
            (
                parts.get("numeroVoieEtablissement"),
                parts.get("typeVoieEtablissement"),
                parts.get("libelleVoieEtablissement"),
            ),
        )
    )
    town = " ".join(
        filter(None, (parts.get("codePostalEtablissement"), parts.get("libelleCommuneEtablissement")))
    )
    return ", ".join(filter(None, (street, town))) or None
