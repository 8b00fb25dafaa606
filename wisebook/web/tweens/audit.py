"""The audit log: every write that succeeds is recorded in its own transaction.

A tween inside pyramid_tm's (and above the exception views) sees the final answer of every
request; for an unsafe method that succeeded it adds one row to ``audit_log`` in the same
transaction as the write, so the row lands if and only if the write does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import insert

from wisebook.db import models, run
from wisebook.db.meta import Base
from wisebook.ledger.errors import LedgerError

#: One row per write, inserted as Core in the request's transaction (built once).
_RECORD = insert(Base.metadata.tables[models.AuditEntry.__tablename__])
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Set by views that establish who the caller is (login): the user and company to record.
AUDIT_USER, AUDIT_COMPANY = "wisebook.audit.user", "wisebook.audit.company"


def audit_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Record each successful write with who, when, which company, what and from where."""

    def tween(request: Request) -> Response:
        response = handler(request)
        if request.method not in UNSAFE or response.status_int >= 400 or request.matched_route is None:
            return response
        identity = request.wisebook_identity
        try:
            company = request.company if identity is not None else None
        except LedgerError:  # an X-Societe the caller is no member of, on a route needing none
            company = None
        matchdict = request.matchdict or {}
        key = identity is not None and identity.api_key_id is not None  # a key is its own principal
        user_id = identity.user_id if identity else request.environ.get(AUDIT_USER)
        run(
            request.db,
            _RECORD,
            company_id=company.id if company else request.environ.get(AUDIT_COMPANY),
            user_id=None if key else user_id,
            api_key_id=identity.api_key_id if key else None,
            api_key_name=identity.api_key_name if key else None,
            method=request.method,
            path=request.path[:500],
            action=request.matched_route.name,
            target=str(matchdict.get("id", matchdict.get("code")))
            if matchdict.keys() & {"id", "code"}
            else None,
            status=response.status_int,
            client_addr=(request.client_addr or "")[:64] or None,
        )
        return response

    return tween


def includeme(config: Any) -> None:
    """Inside the transaction, above the exception views (which turn errors into answers)."""
    config.add_tween(
        "wisebook.web.tweens.audit.audit_tween_factory",
        under="pyramid_tm.tm_tween_factory",
        over="pyramid.tweens.excview_tween_factory",
    )
