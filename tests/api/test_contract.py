"""The OpenAPI document is the contract: every API route and method is in it, and it is served."""

from __future__ import annotations

import re

from wisebook.web.api import spec, validator


def _api_views(app):
    introspector = app.registry.introspector
    routes = {
        i["introspectable"]["name"]: i["introspectable"]["pattern"]
        for i in introspector.get_category("routes")
    }
    found = set()
    for item in introspector.get_category("views"):
        view = item["introspectable"]
        route = view["route_name"]
        if route is None or not routes.get(route, "").startswith(("/api/", "/health/", "/metrics")):
            continue
        methods = view["request_methods"] or ()
        methods = (methods,) if isinstance(methods, str) else methods
        for method in methods:
            if method != "HEAD":
                found.add((re.sub(r"\{(\w+):[^/]*\}", r"{\1}", routes[route]), method.lower()))
    return found


def test_every_api_route_and_method_is_in_the_contract(app):
    documented = {
        (path, method) for path, ops in spec()["paths"].items() for method in ops if method != "parameters"
    }
    served = _api_views(app)
    assert served, "no API view found"
    assert served == documented


def test_every_request_schema_named_in_the_contract_compiles():
    for name in spec()["components"]["schemas"]:
        validator(name)


def test_the_contract_is_served(testapp, engine):
    body = testapp.get("/api/v1/openapi.json", status=200).json
    assert body["openapi"].startswith("3.1")
    assert "/api/v1/ecritures/" in body["paths"]
