"""Health and the OpenAPI document."""

from __future__ import annotations

import importlib.metadata
import time
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import text

from . import json_response, spec


def _version() -> str:
    try:
        return importlib.metadata.version("wisebook")
    except importlib.metadata.PackageNotFoundError:
        return "3.0.0.dev0"


def health(request: Request) -> Response:
    """Database (and Redis when configured) reachability: ok, degraded or down."""
    checks: dict[str, Any] = {}
    started = time.perf_counter()
    try:
        request.db.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:  # noqa: BLE001 - any failure means the database is down
        checks["database"] = {"status": "down", "detail": type(exc).__name__}
    redis_url = request.registry.wisebook_settings.redis_url
    if redis_url:
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_timeout=1).ping()
            checks["redis"] = {"status": "ok"}
        except Exception as exc:  # noqa: BLE001 - any failure means Redis is unreachable
            checks["redis"] = {"status": "down", "detail": type(exc).__name__}
    if checks["database"]["status"] != "ok":
        status = "down"
    elif any(c["status"] != "ok" for c in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "checks": checks, "version": _version()}
    return json_response(body, status=503 if status == "down" else 200)


def openapi(request: Request) -> Response:
    """The API contract, the source of truth for request validation."""
    return json_response(spec())


def includeme(config: Any) -> None:
    """Public views: no permission needed."""
    config.add_view(health, route_name="health", request_method=("GET", "HEAD"))
    config.add_view(openapi, route_name="openapi", request_method="GET")
