"""Languages of the pages: French by default, English; chosen with the switch in the header
(a cookie), else the browser's ``Accept-Language`` among those two. Catalogues are Babel's,
under ``wisebook/locale`` (``make catalogues`` compiles them)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from jinja2 import pass_context
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.i18n import TranslationStringFactory
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.money import CURRENCIES
from wisebook.web.navigation import safe_next

_ = TranslationStringFactory("wisebook")
LANGUAGES = {"fr": "Français", "en": "English"}
COOKIE = "wisebook_langue"
#: Babel's locale per language: English as Cameroon writes it, the zone's English (15/01/2026).
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_CM"}


def negotiate(request: Request) -> str:
    """The page's language: the cookie's, else the browser's first of ours, else French."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    offered = (
        request.accept_language.lookup(list(LANGUAGES), default="fr") if request.accept_language else "fr"
    )
    return offered if offered in LANGUAGES else "fr"


def translate(request: Request, text: str, **mapping: Any) -> str:
    """``text`` (French, the catalogues' source) in the page's language."""
    return str(request.localizer.translate(_(text, mapping=mapping or None)))


def amount(request: Request, units: int, currency: str) -> str:
    """Minor units as the reader's language groups them: ``1 234 567`` or ``1,234,567``.

    With the language's own symbols from Babel, grouped here: Babel's ``format_decimal``
    reads its pattern on every call (~25 µs), and a page of 500 tiers shows 3 000 amounts."""
    places = CURRENCIES.get(currency, 2)
    group, decimal, minus = _symbols(BABEL_LOCALES[request.locale_name])
    whole, fraction = divmod(abs(units), 10**places)
    text = f"{whole:,}".replace(",", group)
    if places:
        text = f"{text}{decimal}{fraction:0{places}d}"
    return minus + text if units < 0 else text


@functools.lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str, str]:
    """The language's group and decimal separators and minus sign."""
    return get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)


def day(request: Request, value: dt.date | None) -> str:
    """A date as the reader's language writes it (``15/01/2026`` in both of ours)."""
    if value is None:
        return ""
    return format_date(value, format="short", locale=BABEL_LOCALES[request.locale_name])


def month(request: Request, value: dt.date, pattern: str = "MMM y") -> str:
    """A month as the reader's language names it: ``janv. 2026``, ``Jan 2026``."""
    return format_date(value, format=pattern, locale=BABEL_LOCALES[request.locale_name])


def currency_name(code: str) -> str:
    """The currency as accountants of the zone write it (the CFA francs: FCFA)."""
    return "FCFA" if code in ("XOF", "XAF") else code


@pass_context
def _template_date(context: Any, value: dt.date | None) -> str:
    return day(context["request"], value)


@pass_context
def _template_amount(context: Any, units: int, currency: str | None = None) -> str:
    request = context["request"]
    return amount(request, units, currency or request.company.currency)


def switch(request: Request) -> Response:
    """Remember the language asked for (a year) and go back to the page."""
    code = request.matchdict["code"]
    response = HTTPSeeOther(safe_next(request.params.get("suite")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax", path="/", httponly=True)
    return response


def includeme(config: Any) -> None:
    """Catalogues, negotiation, the switch, and Jinja2's gettext in the domain ``wisebook``."""
    config.add_translation_dirs("wisebook:locale/")
    config.set_locale_negotiator(negotiate)
    config.registry.settings["jinja2.i18n.domain"] = "wisebook"
    config.registry.settings["jinja2.globals"] = {
        "date": _template_date,
        "montant": _template_amount,
        "devise": currency_name,
    }
    config.add_view(switch, route_name="language", request_method="GET")
