"""Outgoing webhooks of the company: list (with each one's last delivery), subscribe (its
secret shown once), rotate its secret, its deliveries, remove. Administrators only."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import webhooks
from wisebook.web.api import json_body, json_response


def _delivery(delivery: models.WebhookDelivery | None) -> dict[str, Any] | None:
    if delivery is None:
        return None
    return {
        "id": delivery.id,
        "evenement": delivery.event,
        "etat": delivery.status,
        "tentatives": delivery.attempts,
        "dernier_statut": delivery.last_status,
        "derniere_erreur": delivery.last_error,
        "cree_le": delivery.created_at,
        "livre_le": delivery.delivered_at,
    }


def _present(hook: models.Webhook, last: models.WebhookDelivery | None = None) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "evenements": hook.events.split(","),
        "actif": hook.active,
        "cree_le": hook.created_at,
        "secret_a_renouveler": hook.secret is None,  # still signed with the installation's secret
        "derniere_livraison": _delivery(last),
    }


def list_hooks(request: Request) -> dict[str, Any]:
    """The company's webhooks, each with its last delivery's status and error."""
    hooks = webhooks.list_hooks(request.db, request.company.id)
    last = webhooks.last_delivery(request.db, [h.id for h in hooks])
    return {"resultats": [_present(h, last.get(h.id)) for h in hooks]}


def create_hook(request: Request) -> Response:
    """Subscribe a public address; its signing secret is in this answer only."""
    data = json_body(request, "Webhook")
    networks = request.registry.wisebook_settings.webhook_allowed_networks
    hook, secret = webhooks.create(request.db, request.company.id, data["url"], data["evenements"], networks)
    return json_response({**_present(hook), "secret": secret}, status=201)


def rotate_secret(request: Request) -> Response:
    """A new signing secret for the webhook, in this answer only; the old one stops at once."""
    hook, secret = webhooks.rotate_secret(request.db, request.company.id, int(request.matchdict["id"]))
    return json_response({**_present(hook), "secret": secret})


def list_deliveries(request: Request) -> dict[str, Any]:
    """The webhook's last fifty deliveries, newest first."""
    found = webhooks.latest_deliveries(request.db, request.company.id, int(request.matchdict["id"]))
    return {"resultats": [_delivery(d) for d in found]}


def delete_hook(request: Request) -> Response:
    """Remove a webhook and its pending deliveries."""
    webhooks.delete(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def includeme(config: Any) -> None:
    """Webhooks are administration."""
    admin = Permission.ADMIN
    config.add_view(
        list_hooks, route_name="webhooks", request_method="GET", renderer="json", permission=admin
    )
    config.add_view(create_hook, route_name="webhooks", request_method="POST", permission=admin)
    config.add_view(delete_hook, route_name="webhook", request_method="DELETE", permission=admin)
    config.add_view(rotate_secret, route_name="webhook_secret", request_method="POST", permission=admin)
    config.add_view(
        list_deliveries,
        route_name="webhook_deliveries",
        request_method="GET",
        renderer="json",
        permission=admin,
    )
