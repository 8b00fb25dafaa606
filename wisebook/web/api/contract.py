"""Query parameters checked against the OpenAPI contract before any view reads them.

Bodies are read against the contract's schemas (``json_body``); this does the same for the
query string, so the contract and what the server takes cannot drift: a value the document
says is an integer from 1 to 500, a date or one of an enum is refused with a 422 naming the
parameter, whatever view serves the route. An empty value is a value (``du=`` is not a date);
a parameter the contract does not name is left to the view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import FieldError, InvalidInput
from wisebook.web.api import MAX_ERRORS, BoundedValidator, _message, spec

#: ``{id:\d{1,18}}`` (a route's placeholder with its regex) → ``{id}`` (the contract's).
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def contract_path(pattern: str) -> str:
    """The contract's path for a route pattern."""
    return _PLACEHOLDER.sub(r"{\1}", pattern)


@cache
def query_parameters(pattern: str, method: str) -> dict[str, tuple[bool, Any]]:
    """The query parameters the contract declares for one operation: name → (integer?, validator)."""
    document = spec()
    components = document["components"]
    operation = document["paths"].get(contract_path(pattern), {}).get(method.lower())
    if not isinstance(operation, dict):
        return {}
    found: dict[str, tuple[bool, Any]] = {}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = components["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        if parameter["in"] != "query":
            continue
        schema = parameter["schema"]
        resolved = components["schemas"][schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
        checker = BoundedValidator({**schema, "components": components})
        found[parameter["name"]] = (resolved.get("type") == "integer", checker)
    return found


def check_query(request: Request) -> None:
    """422 with each contract breach of the query string, by parameter; nothing when it keeps it."""
    route = request.matched_route
    if route is None:
        return
    declared = query_parameters(route.pattern, request.method)
    if not declared or not request.GET:
        return
    errors: dict[str, str] = {}
    for name, raw in request.GET.items():
        if name not in declared or name in errors or len(errors) >= MAX_ERRORS:
            continue
        integer, checker = declared[name]
        value: Any = raw
        if integer:
            if not _INTEGER.fullmatch(raw):
                errors[name] = "Entier attendu."
                continue
            value = int(raw)
        problem = next(iter(checker.iter_errors(value)), None)
        if problem is not None:
            errors[name] = _message(problem)[1]
    if errors:
        raise InvalidInput(
            "La requête ne respecte pas le contrat de l'API.",
            errors=[FieldError(field, message) for field, message in errors.items()],
        )


def contract_query(view: Callable[[Any, Request], Response], info: Any) -> Callable[[Any, Request], Response]:
    """A view deriver: the query is checked before the view runs (after the permission check);
    exception views, which answer a request already refused, are left as they are."""
    if info.exception_only:
        return view

    def checked(context: Any, request: Request) -> Response:
        if getattr(request, "exception", None) is None:
            check_query(request)
        return view(context, request)

    return checked


def includeme(config: Any) -> None:
    config.add_view_deriver(contract_query)
