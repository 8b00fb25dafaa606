"""Lettrage in the browser: the lines of a lettrable account (the grand livre of a tiers
account) with their lettrage codes; lines chosen with the keyboard and their running sum, a
lettrage made when the sum is zero, the proposals accepted one by one or all at once, a
lettrage undone; and the aged balance of receivables and payables per account and tiers."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import InvalidInput, LedgerError, NotFound
from wisebook.services import reconciliation as lettering
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart
from wisebook.services.tiers import register
from wisebook.web.i18n import amount, translate
from wisebook.web.messages import field_messages
from wisebook.web.pages.entries import _day
from wisebook.web.renderers import page

#: Beyond this many lines in open years, an account's lettrage starts from its tiers.
MANY_LINES = 300


class _Summary(Exception):
    """The account is shown by tiers, not line by line."""


def _money(request: Request, units: int) -> str:
    return amount(request, units, request.company.currency) if units else ""


def _ids(texts: list[str]) -> list[int]:
    """Line ids sent by the form; anything else is refused before the books are read."""
    if not texts or len(texts) > 500 or not all(t.isdigit() and len(t) <= 18 for t in texts):
        raise InvalidInput("Choisissez au moins deux lignes à lettrer.", field="lignes")
    return [int(t) for t in texts]


def lettering_page(request: Request) -> Response:
    """The lines of one lettrable account (a tiers optional), open ones first to choose."""
    company = request.company
    lettrables = [
        (code, label)
        for code, label, lettrable in chart.postable_accounts(request.db, company.id)
        if lettrable
    ]
    values = {
        "compte": str(request.params.get("compte", "")).strip()[:12]
        or (lettrables[0][0] if lettrables else ""),
        "tiers": str(request.params.get("tiers", "")).strip()[:100],
        "ouvertes": "1" if request.params.get("ouvertes") == "1" else "",
    }
    errors: dict[str, str] = {}
    status = 200
    may_letter = request.has_permission(Permission.POST)
    if request.method == "POST":
        try:
            done = _act(request, values["compte"])
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            query = {k: v for k, v in values.items() if v} | {"fait": done}
            return HTTPSeeOther(request.route_path("lettering_page", _query=query))
    rows: list[lettering.OpenLine] = []
    proposals: list[lettering.Proposal] = []
    partners: list[lettering.OpenPartner] | None = None
    try:
        if not values["tiers"] and lettering.has_more_lines_than(
            request.db, company.id, values["compte"], MANY_LINES
        ):
            # Too many lines to choose among at once: the tiers first, each with what is open
            partners = lettering.open_partners(request.db, company.id, values["compte"])
            raise _Summary
        rows = lettering.lines(
            request.db,
            company.id,
            values["compte"],
            values["tiers"] or None,
            open_only=values["ouvertes"] == "1",
        )
        proposals = lettering.proposals(request.db, company.id, values["compte"], values["tiers"] or None)
    except _Summary:
        pass
    except (InvalidInput, NotFound) as exc:
        errors = errors or field_messages(request, exc)
        status = status if status != 200 else exc.status
    by_id = {r.id: r for r in rows}
    first_of_code: set[int] = set()
    seen: set[str] = set()
    for r in rows:
        if r.code and r.code not in seen:
            seen.add(r.code)
            first_of_code.add(r.id)
    debit = sum(r.debit for r in rows)
    credit = sum(r.credit for r in rows)
    open_balance = sum(r.debit - r.credit for r in rows if r.code is None)
    return page(
        request,
        "lettrage.html",
        {
            "comptes": lettrables,
            "valeurs": values,
            "erreurs": errors,
            "lignes": [
                {
                    "l": r,
                    "debit": _money(request, r.debit),
                    "credit": _money(request, r.credit),
                    "premiere": r.id in first_of_code,
                }
                for r in rows
            ],
            "propositions": [
                {
                    "ids": ",".join(str(i) for i in p.line_ids),
                    "tiers": p.partner or "",
                    "raison": p.reason,
                    "lignes": [by_id[i] for i in p.line_ids if i in by_id],
                    "montant": _money(request, sum(by_id[i].debit for i in p.line_ids if i in by_id)),
                }
                for p in proposals
            ],
            "total_debit": _money(request, debit),
            "total_credit": _money(request, credit),
            "non_lettre": amount(request, abs(open_balance), company.currency),
            "sens": "D" if open_balance > 0 else "C" if open_balance < 0 else "",
            "fait": str(request.params.get("fait", ""))[:200],
            "peut_lettrer": may_letter,
            "tiers_ouverts": None
            if partners is None
            else [
                {
                    "tiers": p.partner or "",
                    "lignes": p.open_lines,
                    "solde": amount(request, abs(p.balance), company.currency),
                    "sens": "D" if p.balance > 0 else "C" if p.balance < 0 else "",
                }
                for p in partners
            ],
            "decimales": request.company.currency,
        },
        status,
    )


def _act(request: Request, account: str) -> str:
    """What the form asked: letter the chosen lines, accept one proposal or all, undo a lettrage.
    Said back on the page (``fait``) once done."""
    company, user = request.company, request.wisebook_identity.user_id
    post = request.POST
    if post.get("delettrer"):
        found = str(post["delettrer"])
        if not found.isdigit() or len(found) > 18:
            raise NotFound("Lettrage introuvable.")
        lettering.unreconcile(request.db, company.id, int(found))
        return translate(request, "Lettrage défait : les lignes sont de nouveau ouvertes.")
    if post.get("tout") == "1":
        found = lettering.proposals(request.db, company.id, account, str(post.get("tiers", "")) or None)
        made = [
            lettering.reconcile(request.db, company.id, p.line_ids, user, company.currency) for p in found
        ]
        return translate(request, "${n} lettrages faits.", n=len(made))
    chosen = str(post["accepter"]).split(",") if post.get("accepter") else post.getall("ligne")
    made_one = lettering.reconcile(request.db, company.id, _ids(chosen), user, company.currency)
    return translate(request, "Lettrage ${code} fait.", code=made_one.code)


class AgedLine(NamedTuple):
    """A row of the aged balance's page. A tuple with names, not a dict: Jinja reads ``l.compte``
    as an attribute first, and a dict's missing attribute costs an exception per cell."""

    compte: str
    tiers: str
    nom: str
    lien: str
    tranches: list[str]
    total: str


