"""Behind nginx, ``wisebook-ctl web`` takes the client's address and scheme from X-Forwarded-*
— from the proxy on 127.0.0.1 only: any other peer's headers are dropped, so nobody can pass for
another address (the login throttle counts per address) or for HTTPS."""

from __future__ import annotations

import http.client
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, served
from wisebook.db import models

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _login_from(base: str, source: str) -> http.client.HTTPResponse:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    connection.request("POST", "/api/v1/auth/login/", body, {**FORWARDED, "Content-Type": "application/json"})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def _session_cookie(answer: http.client.HTTPResponse) -> str:
    return next(c for c in answer.headers.get_all("Set-Cookie") if c.startswith("wisebook_session="))


def test_forwarded_headers_count_from_the_local_proxy_only(backend_settings, engine, books):
    with served(backend_settings, "web") as base:
        proxied = _login_from(base, "127.0.0.1")  # nginx
        stranger = _login_from(base, "127.0.0.2")  # any other peer (loopback too, but not nginx)
    assert proxied.status == stranger.status == 200
    assert "secure" in _session_cookie(proxied).lower()  # https, as nginx said
    assert "secure" not in _session_cookie(stranger).lower()  # its claim of https dropped
    with Session(engine) as s:
        addresses = s.scalars(
            select(models.BrowserSession.client_addr).order_by(models.BrowserSession.id)
        ).all()
    assert addresses == ["203.0.113.7", "127.0.0.2"]
