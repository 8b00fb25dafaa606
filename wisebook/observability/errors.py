"""Errors reported to Sentry when ``SENTRY_DSN`` is set — without personal data or secrets.

Nothing identifying leaves: no user e-mail or address (``data_collection``: no user info, bodies or frame variables), no request
body, no cookie or authorisation header, and any secret value that would appear in a message
is replaced by ``[masqué]``, any e-mail address by ``[courriel]``, before the event is sent.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from wisebook.about import version
from wisebook.settings import Settings

log = logging.getLogger(__name__)

_SENSITIVE_HEADERS = {"authorization", "cookie", "x-csrf-token", "x-api-key", "set-cookie", "idempotency-key"}
_state: dict[str, Any] = {"on": False, "secrets": []}


_TOKEN = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+|\bwbk_[\w-]+")  # JWTs and API keys
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _mask(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, "[masqué]")
        value = _TOKEN.sub("[jeton]", value)
        return _EMAIL.sub("[courriel]", value)
    if isinstance(value, dict):
        return {k: _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, secrets) for v in value]
    return value


def scrub(event: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """The event without personal data, request bodies, credentials or secret values."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _SENSITIVE_HEADERS}
        query = request.get("query_string")
        if isinstance(query, str) and query:
            request["query_string"] = "[masqué]" if "jeton" in query or "token" in query else query
    user = event.get("user")
    if isinstance(user, dict):  # only the numeric id, never e-mail or address
        event["user"] = {"id": user["id"]} if "id" in user else {}
    masked: dict[str, Any] = _mask(event, secrets)
    return masked


def init(settings: Settings, component: str) -> bool:
    """Start reporting for this process (web, worker, scheduler); False when no DSN is set."""
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.pyramid import PyramidIntegration

    secrets = settings.secret_values()

    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        return scrub(event, secrets)

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        # No user details, request bodies or frame variables (they may hold passwords, tokens).
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
        release=f"wisebook-{version()}",
        server_name=component,
        integrations=[PyramidIntegration()],
        before_send=before_send,  # type: ignore[arg-type]
        max_request_body_size="never",
        traces_sample_rate=0,
    )
    sentry_sdk.set_tag("composant", component)
    _state.update(on=True, secrets=secrets)
    return True


def capture(exc: BaseException) -> None:
    """Report an exception caught outside a request (a failed task)."""
    if _state["on"]:
        import sentry_sdk

        sentry_sdk.capture_exception(exc)


def flush(timeout: float = 2.0) -> None:  # float-ok: seconds
    if _state["on"]:
        import sentry_sdk

        sentry_sdk.flush(timeout)
