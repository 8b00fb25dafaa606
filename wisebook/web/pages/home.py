"""The accountant's pages: log in, the dashboard, log out (server-rendered, no script needed).

A page a visitor may not see sends them to ``/connexion/`` with the address to come back to; a
refused login shows its reason next to the field, the e-mail typed kept, nothing written.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from babel.dates import format_date
from babel.numbers import format_compact_decimal
from markupsafe import Markup
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.money import from_minor
from wisebook.services import setup
from wisebook.services.access import auth
from wisebook.services.access.permissions import Permission
from wisebook.services.books import companies, years
from wisebook.services.reports import dashboard as dashboard_service
from wisebook.web.i18n import BABEL_LOCALES, _, amount, currency_name, translate
from wisebook.web.messages import said
from wisebook.web.navigation import safe_next
from wisebook.web.pages import charts
from wisebook.web.security import csrf_was_refused
from wisebook.web.sessions import (
    Refusal,
    check_login,
    forget,
    open_browser_session,
    remember_device,
    set_session_cookies,
)

#: The dashboard's figures, in the order the cards show them.
FIGURES = (
    ("tresorerie", _("Trésorerie")),
    ("chiffre_affaires", _("Chiffre d'affaires")),
    ("charges", _("Charges")),
    ("resultat", _("Résultat")),
    ("creances_clients", _("Créances clients")),
    ("dettes_fournisseurs", _("Dettes fournisseurs")),
)
LOGIN_COOKIE = "wisebook_connexion"  # the login form's CSRF token, before any session
#: The login's refusal, said in the reader's language (the API's problem stays French).
_("Adresse e-mail ou mot de passe incorrect.")


def _login_token(request: Request) -> str:
    """The login form's CSRF token: the browser's own (a cookie set with the form), or a new
    one. A POST must carry it back in the form: another site cannot sign a visitor in."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    return token if 20 <= len(token) <= 64 and token.isascii() else secrets.token_urlsafe(24)


def login_page(request: Request) -> Response:
    """The login form; POSTed, the session opens and the browser goes where it was headed."""
    if not setup.is_done(request.db):
        raise HTTPSeeOther(request.route_url("setup"))
    target = safe_next(request.params.get("suite"))
    values = {"email": "", "suite": target}
    errors: dict[str, str] = {}
    status = 200
    token = _login_token(request)
    sent = request.cookies.get(LOGIN_COOKIE, "")
    if request.method == "POST":
        values["email"] = str(request.POST.get("email", "")).strip()
    if request.method == "POST" and not (
        sent == token and hmac.compare_digest(str(request.POST.get("csrf", "")).encode(), token.encode())
    ):
        errors["formulaire"] = translate(
            request, "Ce formulaire a expiré ou ne vient pas de WiseBook : rechargez la page et recommencez."
        )
        status = 403
    elif request.method == "POST":
        password = str(request.POST.get("password", ""))
        if not values["email"]:
            errors["email"] = translate(request, "Saisissez votre adresse e-mail.")
        if not password:
            errors["mot_de_passe"] = translate(request, "Saisissez votre mot de passe.")
        if not errors:
            found = check_login(request, values["email"], password)
            if isinstance(found, Refusal):
                errors["mot_de_passe" if found.status == 401 else "formulaire"] = said(
                    request, translate(request, found.message)
                )
                status = found.status
            else:
                company = companies.company_for_user(request.db, found.id, None)
                opened = open_browser_session(request, found, company)
                response = HTTPSeeOther(target)
                set_session_cookies(request, response, opened)
                remember_device(request, response, found.email)
                return response
        status = status if errors.get("formulaire") or status != 200 else 422
    elif request.wisebook_identity is not None:
        raise HTTPSeeOther(target)
    context = {
        "valeurs": values,
        "erreurs": errors,
        "accueil": request.params.get("accueil") == "1",
        "csrf": token,
    }
    response = render_to_response("connexion.html", context, request=request)
    response.status_int = status
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.scheme == "https", path="/"
    )
    return response


