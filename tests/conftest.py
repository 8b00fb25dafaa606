"""Fixtures: the real migrations on SQLite and on PostgreSQL, a configured company, an API client.

Each test starts from empty tables (truncated after the test) rather than a rolled-back
savepoint: PostgreSQL's deferred balance trigger fires only at a real COMMIT, the concurrency
tests need real commits, and pyramid_tm commits as it does in production.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import webtest
from aiosmtpd.controller import Controller
from sqlalchemy import Table, create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wisebook import make_config
from wisebook import settings as settings_module
from wisebook.db import make_engine, migrate
from wisebook.db.meta import Base
from wisebook.services import setup as setup_service
from wisebook.services.tiers import register as tiers_register

PG_ADMIN_URL = os.environ.get("WISEBOOK_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_TEST_DB = f"wisebook_test_{os.getpid()}"
ADMIN_EMAIL = "comptable@exemple.ci"
ADMIN_PASSWORD = "motdepasse-solide-2026"


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--db", default="sqlite,postgresql", help="backends to run the DB tests on")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The appliance's tests share one bundle, one package and the machine's namespaces: under
    xdist (``--dist loadgroup``) they run one after the other on one worker."""
    for item in items:
        if item.nodeid.startswith("tests/appliance/"):
            item.add_marker(pytest.mark.xdist_group("appliance"))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: Any) -> None:
    """On an xdist worker, the group must have reached the node ids the scheduler reads: if a
    pytest or xdist upgrade drops it, the appliance's tests would race for one bundle."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [
        i.nodeid
        for i in session.items
        if i.nodeid.startswith("tests/appliance/") and not i.nodeid.endswith("@appliance")
    ]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup did not group {lost[0]} (pytest and pytest-xdist disagree)"
        )


def pytest_generate_tests(metafunc: Any) -> None:
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("--db").split(",")
        if metafunc.definition.get_closest_marker("postgresql"):
            backends = ["postgresql"]  # a PostgreSQL feature: triggers, row locks under load
        elif metafunc.definition.get_closest_marker("sqlite"):
            backends = ["sqlite"]  # the embedded profile's own behaviour (its database lock)
        metafunc.parametrize("backend", backends, scope="session")


def stop(proc: subprocess.Popen[Any], wait: float = 10) -> None:
    """Ask a process to stop (SIGTERM), and kill it if it is still there after ``wait`` s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def settings_environ(settings: settings_module.Settings, **extra: str) -> dict[str, str]:
    """The environment a wisebook-ctl or worker process needs to run on ``settings``."""
    return {
        "WISEBOOK_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        **{name: getattr(settings, name.lower()) for name in settings_module.SECRET_NAMES},
        **extra,
    }


def settings_overrides(settings: settings_module.Settings, **extra: Any) -> dict[str, Any]:
    """The same, as overrides for ``settings.load`` and ``make_config``."""
    return {**{k.lower(): v for k, v in settings_environ(settings).items()}, **extra}


def _secrets() -> dict[str, str]:
    return {name: secrets.token_urlsafe(40) for name in settings_module.SECRET_NAMES}


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_TEST_DB}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def backend_settings(backend: str, tmp_path_factory: Any, request: Any) -> settings_module.Settings:
    """Settings for one backend; the data dir is a fresh temporary folder."""
    data_dir: Path = tmp_path_factory.mktemp(f"data-{backend}")
    overrides: dict[str, Any] = {"wisebook_data_dir": str(data_dir), **_secrets()}
    if backend == "postgresql":
        overrides["database_url"] = request.getfixturevalue("pg_url")
    return settings_module.load(overrides, environ={})


@pytest.fixture(scope="session")
def migrated_engine(backend_settings: settings_module.Settings) -> Iterator[Engine]:
    """The engine of one backend, with the real Alembic migrations applied once."""
    engine = (
        make_engine(backend_settings, pool_size=30, max_overflow=10)
        if not backend_settings.embedded
        else make_engine(backend_settings)
    )
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _empty(engine: Engine) -> None:
    """Every table emptied and, on PostgreSQL, every id sequence back to 1 — DELETE with the
    guard triggers (immutability, foreign keys) off for this transaction: a few small tables
    empty faster so than TRUNCATE recreates their files."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relkind = 'S' AND n.nspname = 'public'"
                )
            )
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """The migrated engine, emptied after each test."""
    yield migrated_engine
    _empty(migrated_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A plain session for arranging and inspecting data (commit explicitly)."""
    with Session(engine) as s:
        yield s


