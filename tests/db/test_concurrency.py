"""Concurrent posting on PostgreSQL: gapless numbers, no duplicate, balances right."""

from __future__ import annotations

import threading

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import login, sale
from wisebook.db import models
from wisebook.services import verify

pytestmark = pytest.mark.postgresql

THREADS = 20
PER_THREAD = 50


def test_twenty_threads_posting_fifty_entries_each_get_numbers_one_to_a_thousand(app, books, engine):
    token = login(webtest.TestApp(app))
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        client = webtest.TestApp(app)
        headers = {"Authorization": f"Bearer {token}"}
        start.wait()
        for i in range(PER_THREAD):
            amount = 1180 * (n * PER_THREAD + i + 1)
            response = client.post_json(
                "/api/v1/ecritures/", sale(amount=amount), headers=headers, status="*"
            )
            if response.status_int != 201:
                errors.append(f"{response.status_int} {response.text[:200]}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    with Session(engine) as s:
        sequences = sorted(s.scalars(select(models.Entry.sequence)))
        numbers = set(s.scalars(select(models.Entry.number)))
        assert sequences == list(range(1, THREADS * PER_THREAD + 1))
        assert len(numbers) == THREADS * PER_THREAD
        assert "VTE-2026-001000" in numbers
        expected = sum(1180 * k for k in range(1, THREADS * PER_THREAD + 1))
        client_debit = s.scalar(
            select(func.sum(models.AccountBalance.debit))
            .join(models.Account, models.Account.id == models.AccountBalance.account_id)
            .where(models.Account.code == "4111")
        )
        assert client_debit == expected
        assert verify.verify_company(s, books.company_id) == []


def test_concurrent_retries_with_one_idempotency_key_make_one_entry(app, books, engine):
    token = login(webtest.TestApp(app))
    statuses: list[int] = []
    ids: set[int] = set()
    start = threading.Barrier(8)

    def worker() -> None:
        client = webtest.TestApp(app)
        start.wait()
        response = client.post_json(
            "/api/v1/ecritures/",
            sale(),
            status="*",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-invoice"},
        )
        statuses.append(response.status_int)
        ids.add(response.json["id"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    assert len(ids) == 1
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.Entry)) == 1
