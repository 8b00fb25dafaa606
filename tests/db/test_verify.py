"""wisebook-ctl verify: exit 0 on sound books, non-zero once a line is altered behind our back."""

from __future__ import annotations

import os
import subprocess
import sys

import webtest
from sqlalchemy import text

from tests.conftest import login, sale, settings_environ


def run_ctl(settings, *args, stdin=""):
    env = {**os.environ, **settings_environ(settings)}
    return subprocess.run(
        [sys.executable, "-m", "wisebook.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_passes_on_sound_books_and_fails_after_tampering(
    app, books, engine, backend_settings, backend
):
    client = webtest.TestApp(app)
    headers = {"Authorization": f"Bearer {login(client)}"}
    for amount in (118000, 59000, 236000):
        client.post_json("/api/v1/ecritures/", sale(amount=amount), headers=headers, status=201)

    good = run_ctl(backend_settings, "verify")
    assert good.returncode == 0, good.stderr
    assert "conformes" in good.stdout

    if backend == "postgresql":  # the trigger forbids the tampering; a superuser can disable it
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE lines DISABLE TRIGGER lines_posted_immutable"))
            conn.execute(
                text(
                    "UPDATE lines SET debit = debit + 1000 WHERE line_no = 1 AND entry_id = "
                    "(SELECT min(id) FROM entries)"
                )
            )
            conn.execute(text("ALTER TABLE lines ENABLE TRIGGER lines_posted_immutable"))
    else:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE lines SET debit = debit + 1000 WHERE line_no = 1 AND entry_id = "
                    "(SELECT min(id) FROM entries)"
                )
            )
    bad = run_ctl(backend_settings, "verify")
    assert bad.returncode == 1
    assert "chaîne rompue à l'écriture VTE-2026-000001" in bad.stderr
    assert "soldes : compte 4111" in bad.stderr
    assert "soldes par tiers : compte 4111" in bad.stderr  # the sub-ledger's sums, too


def test_setup_cli_is_idempotent_and_explains_bad_input(engine, backend_settings):
    args = [
        "setup",
        "--societe",
        "Kouassi & Fils SA",
        "--pays",
        "SN",
        "--exercice",
        "2026",
        "--admin-email",
        "admin@kouassi.sn",
        "--admin-password-stdin",
    ]
    first = run_ctl(backend_settings, *args, stdin="un-mot-de-passe-long\n")
    assert first.returncode == 0, first.stderr
    assert "configurée" in first.stdout
    again = run_ctl(backend_settings, *args, stdin="un-mot-de-passe-long\n")
    assert again.returncode == 0 and "rien à changer" in again.stdout
    other = {"SN": "FR", "Kouassi & Fils SA": "Dupont SARL"}
    bad_country = run_ctl(backend_settings, *[other.get(a, a) for a in args], stdin="un-mot-de-passe-long\n")
    assert bad_country.returncode == 1
    assert bad_country.stderr.count("\n") == 1 and "OHADA" in bad_country.stderr
    usage = run_ctl(backend_settings, "setup", "--pays", "CI")
    assert usage.returncode == 2


def _behind_our_back(engine, backend, statement: str) -> None:
    """Run ``statement`` as tampering would: on PostgreSQL its guard triggers switched off for
    this transaction only (a superuser's ``session_replication_role``)."""
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(statement))


def test_verify_names_a_gap_in_a_journals_numbering(app, books, engine, backend):
    from sqlalchemy.orm import Session

    from wisebook.services import verify

    client = webtest.TestApp(app)
    headers = {"Authorization": f"Bearer {login(client)}"}
    for amount in (118000, 59000, 236000):
        client.post_json("/api/v1/ecritures/", sale(amount=amount), headers=headers, status=201)
    with Session(engine) as s:
        assert verify.verify_numbering(s, books.company_id) == []
    # The third entry takes number 4: 1, 2, 4 — a gap, and the counter (3) no longer follows.
    _behind_our_back(engine, backend, "UPDATE entries SET sequence = 4 WHERE sequence = 3")
    with Session(engine) as s:
        journal_id, fy_id = s.execute(text("SELECT journal_id, fiscal_year_id FROM entries LIMIT 1")).one()
        assert verify.verify_numbering(s, books.company_id) == [
            f"numérotation : journal {journal_id}, exercice {fy_id} : 3 écritures, "
            "3 numéros distincts, dernier numéro 4",
            f"numérotation : le compteur du journal {journal_id} ne suit pas les écritures",
        ]
