"""One error contract (RFC 9457 problem details) for every error on every path."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from pyramid.httpexceptions import HTTPException, HTTPMethodNotAllowed, HTTPNotFound
from pyramid.registry import Registry
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from wisebook.ledger.errors import FieldError, LedgerError
from wisebook.observability import errors
from wisebook.web.i18n import _, translate
from wisebook.web.messages import said

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://wisebook.app/problemes/"
TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non permise",
    406: "Format non disponible",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Service indisponible",
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    code: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    body = {
        "type": PROBLEM_TYPE + (code or str(status)),
        "title": title or TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        "erreurs": [{"champ": e.field, "message": e.message} for e in errors],
    }
    response = Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/problem+json",
        charset="utf-8",
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class BadRequest(Exception):
    """A request the API cannot read (malformed JSON, wrong content type…)."""

    def __init__(self, status: int, detail: str, errors: Sequence[FieldError] = ()):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, health or metrics): errors answer as pages."""
    if request.path.startswith(("/api/", "/health", "/metrics", "/static/")):
        return False
    return "text/html" in request.headers.get("Accept", "")


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """An error as a page in the reader's language, with the way back to the dashboard."""
    context = {
        "titre": translate(request, title),
        "message": said(request, translate(request, detail)),
        "lien": "/",
        "lien_libelle": translate(request, "Retour au tableau de bord"),
    }
    response = render_to_response("message.html", context, request=request)
    response.status_int = status
    return response


PAGE_TITLES = {
    404: _("Page introuvable"),
    405: _("Action impossible"),
    409: _("Conflit"),
    500: _("Erreur interne"),
}


def ledger_error_view(exc: LedgerError, request: Request) -> Response:
    """A rule of the books was broken: 404, 409 or 422 with the fields at fault."""
    if wants_page(request):
        return error_page(request, exc.status, PAGE_TITLES.get(exc.status, _("Demande refusée")), exc.message)
    return problem(exc.status, exc.message, title=exc.title, code=exc.code, errors=exc.errors)


def bad_request_view(exc: BadRequest, request: Request) -> Response:
    """The request itself is unreadable."""
    return problem(exc.status, exc.detail, errors=exc.errors)


ANY_METHOD = frozenset({"*"})


def _route_methods(registry: Registry) -> dict[str, frozenset[str]]:
    """Each route's methods, as its views declare them (read once from the introspector:
    the configuration is complete by the first request)."""
    known: dict[str, frozenset[str]] | None = getattr(registry, "wisebook_route_methods", None)
    if known is None:
        methods: dict[str, set[str]] = {}
        for item in registry.introspector.get_category("views"):
            view = item["introspectable"]
            if view["route_name"] is None:
                continue
            declared = view["request_methods"]
            names = {declared} if isinstance(declared, str) else set(declared or ANY_METHOD)
            if "GET" in names:
                names.add("HEAD")  # Pyramid answers HEAD wherever it answers GET
            methods.setdefault(view["route_name"], set()).update(names)
        known = {route: frozenset(names) for route, names in methods.items()}
        registry.wisebook_route_methods = known
    return known


def allowed_methods(request: Request) -> frozenset[str] | None:
    """The methods the matched route takes when the request's is not one of them (the 405
    case); None when no route matched or the route takes this method."""
    route = getattr(request, "matched_route", None)
    if route is None:
        return None
    methods = _route_methods(request.registry).get(route.name)
    if not methods or "*" in methods or request.method in methods:
        return None
    return methods


def http_exception_view(exc: HTTPException, request: Request) -> Response:
    """Pyramid's own HTTP errors (404, 405…) as problems; redirects pass through. A route
    asked with a method none of its views take is a 405 naming those it takes (RFC 9110
    §15.5.6), not the 404 Pyramid's predicate mismatch would give."""
    if exc.code < 400:
        return exc
    if isinstance(exc, HTTPNotFound):
        methods = allowed_methods(request)
        if methods is not None:
            exc = HTTPMethodNotAllowed(headers={"Allow": ", ".join(sorted(methods))})
    detail = {
        404: f"Aucune ressource à l'adresse {request.path}.",
        405: f"La méthode {request.method} n'est pas permise ici.",
    }.get(exc.code, exc.detail or exc.explanation or exc.title)
    if wants_page(request) and exc.code in (404, 405):
        page = {404: _("Aucune page à cette adresse."), 405: _("Cette action n'est pas permise ici.")}
        response = error_page(request, exc.code, PAGE_TITLES[exc.code], page[exc.code])
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    headers = {k: v for k, v in exc.headers.items() if k in ("WWW-Authenticate", "Allow", "Retry-After")}
    return problem(exc.code, str(detail), headers=headers)


def integrity_error_view(exc: IntegrityError, request: Request) -> Response:
    """The database refused a write the services let through (a race, or a guard): 409."""
    log.warning("integrity error on %s %s: %s", request.method, request.path, exc.orig)
    return problem(409, "L'opération contredit l'état des livres ; rien n'a été écrit.", code="conflit")


LOCKED_RETRY_SECONDS = 5


def busy(exc: BaseException) -> Response | None:
    """503 with Retry-After when the database could not take a write in time (SQLite's
    lock held by a long write); None for any other error."""
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        log.warning("database busy: a write waited for the lock and gave up")
        return problem(
            503,
            "La base est occupée par une autre écriture ; rien n'a été écrit, réessayez dans un instant.",
            headers={"Retry-After": str(LOCKED_RETRY_SECONDS)},
        )
    return None


def internal_error_view(exc: Exception, request: Request) -> Response:
    """Anything unexpected: logged with its traceback, answered without it."""
    locked = busy(exc)
    if locked is not None:
        return locked
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        log.error("database connection lost on %s %s", request.method, request.path)
        return problem(503, "La base de données est momentanément indisponible.")
    log.exception("unexpected error on %s %s", request.method, request.path)
    errors.capture(exc)  # to Sentry when SENTRY_DSN is set (deduplicated with its integration)
    return problem(500, "Une erreur interne est survenue ; rien n'a été écrit.")


def includeme(config: Any) -> None:
    """Register the exception views, most specific first."""
    config.add_exception_view(ledger_error_view, context=LedgerError)
    config.add_exception_view(bad_request_view, context=BadRequest)
    config.add_exception_view(http_exception_view, context=HTTPException)
    config.add_exception_view(integrity_error_view, context=IntegrityError)
    config.add_exception_view(internal_error_view, context=Exception)