def logout_page(request: Request) -> Response:
    """End the browser session (a form with the session's CSRF token) and go to the login page."""
    if csrf_was_refused(request):  # not from our page: the session stays as it is
        raise HTTPForbidden()
    identity = request.wisebook_identity
    if identity is not None and identity.session_id is not None:
        auth.revoke_session(request.db, identity.session_id)
    return forget(HTTPSeeOther(request.route_url("login_page")))


def home(request: Request) -> Response:
    """Before setup: the wizard. Then the dashboard (signed out: the login page, by the
    forbidden view)."""
    if not setup.is_done(request.db):
        raise HTTPSeeOther(request.route_url("setup"))
    company = request.company
    fiscal_years = years.list_fiscal_years(request.db, company.id)
    fy = years.current_of(fiscal_years)
    figures = dashboard_service.dashboard(request.db, company.id, fy, fiscal_years)
    current = figures[0]
    cards = [
        (translate(request, label), amount(request, current.year[name], company.currency))
        for name, label in FIGURES
    ]
    months = [
        (m.month, {name: amount(request, m.values[name], company.currency) for name, _label in FIGURES})
        for m in current.months
    ]
    return render_to_response(
        "tableau_de_bord.html",
        {
            "societe": company,
            "exercice": fy,
            "cartes": cards,
            "mois": months,
            "graphiques": _charts(request, figures),
            "vide": not any(current.year[name] for name, _label in FIGURES),
            "figures": [(name, translate(request, label)) for name, label in FIGURES],
            "devise": currency_name(company.currency),
        },
        request=request,
    )


#: The dashboard's charts: title, kind, and the figures drawn (name, CSS class), year N only.
CHARTS = (
    (
        _("Chiffre d'affaires et charges du mois"),
        "bar",
        (("chiffre_affaires", "serie-ca"), ("charges", "serie-charges")),
    ),
    (_("Résultat du mois"), "bar", (("resultat", "serie-resultat"),)),
    (
        _("Créances clients et dettes fournisseurs"),
        "line",
        (("creances_clients", "serie-creances"), ("dettes_fournisseurs", "serie-dettes")),
    ),
)


def _charts(request: Request, years: list[dashboard_service.YearFigures]) -> list[tuple[str, Markup]]:
    """The trésorerie of N beside N-1, then the charts of ``CHARTS``, as inline SVG."""
    currency = request.company.currency
    locale = BABEL_LOCALES[request.locale_name]
    # « janv », « févr »: twelve abbreviations fit under the chart without their dots.
    months = [format_date(m.month, "MMM", locale=locale).rstrip(".") for m in years[0].months]
    labels = {name: translate(request, label) for name, label in FIGURES}

    def series(name: str, figures: dashboard_service.YearFigures, css: str, title: str) -> charts.Series:
        values: list[int | None] = [m.values[name] for m in figures.months][: len(months)]
        return charts.Series(title, values + [None] * (len(months) - len(values)), css)

    def money(units: int) -> str:
        return amount(request, units, currency)

    def short(units: int) -> str:  # the axis's round steps: « 500 k », « 1,5 M », « 2 Md »
        return format_compact_decimal(from_minor(units, currency), locale=locale, fraction_digits=1)

    cash_title = translate(request, "Trésorerie en fin de mois")
    cash = [
        series("tresorerie", y, css, translate(request, "Exercice ${code}", code=y.fiscal_year))
        for y, css in zip(years, ("serie-n", "serie-n1"), strict=False)
    ]
    made = [(cash_title, charts.chart("line", cash_title, months, cash, money, short))]
    for title, kind, drawn in CHARTS:
        text = translate(request, title)
        lines = [series(name, years[0], css, labels[name]) for name, css in drawn]
        made.append((text, charts.chart(kind, text, months, lines, money, short)))
    return made


def includeme(config: Any) -> None:
    """The accountant's pages (their own checks: a signed-out visitor goes to the login page)."""
    for route in ("login_page", "admin_login"):
        config.add_view(login_page, route_name=route, request_method=("GET", "POST"))
    config.add_view(logout_page, route_name="logout_page", request_method="POST")
    config.add_view(home, route_name="home", request_method="GET", permission=Permission.READ)
