"""What the operator sees: /metrics that parse and move, alert rules and a dashboard that only
name exported metrics, request ids and structured logs without secrets, error reports to a
Sentry-compatible receiver without personal data."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import webtest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login
from wisebook import make_config
from wisebook.observability import errors, logs

ROOT = Path(__file__).resolve().parents[2]


def scrape(testapp: webtest.TestApp) -> dict[str, list[Any]]:
    answer = testapp.get("/metrics", status=200)
    assert answer.content_type == "text/plain"
    families: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(answer.text):  # raises on malformed text
        families.setdefault(family.name, []).extend(family.samples)
    return families


def sample(families: dict[str, list[Any]], name: str, **labels: str) -> float:  # float-ok: a count
    total = 0.0  # float-ok
    for found in families.get(name.removesuffix("_total").removesuffix("_count"), []):
        if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
            total += found.value
    return total


def test_metrics_parse_and_move_with_requests(api, testapp):
    before = scrape(testapp)
    for _ in range(3):
        api.get("/api/v1/comptes/")
    testapp.get("/nulle-part/", status=404)
    after = scrape(testapp)
    counted = "wisebook_http_requests_total"
    assert (
        sample(after, counted, route="accounts", status="200")
        - sample(before, counted, route="accounts", status="200")
        == 3
    )
    assert (
        sample(after, counted, route="inconnue", status="404")
        - sample(before, counted, route="inconnue", status="404")
        == 1
    )
    timed = "wisebook_http_request_duration_seconds_count"
    assert sample(after, timed, route="accounts") - sample(before, timed, route="accounts") == 3
    assert sample(after, "wisebook_task_queue_length") == 0
    assert 0 < sample(after, "wisebook_disk_used_ratio") < 1
    assert sample(after, "wisebook_db_connections_max") > 0
    assert sample(after, counted, route="metrics") == 0  # scrapes are not counted as traffic


def _exported(testapp: webtest.TestApp) -> set[str]:
    text = testapp.get("/metrics").text
    names = set(re.findall(r"^# TYPE (\w+) ", text, re.M)) | set(re.findall(r"^(\w+)[{ ]", text, re.M))
    suffixes = ("_bucket", "_count", "_sum", "_total", "_created")
    return names | {n + s for n in names for s in suffixes}


def _used(expression: str) -> set[str]:
    return set(re.findall(r"\bwisebook_\w+", expression))


def test_alert_rules_and_dashboard_name_only_exported_metrics(api, testapp, app, engine, backend_settings):
    from wisebook.observability import metrics
    from wisebook.ops import backups

    metrics.observe_task("verification", "reussie", 0.1)  # labelled families appear once used
    metrics.external("webhook", True)
    app.registry.wisebook_queue.beat("worker", 0)
    made = backups.create(backend_settings, engine)
    try:
        exported = _exported(testapp)
    finally:
        made.path.unlink()
        made.manifest_path.unlink()
    rules = yaml.safe_load((ROOT / "appliance/prometheus/wisebook-alerts.yml").read_text())
    alerts = {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}
    wanted = {"Erreurs5xx", "Latence", "ConnexionsBase", "Disque", "FileDeTaches", "ServicesExterieurs"}
    assert {name.removeprefix("WiseBook") for name in alerts} >= wanted
    for name, expression in alerts.items():
        assert _used(expression) <= exported, name
    thresholds = {name.removeprefix("WiseBook"): expr.split(">")[-1].strip() for name, expr in alerts.items()}
    assert (thresholds["Erreurs5xx"], thresholds["Latence"], thresholds["ConnexionsBase"]) == (
        "0.01",
        "2",
        "0.8",
    )
    assert (thresholds["Disque"], thresholds["FileDeTaches"], thresholds["ServicesExterieurs"]) == (
        "0.85",
        "100",
        "0.05",
    )
    dashboard = json.loads((ROOT / "appliance/grafana/wisebook.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(expressions) >= 10
    for expression in expressions:
        assert _used(expression) and _used(expression) <= exported, expression


@pytest.fixture
def json_log(backend_settings: Any, tmp_path: Path) -> Any:
    from wisebook import settings as settings_module

    settings = settings_module.load(
        {
            "wisebook_data_dir": str(backend_settings.data_dir),
            "database_url": backend_settings.database_url,
            "log_format": "json",
            "log_file": str(tmp_path / "web.log"),
            "secret_key": backend_settings.secret_key,
            "jwt_secret_key": backend_settings.jwt_secret_key,
            "webhook_secret": backend_settings.webhook_secret,
            "backup_signing_key": backend_settings.backup_signing_key,
        },
        environ={},
    )
    handler = logs.configure(settings, "web")
    yield tmp_path / "web.log", settings
    logging.getLogger().removeHandler(handler)
    handler.close()


def test_logs_are_json_lines_with_request_id_user_and_company_and_never_a_secret(
    api, testapp, books, json_log
):
    path, settings = json_log
    answer = testapp.get("/api/v1/comptes/", headers={**api.headers(), "X-Request-ID": "abc-123"}, status=200)
    assert answer.headers["X-Request-ID"] == "abc-123"
    fresh = testapp.get("/health/")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])  # made up when absent
    bad = testapp.get("/health/", headers={"X-Request-ID": "x" * 100 + "\n"})
    assert bad.headers["X-Request-ID"] != "x" * 100  # a header not worth repeating is replaced
    logging.getLogger("wisebook.test").warning("clé %s", settings.jwt_secret_key)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    access = [line for line in lines if line.get("request_id") == "abc-123"]
    assert len(access) == 1
    assert access[0]["message"].startswith("GET /api/v1/comptes/ 200")
    assert access[0]["niveau"] == "INFO"
    assert access[0]["route"] == "accounts"
    assert access[0]["company"] == books.company_id
    assert isinstance(access[0]["user"], int)
    text = path.read_text(encoding="utf-8")
    assert "clé [masqué]" in text
    for secret in settings.secret_values():
        assert secret not in text
    assert ADMIN_EMAIL not in text


class SentryReceiver:
    """A local HTTP server standing in for Sentry: it keeps every envelope it is sent."""

    def __init__(self) -> None:
        self.envelopes: list[bytes] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the stdlib calls it by this name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                receiver.envelopes.append(body)
                receiver.arrived.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.dsn = f"http://cle-publique@127.0.0.1:{self.server.server_address[1]}/42"

    def events(self) -> list[dict[str, Any]]:
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def sentry() -> Any:
    receiver = SentryReceiver()
    yield receiver
    import sentry_sdk

    sentry_sdk.init()  # back to a client that sends nothing
    errors._state.update(on=False, secrets=[])
    receiver.close()


def test_errors_reach_sentry_without_personal_data_or_secrets(engine, books, backend_settings, sentry):
    overrides = {
        "wisebook_data_dir": str(backend_settings.data_dir),
        "database_url": backend_settings.database_url,
        "sentry_dsn": sentry.dsn,
        "secret_key": backend_settings.secret_key,
        "jwt_secret_key": backend_settings.jwt_secret_key,
        "webhook_secret": backend_settings.webhook_secret,
        "backup_signing_key": backend_settings.backup_signing_key,
        "wisebook_login_requests_per_minute": 1000,
    }
    config = make_config(overrides, engine=engine)

    def broken(request: Any) -> Any:
        raise ZeroDivisionError(
            f"calcul impossible pour {ADMIN_EMAIL} avec {backend_settings.jwt_secret_key}"
        )

    config.add_route("test_broken", "/test/panne/")
    config.add_view(broken, route_name="test_broken", request_method="POST")
    assert errors.init(config.registry.wisebook_settings, "web")
    testapp = webtest.TestApp(config.make_wsgi_app())
    token = login(testapp)
    answer = testapp.post_json(
        "/test/panne/?jeton=secret-de-lien",
        {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"Authorization": f"Bearer {token}", "Cookie": "wisebook_session=abc"},
        status=500,
    )
    assert answer.json["detail"].startswith("Une erreur interne")
    assert ADMIN_EMAIL not in answer.text
    errors.flush(5)
    assert sentry.arrived.wait(10), "no envelope reached the receiver"
    events = [e for e in sentry.events() if e.get("exception")]
    assert events, "no error event"
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    assert event["server_name"] == "web"
    raw = b"".join(sentry.envelopes).decode("utf-8", "replace")
    for private in (ADMIN_EMAIL, ADMIN_PASSWORD, token, "wisebook_session=abc", "secret-de-lien"):
        assert private not in raw, private
    for secret in config.registry.wisebook_settings.secret_values():
        assert secret not in raw
    # The message keeps its meaning, without the address or the secret.
    assert event["exception"]["values"][-1]["value"] == "calcul impossible pour [courriel] avec [masqué]"
    assert event["release"].startswith("wisebook-")


MULTIPROCESS_CHILD = """
from wisebook.observability import metrics
for _ in range({n}):
    metrics.observe_request("accounts", "GET", 200, 0.01)
metrics.observe_task("sauvegarde", "reussie", 2.0)
"""


def test_metrics_of_several_processes_add_up_in_one_scrape(tmp_path):
    """The appliance's two web processes and its worker write to PROMETHEUS_MULTIPROC_DIR; a
    scrape answered by either web process shows the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (2, 3):
        subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_CHILD.format(n=n)], env=env, check=True, timeout=60
        )
    scraper = "from wisebook.observability import metrics; print(metrics.scrape()[0].decode())"
    text = subprocess.run(
        [sys.executable, "-c", scraper], env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout
    families = {f.name: f.samples for f in text_string_to_metric_families(text)}
    requests = [s for s in families["wisebook_http_requests"] if s.name == "wisebook_http_requests_total"]
    assert [(s.labels["route"], s.value) for s in requests] == [("accounts", 5.0)]
    tasks = [s for s in families["wisebook_task_duration_seconds"] if s.name.endswith("_count")]
    assert [s.value for s in tasks] == [2.0]