@dataclass
class Books:
    company_id: int
    admin_email: str
    admin_password: str


@dataclass(frozen=True)
class SetUp:
    """The books the wizard sets up, made once per backend: the tables it fills and their rows
    (kept here, not in the database: a backup test dumps and restores the whole database)."""

    books: Books
    tables: list[Table]
    rows: dict[str, list[dict[str, Any]]]


#: The tiers the suite's entries name (a line's tiers must be registered, on its account).
USUAL_TIERS = (
    ("C001", "Client Kouassi", "client", "4111"),
    ("C002", "Client Bamba", "client", "4111"),
    ("C003", "Client Traoré", "client", "4111"),
    ("F001", "Fournisseur Diallo", "fournisseur", "4011"),
)


def register_usual_tiers(session: Session, company_id: int) -> None:
    """Register the customers and the supplier the suite's entries name."""
    for code, name, kind, account in USUAL_TIERS:
        tiers_register.create_partner(
            session,
            company_id,
            code,
            tiers_register.Details(
                name=name, kind=kind, account=account, given=frozenset({"name", "kind", "account"})
            ),
        )


@pytest.fixture(scope="session")
def set_up_books(migrated_engine: Engine) -> SetUp:
    """The wizard's setup (1,472 accounts, an argon2 hash) run once per backend and kept."""
    with Session(migrated_engine) as s, s.begin():
        result = setup_service.setup(
            s,
            company_name="Société Test SARL",
            country="CI",
            currency="XOF",
            fiscal_year=2026,
            admin_email=ADMIN_EMAIL,
            admin_password=ADMIN_PASSWORD,
        )
        register_usual_tiers(s, result.company_id)
    with migrated_engine.begin() as conn:
        tables = [t for t in Base.metadata.sorted_tables if conn.execute(select(t).limit(1)).first()]
        rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in tables}
    _empty(migrated_engine)
    return SetUp(Books(result.company_id, ADMIN_EMAIL, ADMIN_PASSWORD), tables, rows)


@pytest.fixture
def books(engine: Engine, set_up_books: SetUp) -> Books:
    """A company set up as the wizard does: CI, XOF, fiscal year 2026, SYSCOHADA chart, admin —
    a copy of the one ``set_up_books`` made, written into this test's empty tables."""
    with engine.begin() as conn:
        for table in set_up_books.tables:
            conn.execute(table.insert(), set_up_books.rows[table.name])
            if engine.dialect.name == "postgresql" and "id" in table.c:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name}"
                    )
                )
    return set_up_books.books


@pytest.fixture
def app(engine: Engine, backend_settings: settings_module.Settings) -> Iterator[Any]:
    """The WSGI application on the test engine."""
    overrides = {
        "wisebook_data_dir": str(backend_settings.data_dir),
        "database_url": backend_settings.database_url,
        "secret_key": backend_settings.secret_key,
        "jwt_secret_key": backend_settings.jwt_secret_key,
        "webhook_secret": backend_settings.webhook_secret,
        "backup_signing_key": backend_settings.backup_signing_key,
        "wisebook_max_body_bytes": 64 * 1024,
        # The suite logs in many users from one test client; the limit has its own test.
        "wisebook_login_requests_per_minute": 100_000,
    }
    config = make_config(overrides, engine=engine)
    app = config.make_wsgi_app()
    yield app
    app.registry.wisebook_queue.huey.flush()  # the queue's file outlives the test: empty it


