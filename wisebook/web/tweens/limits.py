"""Request body limit: a body over the configured size is refused with 413 before it is read."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.exc import OperationalError

from wisebook.web.problems import busy, problem

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
IMPORT_PATH = "/api/v1/imports/ecritures/"


def body_limit_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """A tween that refuses oversized bodies, including chunked ones without a length. Files of
    entries sent for import have their own, larger bound."""
    settings = registry.wisebook_settings

    def too_big(limit: int) -> Response:
        return problem(413, f"Le corps de la requête dépasse {limit // (1024 * 1024)} Mo.")

    def tween(request: Request) -> Response:
        path = request.path_info  # as decoded (request.path quotes it again, at a cost)
        limit = settings.max_import_bytes if path == IMPORT_PATH else settings.max_body_bytes
        try:
            params = list(request.GET.items())
        except UnicodeDecodeError:
            return problem(400, "Paramètres de l'adresse : UTF-8 invalide.")
        if "\x00" in path or any("\x00" in name or "\x00" in value for name, value in params):
            return problem(400, "Caractère nul refusé dans l'adresse.")
        if request.content_type == "multipart/form-data":  # parsed later: its boundary first
            boundary = request.headers.get("Content-Type", "").partition("boundary=")[2].strip('" ;')
            if not boundary or len(boundary) > 70:
                return problem(400, "Corps multipart/form-data sans délimiteur (boundary) valide.")
        if request.method in BODY_METHODS:
            if request.content_length is not None:
                if request.content_length > limit:
                    return too_big(limit)
            elif request.is_body_readable:
                data = request.body_file_raw.read(limit + 1)
                if len(data) > limit:
                    return too_big(limit)
                request.body_file_raw = io.BytesIO(data)
                request.content_length = len(data)
        try:
            return handler(request)
        except OperationalError as exc:  # at commit, above the exception views
            locked = busy(exc)
            if locked is None:
                raise
            return locked

    return tween


def includeme(config: Any) -> None:
    """Install the body limit first, before anything reads the body."""
    config.add_tween(
        "wisebook.web.tweens.limits.body_limit_tween_factory", over="pyramid_tm.tm_tween_factory"
    )
