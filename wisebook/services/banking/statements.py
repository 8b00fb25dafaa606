"""Statement files into a bank account: read (camt.053, MT940, OFX, or CSV/XLSX through the
account's profile), checked (its account, currency and balances), then written in one
transaction — the lines not already known (overlapping files add only what is new), the
statement with its balances and whether it opens where the previous one closed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.banking import Statement, check_statement, continuous, fingerprints
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.ledger.money import from_minor, grouped
from wisebook.services.banking import formats

#: Fingerprints asked of the database at a time.
CHUNK = 1000
NAMES = {
    "camt053": "camt.053",
    "mt940": "MT940",
    "ofx": "OFX",
    "tableur": "CSV/XLSX (profil du compte)",
    "psd2": "API de la banque",
}


def read_statement(bank: models.BankAccount, data: bytes) -> Statement:
    """The file read in its format (recognised by its content; a spreadsheet through the
    account's column profile) and checked against the account; InvalidInput naming the line
    of a malformed file."""
    if not data.strip():
        raise InvalidInput("Le fichier est vide.", field="fichier")
    fmt = formats.recognise(data)
    if fmt is None:
        if not bank.profile:
            raise InvalidInput(
                "Format de relevé non reconnu : camt.053, MT940, OFX, ou un CSV/XLSX une fois le profil de "
                "colonnes du compte enregistré.",
                field="fichier",
            )
        statement = formats.read_tabular(data, bank.currency, bank.profile)
    else:
        statement = formats.READERS[fmt](data, bank.currency)
    check_statement(statement, currency=bank.currency, iban=bank.iban)
    return statement


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _known(session: Session, bank_account_id: int, keys: list[str]) -> set[str]:
    line = models.BankLine
    found: set[str] = set()
    for part in _chunks(keys):
        found.update(
            session.scalars(
                select(line.fingerprint).where(
                    line.bank_account_id == bank_account_id, line.fingerprint.in_(part)
                )
            )
        )
    return found


@dataclass(frozen=True)
class Previous:
    """The statement before: its end and closing balance."""

    end: dt.date | None
    closing: int


def _previous(session: Session, bank_account_id: int, start: dt.date | None) -> Previous | None:
    st = models.BankStatement
    query = select(st.end_date, st.closing).where(
        st.bank_account_id == bank_account_id, st.closing.is_not(None)
    )
    if start is not None:
        query = query.where(st.end_date <= start)
    found = session.execute(query.order_by(st.end_date.desc(), st.id.desc()).limit(1)).first()
    return Previous(found.end_date, found.closing) if found else None


def import_statement(
    session: Session,
    company_id: int,
    bank_account_id: int,
    data: bytes,
    *,
    filename: str,
    sha256: str,
    user_id: int | None = None,
    task_run_id: str | None = None,
) -> dict[str, Any]:
    """Read ``data`` into the bank account, in the session's transaction; the report."""
    from wisebook.services.banking.accounts import get_bank_account

    bank = get_bank_account(session, company_id, bank_account_id)
    st = models.BankStatement
    done = session.scalar(select(st.id).where(st.bank_account_id == bank.id, st.sha256 == sha256))
    if done is not None:
        return {
            "statut": "deja_importe",
            "releve": done,
            "message": "Ce relevé a déjà été importé dans ce compte.",
        }
    statement = read_statement(bank, data)
    return write_statement(
        session, bank, statement, filename=filename, sha256=sha256, user_id=user_id, task_run_id=task_run_id
    )


def write_statement(
    session: Session,
    bank: models.BankAccount,
    statement: Statement,
    *,
    filename: str,
    sha256: str,
    user_id: int | None = None,
    task_run_id: str | None = None,
) -> dict[str, Any]:
    """Write a statement read and checked into its bank account: the lines not already known,
    the statement row with its balances and continuity; the report."""
    company_id = bank.company_id
    keys = fingerprints(statement.lines)
    known = _known(session, bank.id, keys)
    fresh: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for key, line in zip(keys, statement.lines, strict=True):
        if key in known or key in seen:
            continue
        seen.add(key)
        fresh.append((key, line))
    before = _previous(session, bank.id, statement.start)
    follows = continuous(before.closing if before else None, statement.opening)
    made = models.BankStatement(
        company_id=company_id,
        bank_account_id=bank.id,
        format=statement.format,
        filename=filename[:255],
        sha256=sha256,
        start_date=statement.start,
        end_date=statement.end,
        opening=statement.opening,
        closing=statement.closing,
        lines=len(fresh),
        duplicates=len(statement.lines) - len(fresh),
        continuous=follows,
        task_run_id=task_run_id,
        created_by_id=user_id,
    )
    session.add(made)
    session.flush()
    if fresh:
        session.execute(
            insert(models.BankLine),
            [
                {
                    "bank_account_id": bank.id,
                    "statement_id": made.id,
                    "line_date": ln.date,
                    "value_date": ln.value_date,
                    "amount": ln.amount,
                    "label": ln.label,
                    "reference": ln.reference,
                    "counterparty": ln.counterparty,
                    "counterparty_iban": ln.counterparty_iban,
                    "bank_id": ln.bank_id,
                    "fingerprint": key,
                }
                for key, ln in fresh
            ],
        )
    return _report(made, statement, bank.currency, before)


def _report(
    made: models.BankStatement, statement: Statement, currency: str, before: Previous | None
) -> dict[str, Any]:
    def money(units: int | None) -> str | None:
        return None if units is None else str(from_minor(units, currency))

    said = [f"{made.lines} lignes importées ({NAMES[statement.format]})"]
    if made.duplicates:
        said.append(f"{made.duplicates} déjà connues, ignorées")
    if made.continuous is False and before is not None and statement.opening is not None:
        said.append(
            f"attention : le solde initial ({grouped(from_minor(statement.opening, currency))}) n'est pas le "
            f"solde final du relevé précédent ({grouped(from_minor(before.closing, currency))}) — un relevé manque ?"
        )
    return {
        "statut": "importe",
        "releve": made.id,
        "format": statement.format,
        "lignes_lues": len(statement.lines),
        "lignes_importees": made.lines,
        "doublons": made.duplicates,
        "du": made.start_date.isoformat() if made.start_date else None,
        "au": made.end_date.isoformat() if made.end_date else None,
        "solde_initial": money(statement.opening),
        "solde_final": money(statement.closing),
        "solde_precedent": money(before.closing) if before else None,
        "continuite": made.continuous,
        "message": " ; ".join(said) + ".",
    }


def statement_lines(
    session: Session,
    company_id: int,
    bank_account_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 100,
    after: int | None = None,
    state: str | None = None,
) -> tuple[list[models.BankLine], int | None]:
    """A page of the account's statement lines in the order they were read (keyset on their
    id), between two dates; the next page's cursor."""
    from wisebook.services.banking.accounts import get_bank_account

    bank = get_bank_account(session, company_id, bank_account_id)
    if not 1 <= limit <= 500:
        raise InvalidInput("La limite va de 1 à 500.", field="limite")
    if state not in (None, "non_rapprochee", "rapprochee"):
        raise InvalidInput("État attendu : non_rapprochee ou rapprochee.", field="etat")
    line, link = models.BankLine, models.BankMatchStatementLine
    query = select(line).where(line.bank_account_id == bank.id)
    if state is not None:
        query = query.outerjoin(link, link.bank_line_id == line.id).where(
            link.bank_line_id.is_(None) if state == "non_rapprochee" else link.bank_line_id.is_not(None)
        )
    if start is not None:
        query = query.where(line.line_date >= start)
    if end is not None:
        query = query.where(line.line_date <= end)
    if after is not None:
        query = query.where(line.id > after)
    found = list(session.scalars(query.order_by(line.id).limit(limit + 1)))
    if len(found) > limit:
        return found[:limit], found[limit - 1].id
    return found, None


def statements_of(session: Session, company_id: int, bank_account_id: int) -> list[models.BankStatement]:
    """The statements read into a bank account, latest first."""
    st = models.BankStatement
    query = select(st).where(st.company_id == company_id, st.bank_account_id == bank_account_id)
    return list(session.scalars(query.order_by(st.end_date.desc(), st.id.desc())))


def count_lines(session: Session, bank_account_id: int) -> int:
    """How many statement lines a bank account holds."""
    return int(
        session.scalar(select(func.count()).where(models.BankLine.bank_account_id == bank_account_id)) or 0
    )


@dataclass(frozen=True)
class Received:
    """A statement file checked and kept until its task has run."""

    path: Path
    name: str
    sha256: str
    format: str
    lines: int


def statements_dir(data_dir: Path, company_id: int) -> Path:
    """Where statement files wait for their task (the data dir's, 0640)."""
    return data_dir / "releves" / str(company_id)


def receive(
    session: Session, data_dir: Path, company_id: int, bank_account_id: int, filename: str, stream: IO[bytes]
) -> Received:
    """Spool the upload, read and check it now (a malformed file is refused at once, naming
    its line), refuse a file already read into the account (409), and keep it for the task."""
    from wisebook.services.banking.accounts import get_bank_account
    from wisebook.services.platform import files

    bank = get_bank_account(session, company_id, bank_account_id)
    folder = statements_dir(data_dir, company_id)
    with files.received(stream, folder) as spooled:
        data = spooled.path.read_bytes()
        statement = read_statement(bank, data)
        st = models.BankStatement
        if session.scalar(select(st.id).where(st.bank_account_id == bank.id, st.sha256 == spooled.sha256)):
            raise Conflict("Ce relevé a déjà été importé dans ce compte.", field="fichier")
        target = files.keep(spooled, folder / f"{spooled.sha256}.releve")
    name = Path(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:255] or "releve"
    return Received(target, name, spooled.sha256, statement.format, len(statement.lines))
