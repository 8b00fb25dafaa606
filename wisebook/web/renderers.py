"""The JSON renderer (Decimal and dates as strings, never floats), and pages rendered with a
status of their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.renderers import JSON, render_to_response
from pyramid.request import Request
from pyramid.response import Response

from wisebook.web.i18n import translate
from wisebook.web.messages import said


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A template rendered as the answer, with ``status`` (a refused form is a 4xx page)."""
    response = render_to_response(template, context, request=request)
    response.status_int = status
    return response


def message_page(request: Request, title: str, text: str, status: int) -> Response:
    """A page that says one thing (a refusal, an impossible action), in the reader's language."""
    context = {"titre": translate(request, title), "message": said(request, translate(request, text))}
    return page(request, "message.html", context, status)


def includeme(config: Any) -> None:
    """Replace Pyramid's ``json`` renderer with one that knows our value types."""
    renderer = JSON(ensure_ascii=False)
    renderer.add_adapter(Decimal, lambda value, _request: str(value))
    renderer.add_adapter(dt.date, lambda value, _request: value.isoformat())
    renderer.add_adapter(dt.datetime, lambda value, _request: value.isoformat())
    config.add_renderer("json", renderer)
