"""Outgoing webhooks of the company: list, subscribe, remove. Administrators only."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ...services import webhooks
from ...services.permissions import Permission
from . import json_body, json_response


def _present(hook: Any) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "evenements": hook.events.split(","),
        "actif": hook.active,
        "cree_le": hook.created_at,
    }


def list_hooks(request: Request) -> dict[str, Any]:
    """The company's webhooks."""
    return {"resultats": [_present(h) for h in webhooks.list_hooks(request.db, request.company.id)]}


def create_hook(request: Request) -> Response:
    """Subscribe an address; deliveries are signed with WEBHOOK_SECRET (X-WiseBook-Signature)."""
    data = json_body(request, "Webhook")
    hook = webhooks.create(request.db, request.company.id, data["url"], data["evenements"])
    return json_response(_present(hook), status=201)


def delete_hook(request: Request) -> Response:
    """Remove a webhook and its pending deliveries."""
    webhooks.delete(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def includeme(config: Any) -> None:
    """Webhooks are administration."""
    config.add_view(
        list_hooks, route_name="webhooks", request_method="GET", renderer="json", permission=Permission.ADMIN
    )
    config.add_view(create_hook, route_name="webhooks", request_method="POST", permission=Permission.ADMIN)
    config.add_view(delete_hook, route_name="webhook", request_method="DELETE", permission=Permission.ADMIN)
