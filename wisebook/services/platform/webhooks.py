"""Outgoing webhooks: an outbox written in the event's own transaction, delivered signed.

``emit`` adds one delivery per subscribed webhook in the transaction that posts the entry, so
an event is announced if and only if it happened. ``deliver`` POSTs it with
``X-WiseBook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the webhook's
own secret>`` (shown once when the webhook is made or its secret rotated; the receiver
recomputes it and refuses old timestamps). Only public addresses are called
(``wisebook.services.platform.outbound``), no redirect is followed. A failure is retried later with an
exponential backoff (1, 2, 4… minutes), at most ``MAX_ATTEMPTS`` times; the task queue calls
``deliver`` and ``due`` (see ``wisebook.tasks.schedule``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from wisebook.db import models, run
from wisebook.ledger.errors import InvalidInput, NotFound
from wisebook.services.platform import outbound

EVENTS = ("ecriture.validee", "exercice.cloture")
MAX_ATTEMPTS = 8
PENDING, DELIVERED, FAILED = "en_attente", "livre", "echec"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def create(
    session: Session, company_id: int, url: str, events: list[str], networks: Sequence[str] = ()
) -> tuple[models.Webhook, str]:
    """Subscribe a public http(s) address to some events; the webhook and its secret (the
    only time it is given)."""
    outbound.check_url(url, networks)
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise InvalidInput(f"Événements possibles : {', '.join(EVENTS)}.", field="evenements")
    secret = secrets.token_hex(32)
    hook = models.Webhook(company_id=company_id, url=url, events=",".join(sorted(set(events))), secret=secret)
    session.add(hook)
    session.flush()
    return hook, secret


def list_hooks(session: Session, company_id: int) -> list[models.Webhook]:
    """The company's webhooks, oldest first."""
    return list(
        session.scalars(
            select(models.Webhook).where(models.Webhook.company_id == company_id).order_by(models.Webhook.id)
        )
    )


def _hook(session: Session, company_id: int, hook_id: int) -> models.Webhook:
    hook = session.get(models.Webhook, hook_id)
    if hook is None or hook.company_id != company_id:
        raise NotFound("Webhook introuvable.")
    return hook


def delete(session: Session, company_id: int, hook_id: int) -> None:
    """Remove a webhook and its deliveries."""
    session.delete(_hook(session, company_id, hook_id))


def rotate_secret(session: Session, company_id: int, hook_id: int) -> tuple[models.Webhook, str]:
    """A new secret for the webhook (the old one stops signing at once); given only here."""
    hook = _hook(session, company_id, hook_id)
    hook.secret = secrets.token_hex(32)
    session.flush()
    return hook, hook.secret


def latest_deliveries(
    session: Session, company_id: int, hook_id: int, limit: int = 50
) -> list[models.WebhookDelivery]:
    """The webhook's deliveries, newest first, with their last status and error."""
    hook = _hook(session, company_id, hook_id)
    delivery = models.WebhookDelivery
    return list(
        session.scalars(
            select(delivery).where(delivery.webhook_id == hook.id).order_by(delivery.id.desc()).limit(limit)
        )
    )


def last_delivery(session: Session, hook_ids: Sequence[int]) -> dict[int, models.WebhookDelivery]:
    """The newest delivery of each webhook that has one."""
    delivery = models.WebhookDelivery
    newest = (
        select(delivery.webhook_id, func.max(delivery.id).label("id"))
        .where(delivery.webhook_id.in_(hook_ids))
        .group_by(delivery.webhook_id)
        .subquery()
    )
    rows = session.scalars(select(delivery).join(newest, newest.c.id == delivery.id))
    return {row.webhook_id: row for row in rows}


#: Built once, run as Core (db.run): every posting asks it.
_SUBSCRIBED = select(models.Webhook.id, models.Webhook.events).where(
    models.Webhook.company_id == bindparam("company"), models.Webhook.active.is_(True)
)


def emit(session: Session, company_id: int, event: str, payload: Mapping[str, Any]) -> list[int]:
    """Queue ``event`` for every active webhook of the company subscribed to it; their ids.

    The ids are also kept in ``session.info["wisebook.deliveries"]`` for whoever commits the
    session to hand to the task queue once the transaction is committed.
    """
    subscribed = [
        row.id for row in run(session, _SUBSCRIBED, company=company_id) if event in row.events.split(",")
    ]
    made: list[int] = []
    if subscribed:  # most postings: no webhook, one read and nothing written
        body = json.dumps({"evenement": event, "societe": company_id, "donnees": payload}, default=str)
        made = list(
            session.scalars(
                insert(models.WebhookDelivery)
                .values([{"webhook_id": i, "event": event, "payload": body} for i in subscribed])
                .returning(models.WebhookDelivery.id)
            )
        )
    session.info.setdefault("wisebook.deliveries", []).extend(made)
    return made


def deliver(
    session: Session,
    delivery_id: int,
    legacy_secret: str,
    now: dt.datetime | None = None,
    networks: Sequence[str] = (),
) -> bool:
    """Try one delivery now; True once delivered. Records the attempt and the next one.
    ``legacy_secret`` (WEBHOOK_SECRET) signs only for a webhook made before secrets were
    per webhook, until its secret is rotated."""
    now = now or dt.datetime.now(dt.UTC)
    delivery = session.get(models.WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != PENDING:
        return delivery is not None and delivery.status == DELIVERED
    hook = session.get(models.Webhook, delivery.webhook_id)
    assert hook is not None  # deliveries go with their webhook (ON DELETE CASCADE)
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WiseBook-Webhook/1",
        "X-WiseBook-Event": delivery.event,
        "X-WiseBook-Delivery": str(delivery.id),
        "X-WiseBook-Signature": sign(hook.secret or legacy_secret, int(now.timestamp()), body),
    }
    delivery.attempts += 1
    try:
        status = outbound.post(hook.url, body, headers, networks)
    except outbound.Refused as exc:  # the address turned private: never retried
        delivery.last_status, delivery.last_error = None, f"adresse refusée : {exc}"[:300]
        delivery.status = FAILED
        return False
    except (OSError, ValueError, http.client.HTTPException) as exc:
        delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"[:300]
    else:
        delivery.last_status = status
        if 300 <= status < 400:
            delivery.last_error = f"HTTP {status} : redirection non suivie"
        elif not 200 <= status < 300:
            delivery.last_error = f"HTTP {status}"
        else:
            delivery.last_error = None
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
