"""API keys of the company: list, create (the key is shown once), revoke. Administrators only."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.services.access import api_keys
from wisebook.services.access.permissions import Permission
from wisebook.web.api import json_body, json_response


def _present(key: Any) -> dict[str, Any]:
    return {
        "id": key.id,
        "nom": key.name,
        "role": key.role,
        "prefixe": f"{api_keys.PREFIX}{key.prefix}",
        "cree_le": key.created_at,
        "utilisee_le": key.last_used_at,
        "revoquee_le": key.revoked_at,
    }


def list_keys(request: Request) -> dict[str, Any]:
    """The company's keys, without their secrets."""
    return {"resultats": [_present(k) for k in api_keys.list_keys(request.db, request.company.id)]}


def create_key(request: Request) -> Response:
    """A new key for an integration: one role in this company; its value is in this answer only."""
    data = json_body(request, "CleApi")
    key, value = api_keys.create_key(
        request.db, request.company.id, data["nom"], data["role"], request.wisebook_identity.user_id
    )
    return json_response({**_present(key), "cle": value}, status=201)


def revoke_key(request: Request) -> Response:
    """Revoke a key at once."""
    api_keys.revoke_key(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def includeme(config: Any) -> None:
    """Keys are administration."""
    config.add_view(
        list_keys, route_name="api_keys", request_method="GET", renderer="json", permission=Permission.ADMIN
    )
    config.add_view(create_key, route_name="api_keys", request_method="POST", permission=Permission.ADMIN)
    config.add_view(revoke_key, route_name="api_key", request_method="DELETE", permission=Permission.ADMIN)
