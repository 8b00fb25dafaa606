"""Who is calling (Bearer token or session cookie) and what their role lets them do."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import Allowed, Denied

from wisebook.db import scope_to_company
from wisebook.ledger.errors import LedgerError, NotFound
from wisebook.ledger.text import is_digits
from wisebook.services import setup
from wisebook.services.access import api_keys, auth
from wisebook.services.access.permissions import OPERATOR_PERMISSIONS, Permission
from wisebook.services.books import companies
from wisebook.web.i18n import _
from wisebook.web.problems import problem
from wisebook.web.renderers import message_page

SESSION_COOKIE = "wisebook_session"  # HttpOnly: the server-side session's id
CSRF_COOKIE = "wisebook_csrf"  # readable by the page's script, sent back in CSRF_HEADER
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"  # the same token in a page's form, for forms posted without script
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = "wisebook.csrf_refused"
KEY_COMPANY = "wisebook.key_company"
MEMBERSHIP = "wisebook.membership"  # (company asked for, the caller's membership there)
SESSION_CSRF = "wisebook.session_csrf"
OPERATOR_ONLY = "réservé à l'exploitant de l'installation"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class SecurityPolicy:
    """Pyramid 2 security policy: token identity, permissions from the company role."""

    def identity(self, request: Request) -> auth.Identity | None:
        """The caller's identity, checked once per request."""
        return request.wisebook_identity  # type: ignore[no-any-return]

    def authenticated_userid(self, request: Request) -> int | None:
        """The caller's user id, if authenticated."""
        identity = self.identity(request)
        return identity.user_id if identity else None

    def permits(self, request: Request, context: Any, permission: str) -> Allowed | Denied:
        """Allowed when the caller's role in the current company grants ``permission``, or when
        the caller is the installation's operator and ``permission`` is one of theirs."""
        identity = self.identity(request)
        if identity is None:
            return Denied("non authentifié")
        wanted = Permission(permission)
        if identity.operator and wanted in OPERATOR_PERMISSIONS:
            return Allowed("exploitant")
        if wanted is Permission.OPERATE:
            return Denied(OPERATOR_ONLY)
        company = request.company
        if company is None:
            return Denied("aucune société")
        if wanted in company.permissions:
            return Allowed(f"rôle {company.role}")
        return Denied(f"le rôle {company.role} n'a pas la permission {permission}")

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        """Tokens are issued by the login view, not remembered here."""
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        """Logout revokes the token in the login view."""
        return []


def csrf_was_refused(request: Request) -> bool:
    """Whether the caller's session came with an unsafe method and no valid CSRF token (the
    caller is then nobody). Reads the caller first: a view without a permission has not."""
    _ = request.wisebook_identity
    return bool(request.environ.get(CSRF_REFUSED))


def _asked_company(request: Request) -> int | None:
    """The company ``X-Societe`` names, or None when it names none (absent or not an id)."""
    header = (request.headers.get("X-Societe") or "").strip()
    return int(header) if is_digits(header) and len(header) <= 12 else None


def _identity(request: Request) -> auth.Identity | None:
    """A Bearer token (API), else the browser session; an unsafe method from a session must
    carry the session's CSRF token in ``X-CSRF-Token`` (or a form's ``csrf`` field), or the
    caller is nobody. The caller's membership is read in the same query (see ``_company``)."""
    settings = request.registry.wisebook_settings
    token = _bearer(request)
    if token and token.startswith(api_keys.PREFIX):
        key = api_keys.check_key(request.db, token)
        if key is None:
            return None
        request.environ[KEY_COMPANY] = key.company
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return auth.Identity(
            key.created_by_id, "", key.company.id, far, api_key_id=key.key_id, api_key_name=key.name
        )
    asked = _asked_company(request)
    if token:
        memory = request.registry.wisebook_callers
        caller = auth.check_token(request.db, token, settings.jwt_secret_key, asked, memory)
        if caller is None:
            return None
        request.environ[MEMBERSHIP] = (asked, caller.company)
        return caller.identity
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    caller = auth.check_session(
        request.db, cookie, settings.session_idle_seconds, settings.session_absolute_seconds, asked
    )
    if caller is None:
        return None
    request.environ[MEMBERSHIP] = (asked, caller.company)
    request.environ[SESSION_CSRF] = caller.csrf
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and request.content_type in FORM_TYPES:  # a page's form: the hidden field
            sent = request.POST.get(CSRF_FIELD, "")
        if not hmac.compare_digest(sent.encode(), caller.csrf.encode()):
            request.environ[CSRF_REFUSED] = True
            return None
    return caller.identity


