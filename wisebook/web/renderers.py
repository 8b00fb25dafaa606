"""The JSON renderer (Decimal and dates as strings, never floats), and pages rendered with a
status of their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.renderers import JSON, render_to_response
from pyramid.request import Request
from pyramid.response import Response

from wisebook.services.access import auth
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


def date_time(value: Any) -> str:
    """15/01/2026 14:05 (UTC), as the monitor shows times."""
    if not value:
        return ""
    moment = auth.aware(value) if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M")


def templates(config: Any) -> None:
    """The pages' Jinja2 templates (autoescaped, ``.html``), after the i18n settings they read."""
    config.registry.settings["jinja2.filters"] = {"date_heure": date_time}
    config.registry.settings["jinja2.autoescape"] = "true"
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".html")
    config.add_jinja2_search_path("wisebook.web:templates", name=".html")
