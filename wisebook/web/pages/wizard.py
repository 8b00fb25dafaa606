"""The setup wizard (``/assistant/``): on a fresh install, with the one-time code printed at
install, it makes the company (country from the OHADA list, currency from the country unless
chosen, RCCM and tax number), its first fiscal year, the SYSCOHADA chart, the journals and the
first administrator, then opens the dashboard. Once done it cannot run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import LedgerError
from wisebook.ledger.money import CURRENCIES
from wisebook.ledger.text import is_digits
from wisebook.services import setup
from wisebook.services.access import users
from wisebook.services.books import companies
from wisebook.web.i18n import translate
from wisebook.web.messages import said
from wisebook.web.sessions import open_browser_session, set_session_cookies

FIELDS = ("code", "societe", "pays", "devise", "rccm", "identifiant_fiscal", "exercice", "email")
CODE_ATTEMPTS = 5  # a minute, per address
#: The service's field names → the form's.
FIELD_OF = {
    "societe": "societe",
    "pays": "pays",
    "devise": "devise",
    "admin_email": "email",
    "email": "email",
}


def _page(request: Request, values: dict[str, str], errors: dict[str, str], status: int) -> Response:
    response = render_to_response(
        "assistant.html",
        {
            "valeurs": values,
            "erreurs": errors,
            "pays": sorted(companies.OHADA_COUNTRIES.items(), key=lambda kv: kv[1][0]),
            "devises": sorted(CURRENCIES),
            "longueur_minimale": users.MIN_PASSWORD_LENGTH,
        },
        request=request,
    )
    response.status_int = status
    return response


def _done(request: Request, status: int = 200) -> Response:
    response = render_to_response(
        "message.html",
        {
            "titre": translate(request, "WiseBook est configuré"),
            "message": translate(request, "L'assistant a déjà servi : connectez-vous pour tenir les livres."),
            "lien": request.route_path("login_page"),
            "lien_libelle": translate(request, "Se connecter"),
        },
        request=request,
    )
    response.status_int = status
    return response


def wizard(request: Request) -> Response:
    """GET: the form (or, once set up, the way to log in). POST: set up, or say what to fix."""
    data_dir = request.registry.wisebook_settings.data_dir
    if setup.is_done(request.db):
        return _done(request, 200 if request.method == "GET" else 409)
    if request.method == "GET":
        setup.setup_code(data_dir)  # made now if the server was started another way
        values = dict.fromkeys(FIELDS, "") | {"pays": "CI", "exercice": str(dt.date.today().year)}
        return _page(request, values, {}, 200)
    values = {name: str(request.POST.get(name, "")).strip() for name in FIELDS}
    password, again = str(request.POST.get("mot_de_passe", "")), str(request.POST.get("confirmation", ""))
    errors: dict[str, str] = {}
    limiter = request.registry.wisebook_limiter
    key = f"assistant:code:{request.client_addr or 'inconnue'}"
    count, left = limiter.count(key)
    throttled = count >= CODE_ATTEMPTS
    if throttled:
        errors["code"] = translate(request, "Trop de codes erronés. Réessayez dans ${n} s.", n=left)
    elif not setup.code_matches(data_dir, values["code"]):
        request.add_response_callback(lambda _request, _response: limiter.fail(key))
        errors["code"] = translate(
            request, "Code d'installation incorrect : il est affiché au démarrage du serveur."
        )
    if not values["societe"]:
        errors["societe"] = translate(request, "Saisissez le nom de la société.")
    if values["pays"] not in companies.OHADA_COUNTRIES:
        errors["pays"] = translate(request, "Choisissez un pays de l'espace OHADA.")
    if not is_digits(values["exercice"]) or not 2000 <= int(values["exercice"]) <= 2100:
        errors["exercice"] = translate(request, "Saisissez l'année du premier exercice (par exemple 2026).")
    if password != again:
        errors["confirmation"] = translate(request, "Les deux mots de passe diffèrent.")
    if not errors:
        try:
            made = setup.setup(
                request.db,
                company_name=values["societe"],
                country=values["pays"],
                currency=values["devise"] or None,
                fiscal_year=int(values["exercice"]),
                admin_email=values["email"],
                admin_password=password,
                rccm=values["rccm"],
                tax_number=values["identifiant_fiscal"],
            )
        except LedgerError as exc:
            for err in exc.errors:
                name = "mot_de_passe" if "password" in err.field or "passe" in err.message else err.field
                errors[FIELD_OF.get(name, name)] = said(request, err.message)
            errors.setdefault("formulaire", said(request, exc.message))
        else:
            setup.forget_code(data_dir)
            admin = users.find_by_email(request.db, made.admin_email)
            assert admin is not None
            company = companies.company_for_user(request.db, admin.id, made.company_id)
            opened = open_browser_session(request, admin, company)
            response = HTTPSeeOther(request.route_url("home"))
            set_session_cookies(request, response, opened)
            return response
    errors.setdefault(
        "formulaire", translate(request, "La configuration n'est pas faite : corrigez les champs signalés.")
    )
    return _page(request, values, errors, 429 if throttled else 422)


def includeme(config: Any) -> None:
    """The wizard is public: its code is its key."""
    config.add_view(wizard, route_name="setup", request_method=("GET", "POST"))
