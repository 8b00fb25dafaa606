"""What the operator sees of the web processes: request ids, access lines, /metrics, /health/."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.observability import logs, metrics
from wisebook.ops import health
from wisebook.web.api import json_response

log = logging.getLogger("wisebook.acces")

REQUEST_ID_HEADER = "X-Request-ID"


def observe_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Outermost: gives the request its id, then counts, times and logs its answer."""

    def tween(request: Request) -> Response:
        request.wisebook_request_id = logs.request_id(request.headers.get(REQUEST_ID_HEADER))
        token = logs.current_request.set(request)
        started = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            response.headers[REQUEST_ID_HEADER] = request.wisebook_request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = request.matched_route.name if request.matched_route is not None else "inconnue"
            if route != "metrics":
                metrics.observe_request(route, request.method, status, elapsed)
            log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path_info,
                status,
                elapsed * 1000,
                extra={"route": route, "status": status, "duree_ms": round(elapsed * 1000, 1)},
            )
            logs.current_request.reset(token)

    return tween


def health_view(request: Request) -> Response:
    """Database, Redis, worker and scheduler heartbeats, disk, last backup, queue."""
    registry = request.registry
    body = health.report(registry.wisebook_settings, registry.db_engine, registry.wisebook_queue)
    response = json_response(body, status=503 if body["status"] == health.DOWN else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


def _installation(registry: Any) -> metrics.InstallationCollector:
    settings, engine, queue = registry.wisebook_settings, registry.db_engine, registry.wisebook_queue

    def pool(kind: str) -> Callable[[], Any]:
        def read() -> Any:
            p = engine.pool
            if not hasattr(p, "checkedout"):
                return None
            return p.checkedout() if kind == "in_use" else p.size() + getattr(p, "_max_overflow", 0)

        return read

    def last_backup() -> Any:
        from wisebook.ops import backups

        found = backups.latest(settings)
        return None if found is None else time.time() - found.created_at.timestamp()

    def beats() -> Any:
        now = time.time()
        out: dict[str, Any] = {"_label": ["role"]}
        for role in ("worker", "scheduler"):
            beat = queue.process_beat(role)
            out[role] = None if beat is None else now - float(beat["beat"])  # float-ok: seconds
        return out

    return metrics.InstallationCollector(
        {
            "wisebook_task_queue_length": ("Tâches en attente dans la file.", queue.pending_count),
            "wisebook_task_scheduled": ("Tâches planifiées (relances différées).", queue.scheduled_count),
            "wisebook_db_connections_in_use": (
                "Connexions à la base en usage (ce processus).",
                pool("in_use"),
            ),
            "wisebook_db_connections_max": ("Connexions à la base au plus (ce processus).", pool("max")),
            "wisebook_last_backup_age_seconds": ("Âge de la dernière sauvegarde.", last_backup),
            "wisebook_disk_used_ratio": (
                "Part du disque des données utilisée.",
                lambda: metrics.disk_used_ratio(str(settings.data_dir)),
            ),
            "wisebook_process_heartbeat_age_seconds": ("Âge du dernier battement de cœur.", beats),
        }
    )


def metrics_view(request: Request) -> Response:
    """Prometheus text format (nginx serves it to loopback only)."""
    collector = request.registry.__dict__.get("wisebook_metrics")
    if collector is None:
        collector = request.registry.wisebook_metrics = _installation(request.registry)
    body, content_type = metrics.scrape(collector)
    response = Response(body=body)
    response.headers["Content-Type"] = content_type
    return response


def includeme(config: Any) -> None:
    """The tween over every other, and the two operator views."""
    config.add_tween(
        "wisebook.web.tweens.observe.observe_tween_factory",
        over="wisebook.web.tweens.headers.security_headers_tween_factory",
    )
    config.add_view(health_view, route_name="health", request_method=("GET", "HEAD"))
    config.add_view(metrics_view, route_name="metrics", request_method="GET")
