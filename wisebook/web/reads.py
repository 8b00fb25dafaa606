"""Views that read without a transaction: ``config.add_view(..., transaction=False)``.

On PostgreSQL a transaction costs two round trips (``BEGIN``, then ``ROLLBACK`` or ``COMMIT``)
around the statements of a request. A read made of statements that stand alone — the caller's
credential, then one listing — gains nothing from it: at READ COMMITTED each statement sees its
own snapshot anyway. Such a view says ``transaction=False`` and its GET and HEAD requests run
each statement in autocommit (``wisebook.db``); anything else is as before. A view that writes,
sets a ``SET LOCAL`` or needs its statements to agree with one another keeps its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from pyramid.viewderivers import INGRESS

from wisebook.db import NO_TRANSACTION

READS = frozenset({"GET", "HEAD"})


def without_transaction(
    view: Callable[[Any, Request], Response], info: Any
) -> Callable[[Any, Request], Response]:
    """A view deriver, outside the permission check (the credential is read by the request's
    first statement): a view declared ``transaction=False`` reads in autocommit."""
    if info.options.get("transaction", True) is not False or info.exception_only:
        return view

    def unwrapped(context: Any, request: Request) -> Response:
        if request.method in READS:
            request.environ[NO_TRANSACTION] = True
        return view(context, request)

    return unwrapped


without_transaction.options = ("transaction",)  # type: ignore[attr-defined]


def includeme(config: Any) -> None:
    config.add_view_deriver(without_transaction, under=INGRESS, over="secured_view")
