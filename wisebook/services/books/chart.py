"""The chart of a company: the SYSCOHADA accounts copied in, browsed, and the sub-accounts added."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, Select, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from wisebook.data.syscohada import chart as official_chart
from wisebook.db import dialect, models, rows
from wisebook.ledger import accounts as chart_rules
from wisebook.ledger.errors import Conflict, InvalidInput
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def add_sub_account(session: Session, company_id: int, code: str, label: str) -> models.Account:
    """A sub-account under an existing account; its parent becomes a heading.

    A parent that already has posted or draft lines keeps them, so it cannot become a
    heading: the accountant moves them first.
    """
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise InvalidInput("Le libellé compte de 1 à 200 caractères.", field="libelle")
    codes = session.scalars(select(models.Account.code).where(models.Account.company_id == company_id)).all()
    parent_code = chart_rules.check_new_sub_account(code, codes)
    parent = session.scalars(
        select(models.Account).where(
            models.Account.company_id == company_id, models.Account.code == parent_code
        )
    ).one()
    if parent.postable:
        used = session.scalars(
            select(models.Line.id).where(models.Line.account_id == parent.id).limit(1)
        ).first()
        if used is not None:
            raise Conflict(
                f"Le compte {parent.code} porte déjà des écritures : il ne peut pas recevoir de sous-compte.",
                field="numero",
            )
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


def chart_changed(session: Session, company_id: int) -> None:
    """A new version of the company's chart: the entry form's cached list is read again."""
    session.execute(
        update(models.Company)
        .where(models.Company.id == company_id)
        .values(chart_version=models.Company.chart_version + 1)
    )