def _company(request: Request) -> companies.CompanyContext | None:
    """The company of the request: ``X-Societe``, else the token's, else the user's first."""
    identity = request.wisebook_identity
    if identity is None:
        return None
    header = request.headers.get("X-Societe")
    if identity.api_key_id is not None:  # a key works in its one company, with its one role
        company: companies.CompanyContext = request.environ[KEY_COMPANY]
        if header is not None and header.strip() != str(company.id):
            raise NotFound("Société introuvable.", field="X-Societe")
        scope_to_company(request.db, company.id)
        return company
    if header is not None and _asked_company(request) is None:  # an id, not a huge number
        raise NotFound("Société introuvable.", field="X-Societe")
    context: companies.CompanyContext | None
    if MEMBERSHIP in request.environ:  # read with the credential
        context = request.environ[MEMBERSHIP][1]
    else:
        wanted = identity.company_id if header is None else _asked_company(request)
        context = companies.company_for_user(request.db, identity.user_id, wanted)
    if context is None and header is not None:
        raise NotFound("Société introuvable.", field="X-Societe")
    if context is not None:
        scope_to_company(request.db, context.id)
    return context


def csrf_refused() -> Response:
    """403 for an unsafe request from a browser session without its CSRF token."""
    return problem(
        403,
        f"Jeton CSRF absent ou invalide : envoyez l'en-tête {CSRF_HEADER} reçu à la connexion.",
        code="csrf",
    )


def forbidden_view(exc: HTTPForbidden, request: Request) -> Response:
    """401 with a Bearer challenge when anonymous, 403 when the role lacks the permission;
    a page (not the API) asked for by a browser gets its answer as a page."""
    if not request.path.startswith("/api/") and request.accept.accepts_html:
        return forbidden_page(request)
    if request.wisebook_identity is None:
        if csrf_was_refused(request):
            return csrf_refused()
        return problem(
            401,
            "Connectez-vous : envoyez « Authorization: Bearer <jeton> » (POST /api/v1/auth/login/).",
            headers={"WWW-Authenticate": 'Bearer realm="wisebook"'},
        )
    if str(getattr(exc, "result", "")) == OPERATOR_ONLY:
        return problem(403, "Cette action est réservée à l'exploitant de l'installation.")
    if request.company is None:
        return problem(403, "Vous n'êtes membre d'aucune société.")
    return problem(403, "Votre rôle dans cette société ne permet pas cette action.")


def forbidden_page(request: Request) -> Response:
    """A browser that asked for a page: signed out, to the login page (GET) or a 401 page; signed
    in without the right, a 403 page."""
    if csrf_was_refused(request):
        return message_page(
            request,
            _("Formulaire refusé"),
            _("Ce formulaire a expiré ou ne vient pas de WiseBook : rechargez la page et recommencez."),
            403,
        )
    if request.wisebook_identity is None and request.method in ("GET", "HEAD"):
        if not setup.is_done(request.db):  # a fresh install: its wizard first
            return HTTPSeeOther(request.route_url("setup"))
        query = urlencode({"suite": request.path_qs})
        return HTTPSeeOther(request.route_url("login_page") + "?" + query)
    identity = request.wisebook_identity
    operator = identity is not None and identity.operator
    if operator and request.method in ("GET", "HEAD") and _no_company(request):
        return HTTPSeeOther(request.route_url("companies_page"))  # the operator of no company
    if identity is None:
        return message_page(
            request,
            _("Connexion nécessaire"),
            _("Connectez-vous avec un compte administrateur pour voir cette page."),
            401,
        )
    return message_page(
        request, _("Accès refusé"), _("Cette page est réservée aux administrateurs de la société."), 403
    )


def _no_company(request: Request) -> bool:
    try:
        return request.company is None
    except LedgerError:  # X-Societe names a company that is not theirs
        return False


def includeme(config: Any) -> None:
    """Install the policy, the request helpers and the forbidden view."""
    config.set_security_policy(SecurityPolicy())
    settings = config.registry.wisebook_settings
    config.registry.wisebook_callers = auth.caller_memory(
        config.registry.db_engine, settings.credential_cache_seconds
    )
    config.add_request_method(_identity, "wisebook_identity", reify=True)
    config.add_request_method(_company, "company", reify=True)
    config.add_forbidden_view(forbidden_view)
    config.add_request_method(session_csrf, "wisebook_csrf", reify=True)


def session_csrf(request: Request) -> str:
    """The CSRF token of the browser's session, for the forms of a page ("" without one): read
    with the session itself, once per request."""
    request.wisebook_identity  # noqa: B018 - a reified read: the session, and its token with it
    return str(request.environ.get(SESSION_CSRF, ""))
