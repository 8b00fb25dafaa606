"""Fuzzing the API from its own OpenAPI contract (schemathesis), logged in as the admin.

Every operation of /api/v1/openapi.json gets generated requests, valid and invalid; every
answer must be something other than a 5xx, and conform to what the contract says about it.
CI runs WISEBOOK_FUZZ_EXAMPLES (default 50) cases per operation, over 1,000 in all; by hand:

    WISEBOOK_FUZZ_EXAMPLES=500 .venv/bin/pytest tests/api/test_fuzz.py --db sqlite -q
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import login

EXAMPLES = int(os.environ.get("WISEBOOK_FUZZ_EXAMPLES", "50"))


def test_the_api_keeps_its_contract_under_fuzzing(app, testapp, books, backend):
    token = login(testapp)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    counter = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ("/api/v1/auth/logout/", "/api/v1/auth/mot-de-passe/"):
            headers = {}  # with the admin's token these would end the session the others need
        else:
            headers = {"Authorization": f"Bearer {token}"}

        try:
            _fuzz(operation, headers, counter)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - try all, then show all
            failures.append(f"{operation.label}: {failure}"[:3000])
    print(f"schemathesis: {counter[0]} requests sent on {backend}")
    for failure in failures:
        print("-" * 80, "\n", failure)
    assert failures == [], f"{len(failures)} operations broke the contract (printed above)"
    assert counter[0] >= min(1000, 20 * EXAMPLES)


def _fuzz(operation: Any, headers: dict[str, str], counter: list[int]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        counter[0] += 1
        # A schema-valid request may still break a bookkeeping rule (a date outside the exercice,
        # a sub-account of an account with lines): a 4xx there is right, not a contract breach.
        case.call_and_validate(
            headers=headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
        )

    fuzz()
