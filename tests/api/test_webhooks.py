"""Outgoing webhooks: written with the event, delivered signed to a real HTTP server, retried."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import sale
from wisebook.db import models
from wisebook.services.platform import webhooks


class Receiver:
    """A local HTTP server answering the statuses it is given, and keeping what it got."""

    def __init__(self) -> None:
        self.received: list[tuple[object, bytes]] = []  # headers (case-insensitive) and body
        self.statuses: list[int] = []
        self.location = "http://127.0.0.1:1/ailleurs"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib calls it by this name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


LAN = ("127.0.0.0/8",)  # the test receivers listen on loopback: allowed as an office LAN would be


@pytest.fixture
def lan(app):
    """The operator allows the receivers' network (WISEBOOK_WEBHOOK_ALLOWED_NETWORKS)."""
    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(settings, webhook_allowed_networks=LAN)
    yield LAN
    app.registry.wisebook_settings = settings


@pytest.fixture
def receiver(lan):
    made = Receiver()
    yield made
    made.server.shutdown()


def deliveries(engine):
    with Session(engine) as s:
        return s.scalars(select(models.WebhookDelivery).order_by(models.WebhookDelivery.id)).all()


def test_posting_an_entry_queues_a_signed_delivery(api, engine, app, receiver):
    made = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201
    )
    api.post("/api/v1/ecritures/", sale(post=False), status=201)  # a draft: nothing to tell
    api.post("/api/v1/ecritures/", {**sale(), "lignes": sale()["lignes"][:1]}, status=422)  # refused
    assert deliveries(engine) == []
    posted = api.post("/api/v1/ecritures/", sale(), status=201).json
    [queued] = deliveries(engine)
    assert queued.status == "en_attente" and queued.event == "ecriture.validee"
    secret = made.json["secret"]  # the webhook's own, given once
    shared = app.registry.wisebook_settings.webhook_secret
    assert len(secret) == 64 and secret != shared
    assert "secret" not in api.get("/api/v1/webhooks/").json["resultats"][0]
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as s, s.begin():
        assert webhooks.deliver(s, queued.id, shared, now, networks=LAN)
    [(headers, body)] = receiver.received
    payload = json.loads(body)
    assert payload["evenement"] == "ecriture.validee" and payload["donnees"]["numero"] == posted["numero"]
    assert payload["donnees"]["total"] == "118000"
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-WiseBook-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected) and int(stamp) == int(now.timestamp())
    forged = hmac.new(shared.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert mac != forged  # the installation's shared secret signs nothing any more
    assert headers["X-WiseBook-Event"] == "ecriture.validee"
    assert deliveries(engine)[0].status == "livre"


def test_a_failing_receiver_is_retried_with_a_growing_delay_then_given_up(api, engine, app, receiver):
    api.post("/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201)
    api.post("/api/v1/ecritures/", sale(), status=201)
    [queued] = deliveries(engine)
    secret = app.registry.wisebook_settings.webhook_secret
    now = dt.datetime.now(dt.UTC)
    receiver.statuses = [500, 503]
    with Session(engine) as s, s.begin():
        assert not webhooks.deliver(s, queued.id, secret, now, networks=LAN)
    with Session(engine) as s:
        assert webhooks.due(s, now) == []  # not before its minute
        assert webhooks.due(s, now + dt.timedelta(minutes=1)) == [queued.id]
    with Session(engine) as s, s.begin():
        assert not webhooks.deliver(s, queued.id, secret, now + dt.timedelta(minutes=1), networks=LAN)
    row = deliveries(engine)[0]
    assert (row.attempts, row.last_status) == (2, 503)
    with Session(engine) as s:
        later = now + dt.timedelta(minutes=1)
        assert webhooks.due(s, later + dt.timedelta(minutes=1, seconds=59)) == []  # 2 minutes now
        assert webhooks.due(s, later + dt.timedelta(minutes=2)) == [queued.id]
    receiver.server.shutdown()
    receiver.server.server_close()  # nobody listens any more
    with Session(engine) as s, s.begin():
        for _ in range(webhooks.MAX_ATTEMPTS - 2):
            assert not webhooks.deliver(s, queued.id, secret, networks=LAN)
    row = deliveries(engine)[0]
    assert (
        row.status == "echec" and row.attempts == webhooks.MAX_ATTEMPTS and "Error" in (row.last_error or "")
    )


def test_bad_subscriptions_are_refused(api):
    for body, field in (
        ({"url": "ftp://exemple.ci/x", "evenements": ["ecriture.validee"]}, "url"),
        ({"url": "https://exemple.ci/x", "evenements": ["tout"]}, "evenements"),
    ):
        answer = api.post("/api/v1/webhooks/", body, status=422)
        assert answer.json["erreurs"][0]["champ"].startswith(field)
    api.delete("/api/v1/webhooks/999/", status=404)


def test_the_periodic_task_delivers_what_is_due(api, engine, app, receiver):
    from huey import MemoryHuey

    from wisebook.tasks.queue import Queue

    tasks = Queue(app.registry.wisebook_settings, engine, MemoryHuey(immediate=True)).periodic
    api.post("/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201)
    api.post("/api/v1/ecritures/", sale(), status=201)
    api.post("/api/v1/ecritures/", sale(), status=201)
    receiver.statuses = [500]
    assert tasks["deliver_webhooks"].call_local() == (1, 1)  # one delivered, one waits its minute
    assert tasks["deliver_webhooks"].call_local() == (0, 0)  # nothing due yet
    assert len(receiver.received) == 2
    assert sorted(d.status for d in deliveries(engine)) == ["en_attente", "livre"]


def test_each_webhook_has_its_own_secret_and_a_rotation_ends_the_old_one(api, engine, receiver):
    first = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201
    )
    second = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201
    )
    assert first.json["secret"] != second.json["secret"]
    hook = first.json["id"]
    rotated = api.post(f"/api/v1/webhooks/{hook}/secret/", status=200).json["secret"]
    assert rotated not in (first.json["secret"], second.json["secret"])
    api.post("/api/v1/ecritures/", sale(), status=201)
    with Session(engine) as s, s.begin():
        for delivery in s.scalars(select(models.WebhookDelivery)).all():
            webhooks.deliver(s, delivery.id, "x" * 40, networks=LAN)
    by_hook = {int(h["X-WiseBook-Delivery"]): (h, body) for h, body in receiver.received}
    with Session(engine) as s:
        first_delivery = s.scalars(
            select(models.WebhookDelivery.id).where(models.WebhookDelivery.webhook_id == hook)
        ).one()
    headers, body = by_hook[first_delivery]
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-WiseBook-Signature"].split(","))
    for secret, valid in ((rotated, True), (first.json["secret"], False)):
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(mac, expected) is valid
    api.post("/api/v1/webhooks/999/secret/", status=404)


PRIVATE = (
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://localhost:8000/",
    "http://10.1.2.3/",
    "http://192.168.1.10/erp",
    "http://172.16.0.5/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "https://user:secret@erp.exemple.ci/hook",
    "https://@erp.exemple.ci/hook",
    "ftp://erp.exemple.ci/hook",
)


def test_private_targets_and_credentials_are_refused(api, app):
    for url in PRIVATE:
        answer = api.post("/api/v1/webhooks/", {"url": url, "evenements": ["ecriture.validee"]}, status=422)
        assert answer.json["erreurs"][0]["champ"] == "url", url
    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(
        settings, webhook_allowed_networks=("192.168.0.0/16",)
    )
    try:  # the operator allows the office LAN: that network only
        api.post(
            "/api/v1/webhooks/",
            {"url": "http://192.168.1.10/erp", "evenements": ["ecriture.validee"]},
            status=201,
        )
        api.post(
            "/api/v1/webhooks/",
            {"url": "http://127.0.0.1:6379/", "evenements": ["ecriture.validee"]},
            status=422,
        )
    finally:
        app.registry.wisebook_settings = settings
    assert api.get("/api/v1/webhooks/").json["resultats"][0]["url"] == "http://192.168.1.10/erp"


def test_the_address_is_checked_again_at_delivery_and_no_redirect_is_followed(api, engine, receiver):
    hook = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201
    )
    other = Receiver()  # where a redirect would lead
    receiver.location = other.url
    receiver.statuses = [302]
    api.post("/api/v1/ecritures/", sale(), status=201)
    [queued] = deliveries(engine)
    with Session(engine) as s, s.begin():
        assert not webhooks.deliver(s, queued.id, "x" * 40, networks=LAN)
    assert other.received == [] and len(receiver.received) == 1
    other.server.shutdown()
    shown = api.get("/api/v1/webhooks/").json["resultats"][0]["derniere_livraison"]
    assert (shown["dernier_statut"], shown["etat"]) == (302, "en_attente")
    assert "redirection non suivie" in shown["derniere_erreur"]
    listed = api.get(f"/api/v1/webhooks/{hook.json['id']}/livraisons/").json["resultats"]
    assert [d["id"] for d in listed] == [queued.id]
    with Session(engine) as s, s.begin():  # the operator no longer allows that network
        assert not webhooks.deliver(s, queued.id, "x" * 40, networks=())
    row = deliveries(engine)[0]
    assert row.status == "echec" and row.last_error.startswith("adresse refusée")
    assert len(receiver.received) == 1  # nothing was sent
