"""Idempotency-Key: the same request twice makes one entry; another body with the key is a 422."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import sale
from wisebook.db import models


def entry_count(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(models.Entry)).scalar_one()


def test_a_retry_with_the_same_key_gets_the_same_answer_and_one_entry(api, engine):
    key = {"Idempotency-Key": "facture-FA-001"}
    first = api.post("/api/v1/ecritures/", sale(), status=201, headers=key)
    again = api.post("/api/v1/ecritures/", sale(), status=201, headers=key)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert entry_count(engine) == 1


def test_the_same_key_with_another_body_is_a_422(api, engine):
    key = {"Idempotency-Key": "facture-FA-002"}
    api.post("/api/v1/ecritures/", sale(), status=201, headers=key)
    problem = api.post("/api/v1/ecritures/", sale(amount=59000), status=422, headers=key).json
    assert problem["erreurs"][0]["champ"] == "Idempotency-Key"
    assert entry_count(engine) == 1


def test_a_refused_request_does_not_burn_its_key(api, engine):
    key = {"Idempotency-Key": "facture-FA-003"}
    api.post("/api/v1/ecritures/", sale(journal="XYZ"), status=422, headers=key)
    api.post("/api/v1/ecritures/", sale(), status=201, headers=key)
    assert entry_count(engine) == 1


def test_reversal_honours_the_key(api, engine):
    entry = api.post("/api/v1/ecritures/", sale(), status=201).json
    key = {"Idempotency-Key": "extourne-1"}
    first = api.post(f"/api/v1/ecritures/{entry['id']}/extourne/", status=201, headers=key).json
    again = api.post(f"/api/v1/ecritures/{entry['id']}/extourne/", status=201, headers=key).json
    assert first["id"] == again["id"]
    assert entry_count(engine) == 2
