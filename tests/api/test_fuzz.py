"""Fuzzing the API from its own OpenAPI contract with schemathesis 4, as its CLI runs it.

``schemathesis run --checks all`` against ``wisebook-ctl serve`` on the suite's database, on
each backend: every phase (examples, coverage — undeclared content types and multipart without
a boundary (ST102), undeclared methods (ST204) —, fuzzing, stateful) and every check. The run
must end with no failure at all: no server error, no answer outside the contract, no
schema-valid request refused except where ``schemathesis.toml`` says why the contract cannot
state the rule. CI runs WISEBOOK_FUZZ_EXAMPLES (default 30) cases per operation; by hand:

    WISEBOOK_FUZZ_EXAMPLES=300 .venv/bin/pytest tests/api/test_fuzz.py --db sqlite -s
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.api.test_lettering import ids, keep
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sale

EXAMPLES = int(os.environ.get("WISEBOOK_FUZZ_EXAMPLES", "30"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
INTERPRETER_FAULT = "AST constructor recursion depth mismatch"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _session(base: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/auth/login/",
        data=json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return str(json.load(answer)["token"])


def test_the_api_keeps_its_whole_contract_under_schemathesis(
    server, api, books, backend, backend_settings, tmp_path
):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json["id"]
    piece = api.testapp.post(
        f"/api/v1/ecritures/{entry}/pieces/",
        upload_files=[("fichier", "facture.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        headers=api.headers(),
        status=201,
    ).json["id"]
    keep(api)  # invoices and payments on 4111, one pair lettered
    lines = ids(api)
    lettering = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201
    ).json["id"]
    env = {
        **os.environ,
        "WISEBOOK_FUZZ_TOKEN": _session(server),
        "WISEBOOK_FUZZ_SPARE": _session(server),
        "WISEBOOK_FUZZ_COMPANY": str(books.company_id),
        "WISEBOOK_FUZZ_ENTRY": str(entry),
        "WISEBOOK_FUZZ_PIECE": str(piece),
        "WISEBOOK_FUZZ_LETTERING": str(lettering),
        "NO_COLOR": "1",
        "SCHEMATHESIS_HOOKS": "",
    }
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{server}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200, check=False)
    output = run.stdout + run.stderr
    if run.returncode != 0 and INTERPRETER_FAULT in output:
        # CPython 3.11's AST constructor can miscount its depth under threads (python/cpython#106905):
        # schemathesis's own code generation then stops with a runtime error, not a finding. Once more.
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200, check=False)
        output = run.stdout + run.stderr
    print(output[-30000:])
    assert run.returncode == 0, f"schemathesis found failures on {backend} (printed above)"
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) >= min(1000, 20 * EXAMPLES), output[-2000:]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", output), f"the {phase} phase did not pass on {backend}"
    log = backend_settings.data_dir / f"serve-{server.rsplit(':', 1)[1]}.log"
    assert "unexpected error" not in log.read_text(), "the server logged an unhandled error"