def aged_balance_page(request: Request) -> Response:
    """Unlettered receivables or payables by age (0-30, 31-60, 61-90, 91+ days) at a date, per
    account and tiers, with totals."""
    company = request.company
    values = {
        "comptes": str(request.params.get("comptes", "411")).strip()[:12] or "411",
        "au": str(request.params.get("au", "")).strip()[:10],
    }
    errors: dict[str, str] = {}
    rows: list[lettering.AgedRow] = []
    at = dt.date.today()
    try:
        if not values["comptes"].isdigit():
            raise InvalidInput("Numéro de compte attendu.", field="comptes")
        if values["au"]:
            at = _day(values["au"])
        rows = lettering.aged_balance(request.db, company.id, values["comptes"], at)
    except InvalidInput as exc:
        errors = field_messages(request, exc, {"date_comptable": "au"})
    values["au"] = values["au"] or at.strftime("%d/%m/%Y")
    buckets = len(lettering.AGE_BUCKETS)
    totals = [sum(r.buckets[i] for r in rows) for i in range(buckets)]
    lettering_path = request.route_path("lettering_page")  # once: a page may list 5 000 tiers
    names = register.names(request.db, company.id)
    return page(
        request,
        "balance_agee.html",
        {
            "valeurs": values,
            "erreurs": errors,
            "tranches": [
                f"{low}–{high}" if high is not None else f"{low}+" for low, high in lettering.AGE_BUCKETS
            ],
            "lignes": [
                AgedLine(
                    r.account,
                    r.partner or "",
                    names.get(r.partner or "", ""),
                    f"{lettering_path}?{urlencode({'compte': r.account, 'tiers': r.partner or ''})}",
                    [_money(request, v) for v in r.buckets],
                    amount(request, r.total, company.currency),
                )
                for r in rows
            ],
            "totaux": [amount(request, v, company.currency) for v in totals],
            "total": amount(request, sum(totals), company.currency),
        },
        422 if errors else 200,
    )


def includeme(config: Any) -> None:
    """Reading for members; lettering for those who post."""
    config.add_view(
        lettering_page, route_name="lettering_page", request_method="GET", permission=Permission.READ
    )
    config.add_view(
        lettering_page, route_name="lettering_page", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        aged_balance_page, route_name="aged_balance_page", request_method="GET", permission=Permission.READ
    )
