"""The chart of a company: the SYSCOHADA accounts copied in, browsed, and the sub-accounts added."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, Select, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from wisebook.data.syscohada import chart as official_chart
from wisebook.db import dialect, models, rows
from wisebook.ledger import accounts as chart_rules
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.text import is_digits


def load_chart(session: Session, company_id: int) -> int:
    """Copy the official SYSCOHADA chart into a company, in one bulk insert."""
    rows = official_chart()
    postable = chart_rules.postable_codes(r.code for r in rows)
    session.execute(
        insert(models.Account),
        [
            {
                "company_id": company_id,
                "code": r.code,
                "label": r.label,
                "account_class": r.account_class,
                "nature": r.nature,
                "lettrable": r.lettrable,
                "postable": r.code in postable,
            }
            for r in rows
        ],
    )
    if dialect.is_postgresql(session):
        # The planner's statistics of the chart now, not at autovacuum's next round: without
        # them the first minute's postings look their accounts up by company alone (1,400 rows).
        session.execute(text("ANALYZE accounts"))
    return len(rows)


MAX_PAGE = 500


@functools.lru_cache(maxsize=32)
def _page(after: bool, by_class: bool, match: str | None, limited: bool) -> Select[Any]:
    """The chart's page read for one combination of filters, built once (bound parameters:
    ``company``, ``after``, ``classe``, ``prefix``, ``words``, ``limit``)."""
    acc = models.Account
    query = select(acc.code, acc.label, acc.account_class, acc.nature, acc.lettrable, acc.postable).where(
        acc.company_id == bindparam("company")
    )
    if after:
        query = query.where(acc.code > bindparam("after"))
    if by_class:
        query = query.where(acc.account_class == bindparam("classe"))
    if match == "prefix":
        query = query.where(acc.code.startswith(bindparam("prefix")))
    elif match == "words":
        query = query.where(acc.label.ilike(bindparam("words"), escape="\\"))
    query = query.order_by(acc.code)
    return query.limit(bindparam("limit", type_=Integer)) if limited else query


def list_accounts(
    session: Session,
    company_id: int,
    account_class: int | None = None,
    q: str | None = None,
    limit: int | None = 100,
    after: str | None = None,
) -> tuple[list[Any], str | None]:
    """A page of the chart by number, after the account ``after`` (the cursor is a number):
    filtered by class and by a number prefix or label words; and the next page's cursor (the
    whole of it when ``limit`` is None). Read as plain rows (number, label, class, nature,
    lettrable, postable)."""
    if limit is not None and not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"La limite va de 1 à {MAX_PAGE}.", field="limite")
    if after is not None and (not is_digits(after) or len(after) > 20):
        raise InvalidInput("Curseur inconnu : reprenez le « suivant » de la page précédente.", field="apres")
    text = (q or "").strip()
    match = None if not text else "prefix" if is_digits(text) else "words"
    params: dict[str, Any] = {"company": company_id, "after": after, "classe": account_class}
    params["prefix"] = text if match == "prefix" else None
    params["words"] = f"%{_escape_like(text)}%" if match == "words" else None
    params["limit"] = None if limit is None else limit + 1
    statement = _page(after is not None, account_class is not None, match, limit is not None)
    found = rows(session, statement, **params)
    if limit is not None and len(found) > limit:
        return found[:limit], str(found[limit - 1].code)
    return found, None


_POSTABLE = (
    select(models.Account.code, models.Account.label, models.Account.lettrable)
    .where(models.Account.company_id == bindparam("company"), models.Account.postable.is_(True))
    .order_by(models.Account.code)
)


def postable_accounts(session: Session, company_id: int) -> list[tuple[str, str, bool]]:
    """(number, label, lettrable) of every account that takes entries, by number: the entry
    form's list, read as plain rows (no ORM objects for the whole chart)."""
    return [
        (code, label, bool(lettrable))
        for code, label, lettrable in rows(session, _POSTABLE, company=company_id)
    ]


