"""The OpenAPI document is the contract: every API route and method is in it, and it is served."""

from __future__ import annotations

import copy
import re

import fastjsonschema
from hypothesis import given
from hypothesis import strategies as st

from wisebook.web.api import ALIKE, compiled, spec, validator


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


def _schema_nodes(node, path="#"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            inner = value.values() if key == "properties" else [value]
            for child in inner:
                yield from _schema_nodes(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _schema_nodes(child, f"{path}[{index}]")


def test_the_contract_uses_only_what_the_compiled_check_reads_as_json_schema_2020_12_does():
    for name, schema in spec()["components"]["schemas"].items():
        for path, node in _schema_nodes(schema, name):
            assert set(node) <= ALIKE, f"{path}: {sorted(set(node) - ALIKE)}"
            if "$ref" in node:
                assert set(node) <= {"$ref", "description"}, (
                    f"{path}: $ref with siblings (draft 7 ignores them)"
                )
            assert not isinstance(node.get("items"), list), f"{path}: tuple items"


BODIES = {
    "EcritureSaisie": {
        "journal": "VTE",
        "date_comptable": "2026-01-15",
        "libelle": "Facture",
        "piece": "FA-1",
        "lignes": [
            {"compte": "4111", "libelle": "Client", "debit": "118000", "credit": "0", "tiers": "C001"},
            {"compte": "7011", "debit": 0, "credit": 118000},
        ],
        "valider": True,
    },
    "JournalSaisie": {"code": "CAI2", "libelle": "Caisse", "type": "tresorerie"},
    "Connexion": {"email": "a@b.ci", "password": "x" * 12},
}
ODD = [None, True, 0, -1, 10**20, "", "x" * 5000, "2026-13-45", [], {}, [1], {"a": 1}, "1e3", "-5", 3.5]


@given(st.data())
def test_a_body_the_compiled_check_accepts_is_one_the_contract_accepts(data):
    name = data.draw(st.sampled_from(sorted(BODIES)))
    body = copy.deepcopy(BODIES[name])
    for _ in range(data.draw(st.integers(1, 4))):  # a few changes to a well-formed body
        target = body
        listed = body.get("lignes") if name == "EcritureSaisie" else None
        lines = [ln for ln in listed if isinstance(ln, dict)] if isinstance(listed, list) else []
        if lines and data.draw(st.booleans()):
            target = data.draw(st.sampled_from(lines))
        key = data.draw(st.sampled_from([*target, "inconnu"]))
        action = data.draw(st.sampled_from(["set", "drop"]))
        if action == "drop":
            target.pop(key, None)
        else:
            target[key] = data.draw(st.sampled_from(ODD))
    accepted = True
    try:
        compiled(name)(body)
    except fastjsonschema.JsonSchemaValueException:
        accepted = False
    if accepted:
        assert list(validator(name).iter_errors(body)) == []
