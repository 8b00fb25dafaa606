"""Login protection: throttling per address and per account, and no user enumeration."""

from __future__ import annotations

import statistics
import time

import pytest
import redis
from argon2 import PasswordHasher
from sqlalchemy import select, update

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login
from wisebook.db import models
from wisebook.services.access import throttle
from wisebook.services.access.users import HASHER

LOGIN = "/api/v1/auth/login/"


class Clock:
    """A clock the test moves by hand; the limiter reads it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # the start of a window

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    moved = Clock()
    app.registry.wisebook_limiter.clock = moved
    return moved


def attempt(testapp, email, password, address="198.51.100.7", status="*"):
    return testapp.post_json(
        LOGIN, {"email": email, "password": password}, extra_environ={"REMOTE_ADDR": address}, status=status
    )


def test_five_failures_lock_the_pair_account_and_address_for_the_rest_of_the_minute(testapp, books, clock):
    for n in range(5):
        attempt(testapp, ADMIN_EMAIL, f"faux-{n}", address="203.0.113.9", status=401)
    refused = attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="203.0.113.9", status=429)
    assert refused.content_type == "application/problem+json"
    assert refused.headers["Retry-After"] == "60"
    # The attacker's address is stopped, not the account: its owner logs in from elsewhere.
    attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.20", status=200)
    clock.now += 45
    assert (
        attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="203.0.113.9", status=429).headers[
            "Retry-After"
        ]
        == "15"
    )
    clock.now += 15  # a new minute
    assert "token" in attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="203.0.113.9", status=200).json


def test_failures_from_many_addresses_lock_the_account_but_not_its_owner_s_browser(books, app, clock):
    import webtest

    owner = webtest.TestApp(app)  # the owner's browser has logged in before: it keeps a device cookie
    attempt(owner, ADMIN_EMAIL, ADMIN_PASSWORD, address="192.0.2.10", status=200)
    assert "wisebook_appareil" in owner.cookies
    stranger = webtest.TestApp(app)
    for n in range(50):  # a botnet: one failure from each of fifty addresses
        attempt(stranger, ADMIN_EMAIL, f"faux-{n}", address=f"203.0.{n // 250}.{n % 250 + 1}", status=401)
    attempt(stranger, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.30", status=429)
    forged = webtest.TestApp(app)
    forged.set_cookie("wisebook_appareil", "0" * 32 + "." + "0" * 32)
    attempt(forged, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.31", status=429)
    attempt(owner, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.32", status=200)


def test_twenty_failures_from_an_address_stop_it_whatever_the_account(testapp, books, clock):
    for n in range(20):
        attempt(testapp, f"personne{n}@exemple.ci", "faux", address="198.51.100.1", status=401)
    attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.1", status=429)
    # Another address still logs in: the account itself had no failure from there.
    attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="198.51.100.2", status=200)


def test_an_office_behind_one_address_logs_ten_people_in_at_eight(testapp, books, clock, app, engine):
    import dataclasses

    from sqlalchemy.orm import Session

    from wisebook.services.access import members, users

    with Session(engine) as s, s.begin():
        for n in range(10):
            user = users.create_user(s, f"comptable{n}@cabinet.ci", "un mot de passe assez long")
            members.add_member(s, books.company_id, user.id, "comptable")
    settings = app.registry.wisebook_settings
    default = type(settings).__dataclass_fields__["login_requests_per_minute"].default
    app.registry.wisebook_settings = dataclasses.replace(settings, login_requests_per_minute=default)
    try:
        for n in range(10):  # two typos on the way, as happens at 8:00
            if n in (3, 7):
                attempt(
                    testapp, f"comptable{n}@cabinet.ci", "faute de frappe", address="41.202.1.1", status=401
                )
            attempt(
                testapp,
                f"comptable{n}@cabinet.ci",
                "un mot de passe assez long",
                address="41.202.1.1",
                status=200,
            )
    finally:
        app.registry.wisebook_settings = settings


def test_successes_do_not_count(testapp, books, clock):
    for _ in range(8):
        attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, status=200)


def test_an_unknown_account_and_a_wrong_password_look_the_same(testapp, books, clock):
    unknown = attempt(testapp, "inconnu@exemple.ci", "faux", address="192.0.2.1", status=401)
    wrong = attempt(testapp, ADMIN_EMAIL, "faux", address="192.0.2.2", status=401)
    assert unknown.json == wrong.json
    assert unknown.headers.get("Content-Length") == wrong.headers.get("Content-Length")


def test_an_unknown_account_takes_as_long_as_a_wrong_password(testapp, books, clock):
    def timed(email: str, n: int) -> float:
        clock.now += 60  # a fresh window for each try: the throttle stays out of the way
        started = time.perf_counter()
        attempt(testapp, email, "faux", address=f"192.0.2.{n}", status=401)
        return time.perf_counter() - started

    # Taken in turns, so that a busy moment of the machine weighs on both alike.
    pairs = [(timed("inconnu@exemple.ci", 2 * n), timed(ADMIN_EMAIL, 2 * n + 1)) for n in range(7)]
    unknown = statistics.median(u for u, _ in pairs)
    known = statistics.median(k for _, k in pairs)
    # Both run one argon2id verification (tens of milliseconds); no branch skips it.
    assert 0.5 < unknown / known < 2.0


def test_the_redis_limiter_counts_in_windows(clock):
    limiter = throttle.RedisLimiter("redis://127.0.0.1:6379/15", clock=clock)
    limiter.client.flushdb()
    try:
        assert limiter.count("k") == (0, 60)
        assert [limiter.fail("k") for _ in range(3)] == [1, 2, 3]
        clock.now += 59
        assert limiter.count("k") == (3, 1)
        clock.now += 1
        assert limiter.count("k") == (0, 60)
        assert limiter.client.ttl(limiter._key("k", int(clock.now))) == -2  # nothing written yet
        limiter.fail("k")
        assert 0 < limiter.client.ttl(limiter._key("k", int(clock.now))) <= 120
    finally:
        limiter.client.flushdb()


def test_redis_is_really_there():
    """CI runs the Redis tests against a real server (tests/services.sh starts it)."""
    assert redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()


def test_a_password_change_revokes_every_token_of_the_user(testapp, books, clock):
    from tests.conftest import Api, login

    first = Api(testapp, login(testapp))
    second = Api(testapp, login(testapp))
    first.get("/api/v1/comptes/", status=200)
    wrong = first.post(
        "/api/v1/auth/mot-de-passe/", {"ancien": "pas le bon", "nouveau": "x" * 12}, status=422
    )
    assert wrong.json["erreurs"][0]["champ"] == "ancien"
    first.post(
        "/api/v1/auth/mot-de-passe/",
        {"ancien": ADMIN_PASSWORD, "nouveau": "un-nouveau-secret-2027"},
        status=204,
    )
    first.get("/api/v1/comptes/", status=401)
    second.get("/api/v1/comptes/", status=401)  # the other device's token too
    attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, status=401)
    assert "token" in attempt(testapp, ADMIN_EMAIL, "un-nouveau-secret-2027", status=200).json


def test_logout_revokes_the_token_at_once(testapp, books):
    from tests.conftest import Api, login

    client = Api(testapp, login(testapp))
    client.post("/api/v1/auth/logout/", status=204)
    client.get("/api/v1/comptes/", status=401)
    client.post("/api/v1/auth/logout/", status=401)


def test_an_address_may_ask_to_log_in_five_times_a_minute(testapp, books, clock, app):
    import dataclasses

    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(settings, login_requests_per_minute=5)
    try:
        for _ in range(5):
            attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="192.0.2.50", status=200)
        refused = attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="192.0.2.50", status=429)
        assert refused.headers["Retry-After"] == "60"
        attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="192.0.2.51", status=200)  # another address
        clock.now += 60
        attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address="192.0.2.50", status=200)
    finally:
        app.registry.wisebook_settings = settings


def test_inside_the_app_the_appliance_s_redis_keeps_the_counters(engine, backend_settings, books):
    """With REDIS_URL set (the appliance), the app's limiter is Redis: five failures lock the
    pair there, where every web process sees them, and the database keeps no counter."""
    import uuid

    import webtest
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from tests.conftest import settings_overrides
    from wisebook import make_config
    from wisebook.db import models

    url = "redis://127.0.0.1:6379/14"  # not the limiter test's database (it flushes 15)
    config = make_config(settings_overrides(backend_settings, redis_url=url), engine=engine)
    app = config.make_wsgi_app()
    assert isinstance(app.registry.wisebook_limiter, throttle.RedisLimiter)
    app.registry.wisebook_limiter.clock = Clock()  # one window, whatever the real minute
    testapp = webtest.TestApp(app)
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"  # this run's own counters in the shared Redis
    for n in range(5):
        attempt(testapp, ADMIN_EMAIL, f"faux-{n}", address=address, status=401)
    attempt(testapp, ADMIN_EMAIL, ADMIN_PASSWORD, address=address, status=429)
    stored = redis.Redis.from_url(url)
    keys = stored.keys(f"wisebook:limite:connexion:paire:*:{address}:*")
    assert len(keys) == 1 and int(stored.get(keys[0])) == 5
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.RateCounter)) == 0
    app.registry.wisebook_queue.huey.flush()


def test_a_password_hashed_with_other_parameters_is_hashed_again_at_its_next_login(testapp, books, engine):
    older = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(ADMIN_PASSWORD)
    with engine.begin() as conn:
        conn.execute(update(models.User).values(password_hash=older))
    login(testapp)
    with engine.connect() as conn:
        stored = conn.scalar(select(models.User.password_hash))
    assert stored != older and not HASHER.check_needs_rehash(stored)
    assert HASHER.verify(stored, ADMIN_PASSWORD)
    login(testapp)  # and the new hash opens the door
