"""The OpenAPI document (health and metrics: ``web.observe``)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.web.api import json_response, spec


def openapi(request: Request) -> Response:
    """The API contract, the source of truth for request validation."""
    return json_response(spec())


def includeme(config: Any) -> None:
    """Public view: no permission needed."""
    config.add_view(openapi, route_name="openapi", request_method="GET")
