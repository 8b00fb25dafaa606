"""Outgoing webhooks: written with the event, delivered signed to a real HTTP server, retried."""

from __future__ import annotations

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
from wisebook.services import webhooks


class Receiver:
    """A local HTTP server answering the statuses it is given, and keeping what it got."""

    def __init__(self) -> None:
        self.received: list[tuple[object, bytes]] = []  # headers (case-insensitive) and body
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib calls it by this name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.server.shutdown()


def deliveries(engine):
    with Session(engine) as s:
        return s.scalars(select(models.WebhookDelivery).order_by(models.WebhookDelivery.id)).all()


def test_posting_an_entry_queues_a_signed_delivery(api, engine, app, receiver):
    api.post("/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201)
    api.post("/api/v1/ecritures/", sale(post=False), status=201)  # a draft: nothing to tell
    api.post("/api/v1/ecritures/", {**sale(), "lignes": sale()["lignes"][:1]}, status=422)  # refused
    assert deliveries(engine) == []
    posted = api.post("/api/v1/ecritures/", sale(), status=201).json
    [queued] = deliveries(engine)
    assert queued.status == "en_attente" and queued.event == "ecriture.validee"
    secret = app.registry.wisebook_settings.webhook_secret
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as s, s.begin():
        assert webhooks.deliver(s, queued.id, secret, now)
    [(headers, body)] = receiver.received
    payload = json.loads(body)
    assert payload["evenement"] == "ecriture.validee" and payload["donnees"]["numero"] == posted["numero"]
    assert payload["donnees"]["total"] == "118000"
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-WiseBook-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected) and int(stamp) == int(now.timestamp())
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
        assert not webhooks.deliver(s, queued.id, secret, now)
    with Session(engine) as s:
        assert webhooks.due(s, now) == []  # not before its minute
        assert webhooks.due(s, now + dt.timedelta(minutes=1)) == [queued.id]
    with Session(engine) as s, s.begin():
        assert not webhooks.deliver(s, queued.id, secret, now + dt.timedelta(minutes=1))
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
            assert not webhooks.deliver(s, queued.id, secret)
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

    from wisebook.tasks import Queue

    tasks = Queue(app.registry.wisebook_settings, engine, MemoryHuey(immediate=True)).periodic
    api.post("/api/v1/webhooks/", {"url": receiver.url, "evenements": ["ecriture.validee"]}, status=201)
    api.post("/api/v1/ecritures/", sale(), status=201)
    api.post("/api/v1/ecritures/", sale(), status=201)
    receiver.statuses = [500]
    assert tasks["deliver_webhooks"].call_local() == (1, 1)  # one delivered, one waits its minute
    assert tasks["deliver_webhooks"].call_local() == (0, 0)  # nothing due yet
    assert len(receiver.received) == 2
    assert sorted(d.status for d in deliveries(engine)) == ["en_attente", "livre"]