class Api:
    """A webtest client that speaks JSON with a Bearer token."""

    def __init__(self, testapp: webtest.TestApp, token: str | None = None):
        self.testapp = testapp
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, url: str, status: int | str = 200, **params: Any) -> Any:
        return self.testapp.get(url, params=params or None, headers=self.headers(), status=status)

    def post(
        self, url: str, body: Any = None, status: int | str = "*", headers: dict[str, str] | None = None
    ) -> Any:
        if body is None:
            return self.testapp.post(url, headers=self.headers(headers), status=status)
        return self.testapp.post_json(url, body, headers=self.headers(headers), status=status)

    def post_raw(
        self, url: str, raw: bytes, content_type: str = "application/json", status: int | str = "*"
    ) -> Any:
        return self.testapp.post(
            url, raw, headers=self.headers({"Content-Type": content_type}), status=status
        )

    def patch(self, url: str, body: Any, status: int | str = 200) -> Any:
        return self.testapp.patch_json(url, body, headers=self.headers(), status=status)

    def delete(self, url: str, status: int | str = "*") -> Any:
        return self.testapp.delete(url, headers=self.headers(), status=status)


@pytest.fixture
def testapp(app: Any) -> webtest.TestApp:
    return webtest.TestApp(app)


def page_login(
    testapp: webtest.TestApp, fields: dict[str, str], status: int = 303, path: str = "/connexion/"
) -> Any:
    """POST the login page's form as a browser does: the form first (its CSRF cookie), then
    the fields with its token."""
    form = testapp.get(path)
    if form.status_int == 303 and status == 303:  # signed in already (the API's login opens a session)
        return form
    return testapp.post(path, {**fields, "csrf": testapp.cookies["wisebook_connexion"]}, status=status)


def login(testapp: webtest.TestApp, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    response = testapp.post_json("/api/v1/auth/login/", {"email": email, "password": password}, status=200)
    return str(response.json["token"])


@pytest.fixture
def api(testapp: webtest.TestApp, books: Books) -> Api:
    """An API client logged in as the company's admin."""
    return Api(testapp, login(testapp))


def sale(
    amount: int = 118000, day: str = "2026-01-15", journal: str = "VTE", post: bool = True, **extra: Any
) -> dict[str, Any]:
    """A sale with VAT at 18 %: 411 debit, 701 and 443 credit."""
    vat = amount * 18 // 118
    body: dict[str, Any] = {
        "journal": journal,
        "date_comptable": day,
        "libelle": "Facture client",
        "piece": "FA-001",
        "lignes": [
            {"compte": "4111", "libelle": "Client Kouassi", "debit": str(amount), "tiers": "C001"},
            {"compte": "7011", "libelle": "Ventes", "credit": str(amount - vat)},
            {"compte": "4431", "libelle": "TVA 18 %", "credit": str(vat)},
        ],
        "valider": post,
    }
    body.update(extra)
    return body


LINK = re.compile(r"jeton=([A-Za-z0-9_\-]+)")


class Inbox:
    """Every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 OK"

    def token(self, index: int = -1) -> str:
        body = self.messages[index][1].get_content()
        return LINK.search(body).group(1)


@pytest.fixture
def inbox(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.registry.wisebook_settings
    app.registry.wisebook_settings = dataclasses.replace(
        settings, email_host="127.0.0.1", email_port=port, public_url="https://compta.exemple.ci"
    )
    yield handler
    controller.stop()
    app.registry.wisebook_settings = settings


ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server over real HTTP on loopback (it answers as S3 documents)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@contextmanager
def served(settings: settings_module.Settings, command: str, *args: str) -> Iterator[str]:
    """WiseBook served by one of its own commands (``serve``, ``web``) on ``settings``' database;
    its base URL while the block runs (what it prints goes to ``<command>-<port>.log`` in the
    data dir)."""
    port = free_port()
    env = {
        **os.environ,
        **settings_environ(settings),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    log = settings.data_dir / f"{command}-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wisebook.cli", command, "--port", str(port), "--threads", "4", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(f"le serveur s'est arrêté : {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        else:
            raise AssertionError("le serveur ne répond pas")
        yield base
    finally:
        stop(proc)


@pytest.fixture
def server(backend_settings: Any, engine: Any) -> Iterator[str]:
    """``wisebook-ctl serve`` (the embedded profile's command, without its task consumer) on the
    test database; its base URL."""
    with served(backend_settings, "serve", "--sans-taches") as base:
        yield base