def labels(session: Session, company_id: int, codes: set[str]) -> dict[str, str]:
    """The labels of some accounts, by number."""
    if not codes:
        return {}
    acc = models.Account
    query = select(acc.code, acc.label).where(acc.company_id == company_id, acc.code.in_(sorted(codes)))
    return dict(session.execute(query).tuples().all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_label(label: str | None) -> str:
    """An account's label, trimmed: 1 to 200 characters (InvalidInput otherwise)."""
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise InvalidInput("Le libellé compte de 1 à 200 caractères.", field="libelle")
    return label


def _account(session: Session, company_id: int, code: str, lock: bool = False) -> models.Account:
    query = select(models.Account).where(models.Account.company_id == company_id, models.Account.code == code)
    found = session.scalars(query.with_for_update() if lock else query).first()
    if found is None:
        raise NotFound(f"Le compte {code} n'existe pas.", field="numero")
    return found


def get_account(session: Session, company_id: int, code: str) -> models.Account:
    """One account of the company's chart, by number (NotFound otherwise)."""
    return _account(session, company_id, code)


def _has_lines(session: Session, account_id: int) -> bool:
    """Whether any line, draft or posted, is on the account."""
    return (
        session.scalars(select(models.Line.id).where(models.Line.account_id == account_id).limit(1)).first()
        is not None
    )


def sub_account_parent(session: Session, company_id: int, code: str) -> models.Account:
    """The account a new sub-account ``code`` would sit under, once ``code`` is checked.

    A parent that takes entries becomes a heading: when it already has posted or draft
    lines it keeps them, so it cannot, and the accountant moves them first (Conflict). The
    caller reads ``parent.postable`` to say beforehand that the parent will stop taking entries.
    """
    codes = session.scalars(select(models.Account.code).where(models.Account.company_id == company_id)).all()
    parent = _account(session, company_id, chart_rules.check_new_sub_account(code, codes))
    if parent.postable and _has_lines(session, parent.id):
        raise Conflict(
            f"Le compte {parent.code} porte déjà des écritures : il ne peut pas recevoir de sous-compte.",
            field="numero",
        )
    return parent


def add_sub_account(session: Session, company_id: int, code: str, label: str) -> models.Account:
    """A sub-account under an existing account; a parent that took entries becomes a heading
    (``sub_account_parent`` says so beforehand)."""
    label = check_label(label)
    parent = sub_account_parent(session, company_id, code)
    parent.postable = False
    account = models.Account(
        company_id=company_id,
        code=code,
        label=label,
        account_class=chart_rules.account_class(code),
        nature=parent.nature,
        lettrable=parent.lettrable,
        postable=True,
    )
    session.add(account)
    session.flush()
    chart_changed(session, company_id)
    return account


def rename_account(session: Session, company_id: int, code: str, label: str) -> models.Account:
    """A new label for an account (its number, which lines and statements read, stays)."""
    label = check_label(label)
    account = _account(session, company_id, code)
    account.label = label
    session.flush()
    chart_changed(session, company_id)
    return account


@functools.cache
def _official_codes() -> frozenset[str]:
    return frozenset(r.code for r in official_chart())


def removal_fault(session: Session, account: models.Account) -> str | None:
    """Why an account cannot be removed, or None: the SYSCOHADA chart's own accounts stay,
    and so does an account with sub-accounts or with lines (draft or posted)."""
    code = account.code
    if code in _official_codes():
        return f"Le compte {code} fait partie du plan SYSCOHADA : il reste au plan ; renommez-le si besoin."
    acc = models.Account
    child = session.scalars(
        select(acc.code)
        .where(acc.company_id == account.company_id, acc.code.startswith(code), acc.code != code)
        .limit(1)
    ).first()
    if child is not None:
        return f"Le compte {code} a des sous-comptes : retirez-les d'abord."
    if _has_lines(session, account.id):
        return f"Le compte {code} porte des écritures : il reste au plan ; renommez-le si besoin."
    return None


def remove_account(session: Session, company_id: int, code: str) -> None:
    """Remove an account the company added that has no line and no sub-account
    (``removal_fault``). A parent left without sub-accounts takes entries again, as it did
    before its first one."""
    account = _account(session, company_id, code, lock=True)
    fault = removal_fault(session, account)
    if fault is not None:
        raise Conflict(fault, field="numero")
    session.delete(account)
    session.flush()
    acc = models.Account
    rest = session.scalars(select(acc.code).where(acc.company_id == company_id)).all()
    parent = chart_rules.parent_code(code, rest)
    if (
        parent is not None
        and not chart_rules.is_class_level(parent)
        and not any(c != parent and c.startswith(parent) for c in rest)
    ):
        session.execute(
            update(acc).where(acc.company_id == company_id, acc.code == parent).values(postable=True)
        )
    chart_changed(session, company_id)


def chart_changed(session: Session, company_id: int) -> None:
    """A new version of the company's chart: the entry form's cached list is read again."""
    session.execute(
        update(models.Company)
        .where(models.Company.id == company_id)
        .values(chart_version=models.Company.chart_version + 1)
    )
