"""Outgoing webhooks: an outbox written in the event's own transaction, delivered signed.

``emit`` adds one delivery per subscribed webhook in the transaction that posts the entry, so
an event is announced if and only if it happened. ``deliver`` POSTs it with
``X-WiseBook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with WEBHOOK_SECRET>``
(the receiver recomputes it and refuses old timestamps). A failure is retried later with an
exponential backoff (1, 2, 4… minutes), at most ``MAX_ATTEMPTS`` times; the task queue calls
``deliver`` and ``due`` (see ``wisebook.tasks``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import models
from ..ledger.errors import InvalidInput, NotFound

EVENTS = ("ecriture.validee", "exercice.cloture")
MAX_ATTEMPTS = 8
PENDING, DELIVERED, FAILED = "en_attente", "livre", "echec"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def create(session: Session, company_id: int, url: str, events: list[str]) -> models.Webhook:
    """Subscribe an http(s) address to some events."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("Adresse http(s) complète attendue.", field="url")
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise InvalidInput(f"Événements possibles : {', '.join(EVENTS)}.", field="evenements")
    hook = models.Webhook(company_id=company_id, url=url, events=",".join(sorted(set(events))))
    session.add(hook)
    session.flush()
    return hook


def list_hooks(session: Session, company_id: int) -> list[models.Webhook]:
    return list(session.scalars(select(models.Webhook).where(models.Webhook.company_id == company_id)))


def delete(session: Session, company_id: int, hook_id: int) -> None:
    hook = session.get(models.Webhook, hook_id)
    if hook is None or hook.company_id != company_id:
        raise NotFound("Webhook introuvable.")
    session.delete(hook)


def emit(session: Session, company_id: int, event: str, payload: Mapping[str, Any]) -> list[int]:
    """Queue ``event`` for every active webhook of the company subscribed to it; their ids.

    The ids are also kept in ``session.info["wisebook.deliveries"]`` for whoever commits the
    session to hand to the task queue once the transaction is committed.
    """
    hooks = session.scalars(
        select(models.Webhook).where(models.Webhook.company_id == company_id, models.Webhook.active.is_(True))
    ).all()
    body = json.dumps({"evenement": event, "societe": company_id, "donnees": payload}, default=str)
    made = []
    for hook in hooks:
        if event in hook.events.split(","):
            delivery = models.WebhookDelivery(webhook_id=hook.id, event=event, payload=body)
            session.add(delivery)
            session.flush()
            made.append(delivery.id)
    session.info.setdefault("wisebook.deliveries", []).extend(made)
    return made


def deliver(session: Session, delivery_id: int, secret: str, now: dt.datetime | None = None) -> bool:
    """Try one delivery now; True once delivered. Records the attempt and the next one."""
    now = now or dt.datetime.now(dt.UTC)
    delivery = session.get(models.WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != PENDING:
        return delivery is not None and delivery.status == DELIVERED
    hook = session.get(models.Webhook, delivery.webhook_id)
    assert hook is not None  # deliveries go with their webhook (ON DELETE CASCADE)
    body = delivery.payload.encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked at subscription
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "WiseBook-Webhook/1",
            "X-WiseBook-Event": delivery.event,
            "X-WiseBook-Delivery": str(delivery.id),
            "X-WiseBook-Signature": sign(secret, int(now.timestamp()), body),
        },
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            delivery.last_status = answer.status
            delivery.last_error = None
    except urllib.error.HTTPError as exc:
        delivery.last_status, delivery.last_error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"[:300]
    if delivery.last_status is not None and 200 <= delivery.last_status < 300:
        delivery.status, delivery.delivered_at = DELIVERED, now
        return True
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 1 minute after the first failure, then doubling."""
    return dt.timedelta(minutes=2 ** (attempts - 1))


def due(session: Session, now: dt.datetime | None = None, limit: int = 100) -> list[int]:
    """Pending deliveries whose next attempt has come (the periodic sweep)."""
    now = now or dt.datetime.now(dt.UTC)
    delivery = models.WebhookDelivery
    return list(
        session.scalars(
            select(delivery.id)
            .where(delivery.status == PENDING, delivery.next_attempt_at <= now)
            .order_by(delivery.next_attempt_at)
            .limit(limit)
        )
    )
